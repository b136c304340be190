// The tag editor in the 360 px sidebar (add a corp tag → stored on the guide's relation → pushed to the
// emulator by the queue), a computed tag's reason on tap, the console's segment page and its corp tag
// library (create, rename, move, add, delete — each in the emulator too), in Chromium.
import type { Page } from 'playwright-core'
import type { Demo } from './support.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { loginAs, openMember, screenshotPath, sidebarOf, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 300, seed: 11 })
let demo: Demo
let page: Page

beforeAll(async () => {
  demo = session.demo
  page = await session.newPage()
})

const sidebar = () => sidebarOf(page)

describe('tags in chromium', () => {
  it('a guide adds a corp tag in the 360 px sidebar; it lands on their relation and in WeCom; a smart tag explains itself', async () => {
    const sqlite = demo.database.sqlite
    const target = sqlite.prepare(`select f.guide_userid guide, m.external_userid contact, m.id memberId, m.name name
      from follows f join members m on m.id = f.member_id
      where f.status = 'active' and m.external_userid is not null
        and exists (select 1 from computed_member_tags c where c.member_id = m.id and c.tag_id in ('c:lifecycle:sleeping', 'c:lifecycle:lost'))
      order by f.guide_userid, m.id limit 1`).get() as { guide: string, contact: string, memberId: number, name: string }
    const before = (sqlite.prepare('select tag_id t from follow_tags where guide_userid = ? and member_id = ?').all(target.guide, target.memberId) as { t: string }[]).map(r => r.t)
    const add = sqlite.prepare(`select t.id, t.name from tags t join tag_groups g on g.id = t.group_id where g.source = 'wecom' and not t.deleted and not g.deleted and g.id not like 'etRule%' order by g.sort_order desc, t.sort_order desc, t.id`).all().map(r => r as { id: string, name: string }).find(t => !before.includes(t.id))!

    await loginAs(page, demo, target.guide)
    await page.waitForSelector(`[data-testid="demo-guide"][data-userid="${target.guide}"]`)
    await openMember(page, target.name, target.contact)
    expect(await sidebar().locator('html').evaluate(html => html.clientWidth)).toBeLessThanOrEqual(360)

    // A smart tag's reason on tap, with the numbers stored for her.
    const lifecycle = sidebar().locator('[data-testid="member-tag"][data-source="computed"][data-tag-id^="c:lifecycle:"]')
    await lifecycle.scrollIntoViewIfNeeded()
    await lifecycle.click()
    const stored = sqlite.prepare(`select explanation from computed_member_tags where member_id = ? and tag_id like 'c:lifecycle:%'`).get(target.memberId) as { explanation: string }
    const gapDays = (JSON.parse(stored.explanation) as { params: { gapDays: number } }).params.gapDays
    await expect(sidebar().locator('[data-testid="member-tag-why"]').textContent()).resolves.toContain(`距上次购买 ${gapDays} 天`)
    await sidebar().locator('[data-testid="member-tags"]').screenshot({ path: screenshotPath('sidebar-tags-explained.png') })

    await sidebar().click('[data-testid="member-tags-edit"]')
    await sidebar().waitForSelector('[data-testid="tag-editor-tag"]')
    const editorWidth = await sidebar().locator('[data-testid="tag-editor"]').evaluate(e => e.scrollWidth - e.clientWidth)
    expect(editorWidth).toBe(0)
    await sidebar().click(`[data-testid="tag-editor-tag"][data-tag-id="${add.id}"]`)
    await sidebar().locator('[data-testid="tag-editor"]').screenshot({ path: screenshotPath('sidebar-tag-editor.png') })
    await sidebar().click('[data-testid="tag-editor-save"]')
    await sidebar().waitForSelector('[data-testid="tag-editor"]', { state: 'detached' })
    await expect(sidebar().locator('[data-testid="member-tag"][data-mine="true"]', { hasText: add.name }).count()).resolves.toBeGreaterThan(0)
    expect(sqlite.prepare('select 1 from follow_tags where guide_userid = ? and member_id = ? and tag_id = ?').get(target.guide, target.memberId, add.id)).toBeDefined()

    const follow = () => demo.emulator.state.fixtures.externalContacts.find(c => c.externalUserid === target.contact)!.follows.find(f => f.userid === target.guide)!
    expect(follow().tagIds).not.toContain(add.id)
    // The push job brings WeCom to the same state (run here; the demo's own worker may take it first).
    while (await demo.app.jobQueue.tick({ wait: true }) > 0) { /* run every due job */ }
    await expect.poll(() => follow().tagIds, { timeout: 15_000 }).toContain(add.id)
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-tags-saved.png') })

    // The today tab's win-back section: this guide's lapsed customers, with why and what they bought last.
    await sidebar().click('[data-testid="tab-today"]')
    const first = sidebar().locator('[data-testid="win-back-item"]').first()
    await first.waitFor()
    const memberId = Number(await first.getAttribute('data-member-id'))
    expect(sqlite.prepare(`select 1 from follows where guide_userid = ? and member_id = ? and status = 'active'`).get(target.guide, memberId)).toBeDefined()
    const lastPaid = (sqlite.prepare(`select max(paid_at) p from orders where member_id = ? and status != 'cancelled' and paid_amount - refunded_amount > 0`).get(memberId) as { p: number }).p
    const date = new Date(lastPaid + 8 * 3_600_000).toISOString().slice(0, 10)
    await expect(first.locator('[data-testid="win-back-last"]').textContent()).resolves.toContain(`上次 ${date}`)
    await first.scrollIntoViewIfNeeded()
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-win-back.png') })
  })

  it('an admin builds a segment in the console and sees its size and a sample', async () => {
    const sqlite = demo.database.sqlite
    const admin = (sqlite.prepare(`select userid from staff where role = 'admin' limit 1`).get() as { userid: string }).userid
    // A new browser context: no guide session.
    page = await session.newPage()
    await loginAs(page, demo, admin, '/app/console')
    await page.click('[data-testid="console-nav"] >> text=客户分群')
    await page.waitForSelector('[data-testid="segment-tag"][data-tag-id="c:lifecycle:lost"]')
    await page.click('[data-testid="segment-tag"][data-tag-id="c:lifecycle:lost"]')
    await page.fill('[data-testid="segment-min-spent"]', '2000')
    await page.click('[data-testid="segment-preview"]')
    await page.waitForSelector('[data-testid="segment-size"]')
    const want = (sqlite.prepare(`select count(*) n from members m where exists (select 1 from computed_member_tags c where c.member_id = m.id and c.tag_id = 'c:lifecycle:lost')
      and (select coalesce(sum(paid_amount - refunded_amount), 0) from orders o where o.member_id = m.id and o.status != 'cancelled') >= 200000`).get() as { n: number }).n
    await expect(page.textContent('[data-testid="segment-size"]')).resolves.toContain(`${want} 人`)
    expect(await page.locator('[data-testid="segment-sample-row"]').count()).toBe(Math.min(20, want))
    await page.screenshot({ path: screenshotPath('console-segments.png'), fullPage: true })
    await page.setViewportSize({ width: 1024, height: 800 })
    expect(await page.locator('html').evaluate(html => html.scrollWidth - html.clientWidth)).toBe(0)
  })
  it('an admin manages the corp tag library at 1280 px: create, rename, move, add, two-press delete; console tags stay read-only', async () => {
    const sqlite = demo.database.sqlite
    const admin = (sqlite.prepare(`select userid from staff where role = 'admin' limit 1`).get() as { userid: string }).userid
    page = await session.newPage()
    await loginAs(page, demo, admin, '/app/console')
    await page.click('[data-testid="console-nav"] >> text=标签管理')
    const groups = page.locator('[data-testid="corp-tag-group"]')
    await groups.first().waitFor()
    // The demo's library was made in the WeCom admin console: every group read-only, marked so, without edit buttons.
    const consoleGroups = await groups.count()
    expect(consoleGroups).toBeGreaterThan(0)
    await expect(page.locator('[data-testid="corp-tag-group"][data-editable="true"]').count()).resolves.toBe(0)
    await expect(groups.first().locator('[data-testid="corp-tag-group-locked"]').textContent()).resolves.toContain('企业微信后台创建')
    await expect(page.locator('[data-testid="corp-tag-rename"]').count()).resolves.toBe(0)

    const emulatorGroup = (name: string) => demo.emulator.state.fixtures.tagGroups.find(g => g.groupName === name && !g.deleted)
    await page.fill('[data-testid="corp-tag-create-name"]', '到店时段')
    await page.fill('[data-testid="corp-tag-create-tags"]', '周末到店，工作日到店')
    await page.click('[data-testid="corp-tag-create-submit"]')
    const ours = page.locator('[data-testid="corp-tag-group"][data-editable="true"]')
    await ours.waitFor()
    expect(await groups.first().getAttribute('data-editable')).toBe('true')
    await expect(ours.locator('[data-testid="corp-tag-name"]').allTextContents()).resolves.toEqual(['周末到店', '工作日到店'])
    expect(emulatorGroup('到店时段')!.tags.map(t => t.name)).toEqual(['周末到店', '工作日到店'])

    // Inline rename, then move it up.
    const weekday = ours.locator('[data-testid="corp-tag"]', { hasText: '工作日到店' })
    await weekday.locator('[data-testid="corp-tag-rename"]').click()
    await ours.locator('[data-testid="corp-tag-rename-input"]').fill('工作日午间')
    await ours.locator('[data-testid="corp-tag-rename-save"]').click()
    await ours.locator('[data-testid="corp-tag-name"]', { hasText: '工作日午间' }).waitFor()
    await ours.locator('[data-testid="corp-tag"]', { hasText: '工作日午间' }).locator('[data-testid="corp-tag-up"]').click()
    await expect.poll(() => ours.locator('[data-testid="corp-tag-name"]').allTextContents()).toEqual(['工作日午间', '周末到店'])
    const inWecom = emulatorGroup('到店时段')!.tags.filter(t => !t.deleted).sort((a, b) => b.order - a.order).map(t => t.name)
    expect(inWecom).toEqual(['工作日午间', '周末到店'])

    // A new tag in a read-only group is this app's: editable, in a group that stays read-only.
    const locked = groups.nth(1)
    await locked.locator('[data-testid="corp-tag-add-input"]').fill('新品控')
    await locked.locator('[data-testid="corp-tag-add"]').click()
    await locked.locator('[data-testid="corp-tag"][data-editable="true"]', { hasText: '新品控' }).waitFor()
    expect(await locked.getAttribute('data-editable')).toBe('false')

    await page.screenshot({ path: screenshotPath('console-corp-tags.png'), fullPage: true })

    // Delete takes two presses; the first only asks.
    const weekend = ours.locator('[data-testid="corp-tag"]', { hasText: '周末到店' })
    await weekend.locator('[data-testid="corp-tag-delete"]').click()
    await expect(weekend.locator('[data-testid="corp-tag-delete"]').textContent()).resolves.toContain('再按一次')
    await weekend.screenshot({ path: screenshotPath('console-corp-tag-delete-armed.png') })
    expect(emulatorGroup('到店时段')!.tags.find(t => t.name === '周末到店')!.deleted).toBeFalsy()
    await weekend.locator('[data-testid="corp-tag-delete"]').click()
    await weekend.waitFor({ state: 'detached' })
    expect(emulatorGroup('到店时段')!.tags.find(t => t.name === '周末到店')!.deleted).toBe(true)
    expect(sqlite.prepare(`select deleted from tags where name = '周末到店'`).get()).toEqual({ deleted: 1 })

    await page.setViewportSize({ width: 1024, height: 800 })
    expect(await page.locator('html').evaluate(html => html.scrollWidth - html.clientWidth)).toBe(0)
  })
})
