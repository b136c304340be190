// Notes and handover in a real browser: a guide writes a note in the 360 px sidebar; an admin hands that customer
// to a colleague in the console; the emulator plays the customer who accepts; the old guide loses the customer
// at once and the new guide sees her with the note attached.
import type { BrowserContext, Frame, Page } from 'playwright-core'
import type { Demo } from './support.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { loginAs as login, openMember, screenshotPath, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 150, seed: 11 })
let demo: Demo

beforeAll(() => {
  demo = session.demo
})

async function loginAs(userid: string, next = '/'): Promise<{ context: BrowserContext, page: Page }> {
  const context = await session.newContext({ viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  await login(page, demo, userid, next)
  return { context, page }
}

/** Workers do not poll under the test runner: wait for the emulator's pushes, then run due jobs. */
async function runJobs(): Promise<void> {
  for (let i = 0; i < 100 && demo.emulator.callbacks.deliveries.some(d => d.status === 'pending'); i++)
    await new Promise(done => setTimeout(done, 20))
  for (let i = 0; i < 10 && await demo.app.jobQueue.tick() > 0; i++);
}

describe('notes and handover in chromium', () => {
  it('a note written in the sidebar moves with the customer; the old guide loses her the moment WeCom confirms', async () => {
    const sqlite = demo.database.sqlite
    const target = sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact, m.id as memberId, m.name as name, s.store_id as store
      from follows f join members m on m.id = f.member_id join staff s on s.userid = f.guide_userid
      where f.status = 'active' and s.role = 'guide' and m.external_userid is not null
        and (select count(*) from follows o where o.member_id = m.id and o.status = 'active') = 1
      order by f.guide_userid, m.id limit 1`).get() as { guide: string, contact: string, memberId: number, name: string, store: string }
    const taker = (sqlite.prepare(`select userid from staff where role = 'guide' and status = 1 and store_id = ? and userid <> ? order by userid limit 1`).get(target.store, target.guide) as { userid: string }).userid

    // The guide writes a size note in the sidebar.
    const guide = await loginAs(target.guide)
    const sidebar = await openMember(guide.page, target.name, target.contact)
    const shown = async (frame: Frame) => ({
      recommendations: await frame.locator('[data-testid="recommendation-item"]').evaluateAll(els => els.map(e => e.getAttribute('data-sku-id'))),
      tags: (await frame.locator('#section-tags').textContent() ?? '').replace(/\s+/g, ''),
    })
    const before = await shown(sidebar)
    expect(before.recommendations.length).toBeGreaterThan(0)
    await sidebar.locator('[data-testid="member-notes"]').scrollIntoViewIfNeeded()
    await sidebar.click('[data-testid="note-kind"][data-kind="size"]')
    await sidebar.fill('[data-testid="note-body"]', '上衣 M，裤子 28，鞋 37')
    await sidebar.click('[data-testid="note-add"]')
    await sidebar.waitForSelector('[data-testid="note-text"]:has-text("上衣 M")')
    const stored = sqlite.prepare('select kind, body, author_userid from member_notes where member_id = ?').all(target.memberId)
    expect(stored).toEqual([{ kind: 'size', body: '上衣 M，裤子 28，鞋 37', author_userid: target.guide }])
    expect(await sidebar.textContent('[data-testid="notes-count"]')).toContain('1')
    await sidebar.locator('[data-testid="member-notes"]').scrollIntoViewIfNeeded()
    await guide.page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-notes.png') })
    // Deleting asks once more; cancelling keeps the note.
    await sidebar.click('[data-testid="note-delete"]')
    expect(await sidebar.textContent('[data-testid="note-delete"]')).toContain('确认删除')
    await guide.page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-notes-delete-armed.png') })
    await sidebar.click('[data-testid="note-delete-cancel"]')
    expect(await sidebar.textContent('[data-testid="note-delete"]')).toContain('删除')
    expect(sqlite.prepare('select count(*) n from member_notes where member_id = ?').get(target.memberId)).toEqual({ n: 1 })

    // The admin hands this one customer to a colleague.
    const admin = await loginAs('admin', '/app/console')
    const console = admin.page
    await console.click('[data-testid="console-nav"] >> text=客户交接')
    await console.waitForSelector('[data-testid="handover-form"]')
    await console.selectOption('[data-testid="handover-from"]', target.guide)
    await console.selectOption('[data-testid="handover-to"]', taker)
    await console.click(`[data-testid="handover-customer"][data-member-id="${target.memberId}"]`)
    expect(await console.textContent('[data-testid="handover-summary"]')).toContain('1 位客户')
    await console.click('[data-testid="handover-submit"]')
    await console.waitForSelector(`[data-testid="handover-item"][data-member-id="${target.memberId}"][data-status="queued"]`)
    await runJobs()
    await console.click('[data-testid="handover-refresh"]')
    await console.waitForSelector(`[data-testid="handover-item"][data-member-id="${target.memberId}"][data-status="pending"]`)
    await console.screenshot({ path: screenshotPath('console-handover-pending.png'), fullPage: true })
    // While pending she is still the old guide's.
    const status = (page: Page, url: string) => page.evaluate(async u => (await fetch(u)).status, url)
    expect(await status(guide.page, `/api/notes?memberId=${target.memberId}`)).toBe(200)

    // The customer accepts (the emulator plays her); WeCom's events arrive and are processed.
    await console.click('[data-testid="handover-demo-accept"]')
    await runJobs()
    await console.click('[data-testid="handover-refresh"]')
    await console.waitForSelector(`[data-testid="handover-item"][data-member-id="${target.memberId}"][data-status="completed"]`)
    // What the page says is what the data says: she left the old guide's list and counts.
    await console.waitForSelector(`[data-testid="handover-customer"][data-member-id="${target.memberId}"]`, { state: 'detached' })
    const served = (userid: string) => (sqlite.prepare(`select count(*) n from follows where guide_userid = ? and status = 'active'`).get(userid) as { n: number }).n
    expect(await console.locator(`[data-testid="handover-from"] option[value="${target.guide}"]`).textContent()).toContain(`${served(target.guide)} 位客户`)
    expect(await console.locator(`[data-testid="handover-to"] option[value="${taker}"]`).textContent()).toContain(`${served(taker)} 位客户`)
    await console.screenshot({ path: screenshotPath('console-handover-done.png'), fullPage: true })
    expect(await status(guide.page, `/api/notes?memberId=${target.memberId}`)).toBe(404)
    expect(await status(guide.page, `/api/members/context?externalUserId=${target.contact}`)).toBe(404)

    // The new guide sees her, with the note the old guide wrote.
    const next = await loginAs(taker)
    const theirs = await openMember(next.page, target.name, target.contact)
    // Recommendations and tags came along unchanged.
    expect(await shown(theirs)).toEqual(before)
    await theirs.locator('[data-testid="member-notes"]').scrollIntoViewIfNeeded()
    const note = theirs.locator('[data-testid="note"]').first()
    expect(await note.textContent()).toContain('上衣 M，裤子 28，鞋 37')
    // Not hers to edit.
    expect(await note.locator('[data-testid="note-edit"]').count()).toBe(0)
    await next.page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-notes-after-handover.png') })

    // The supervisor's view lists it too.
    await console.click('[data-testid="console-nav"] >> text=会员备注')
    await console.waitForSelector('[data-testid="notes-feed-row"]')
    expect(await console.textContent('[data-testid="notes-feed"]')).toContain('上衣 M，裤子 28，鞋 37')
    await console.screenshot({ path: screenshotPath('console-notes.png') })
    await Promise.all([guide.context.close(), admin.context.close(), next.context.close()])
  })
})
