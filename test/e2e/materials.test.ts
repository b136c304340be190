// Materials and replies in a real browser: a guide sends an image (a media/upload media id the emulator holds),
// a mini-program card and a reply edited before sending with the customer's name filled in; an admin imports
// replies from an XLSX in the console. Screenshots go to test-results/.
import type { Page } from 'playwright-core'
import type { Demo } from './support.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEMO_MINIPROGRAM_APPID } from '../../server/src/materials/demo-seed.ts'
import { replySheetXlsx } from '../../server/src/replies/sheet.ts'
import { loginAs, openMember, screenshotPath, sidebarOf, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 300, seed: 42 })
let demo: Demo
let page: Page

beforeAll(async () => {
  demo = session.demo
  page = await session.newPage()
})

const sidebar = () => sidebarOf(page)

const lastSend = () => demo.database.sqlite.prepare('select status, kind, payload, reply_id, member_id from sends order by id desc limit 1').get() as { status: string, kind: string, payload: string, reply_id: number | null, member_id: number }

describe('materials and replies in chromium', () => {
  it('a guide sends an image, a mini-program card and an edited reply with the customer\'s name', async () => {
    const sqlite = demo.database.sqlite
    const target = sqlite.prepare(`select f.guide_userid guide, m.external_userid contact, m.id memberId, m.name name, coalesce(f.remark, m.name) shown
      from follows f join members m on m.id = f.member_id
      where f.status = 'active' and m.external_userid is not null order by f.guide_userid, m.id limit 1`).get() as { guide: string, contact: string, memberId: number, name: string, shown: string }
    const calledAs = target.shown.split(/\s/)[0]!

    await loginAs(page, demo, target.guide)
    await page.waitForSelector(`[data-testid="demo-guide"][data-userid="${target.guide}"]`)
    await openMember(page, target.name, target.contact)

    // The image: the server uploads it to WeCom (the emulator) and the chat shows the same picture.
    const image = sidebar().locator('[data-testid="material-item"][data-kind="image"]').first()
    await image.scrollIntoViewIfNeeded()
    await image.locator('[data-testid="material-send"]').click()
    await page.locator('[data-testid="chat-image"] img').waitFor()
    await expect.poll(() => lastSend().status).toBe('sent')
    const sentImage = lastSend()
    expect(sentImage).toMatchObject({ kind: 'image', member_id: target.memberId })
    const mediaId = (JSON.parse(sentImage.payload) as { image: { mediaid: string } }).image.mediaid
    const held = await (await fetch(`${demo.emulatorUrl}/__emulator/media/${encodeURIComponent(mediaId)}`)).json() as { type: string, expired: boolean }
    expect(held).toMatchObject({ type: 'image', expired: false })
    await sidebar().locator('[data-testid="material-item"][data-kind="image"] [data-testid="material-sent"]').first().waitFor()

    // The mini-program card: the brand's appid and a page path ending in .html.
    await sidebar().locator('[data-testid="material-item"][data-kind="miniprogram"] [data-testid="material-send"]').first().click()
    await page.locator('[data-testid="chat-miniprogram"]').waitFor()
    await expect.poll(() => lastSend().kind).toBe('miniprogram')
    await expect.poll(() => lastSend().status).toBe('sent')
    const card = (JSON.parse(lastSend().payload) as { miniprogram: { appid: string, page: string } }).miniprogram
    expect(card.appid).toBe(DEMO_MINIPROGRAM_APPID)
    expect(card.page).toMatch(/^[^?]+\.html(\?|$)/)
    await sidebar().locator('[data-testid="material-picker"]').screenshot({ path: screenshotPath('sidebar-materials.png') })

    // A reply with {{称呼}}: open the editor, see the name filled in, add a line, send.
    const reply = sidebar().locator('[data-testid="reply-item"]', { hasText: calledAs }).first()
    await reply.scrollIntoViewIfNeeded()
    const replyId = Number(await reply.getAttribute('data-reply-id'))
    await sidebar().locator(`[data-testid="reply-edit"][data-reply-id="${replyId}"]`).click()
    const box = sidebar().locator('[data-testid="reply-composer-text"]')
    const filled = await box.inputValue()
    expect(filled).toContain(calledAs)
    expect(filled).not.toMatch(/\{\{/)
    await box.fill(`${filled}\n周末店里有新品试穿活动～`)
    await sidebar().locator('[data-testid="reply-composer"]').screenshot({ path: screenshotPath('sidebar-reply-edit.png') })
    await sidebar().locator('[data-testid="reply-composer-send"]').click()
    const text = page.locator('[data-testid="chat-text"]').last()
    await text.waitFor()
    expect(await text.textContent()).toContain('周末店里有新品试穿活动')
    await expect.poll(() => lastSend().status).toBe('sent')
    const sentReply = lastSend()
    expect(sentReply).toMatchObject({ kind: 'text', reply_id: replyId, member_id: target.memberId })
    expect((JSON.parse(sentReply.payload) as { text: { content: string } }).text.content).toBe(`${filled}\n周末店里有新品试穿活动～`)
    await sidebar().waitForSelector('[data-testid="reply-composer"]', { state: 'detached' })

    await page.screenshot({ path: screenshotPath('demo-chat-materials.png') })
  })

  it('an admin imports replies from an XLSX in the console and sees them with a row report', async () => {
    const file = await replySheetXlsx([
      ['双十二活动', '活动预告', '{{称呼}}您好，双十二会员专场 12 月 12 日开始，{{最近购买}}同系列有专属折扣～', ''],
      ['双十二活动', '到店提醒', '{{称呼}}，明天活动开始，我是{{门店}}的{{导购}}，到店找我哦', ''],
    ])

    await loginAs(page, demo, 'admin', '/app/console')
    await page.click('a[href$="/console/replies"]')
    await page.waitForSelector('[data-testid="replies-console"]')
    await page.setInputFiles('[data-testid="reply-import-file"]', { name: '双十二话术.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file })
    await page.click('[data-testid="reply-import-run"]')
    const report = page.locator('[data-testid="reply-import-report"][data-applied="true"]')
    await report.waitFor()
    expect(await report.textContent()).toContain('新增 2 条')
    expect(await page.locator('[data-testid="reply-import-row"][data-status="created"]').count()).toBe(2)
    const rows = () => demo.database.sqlite.prepare(`select r.title, r.content from replies r join reply_groups g on g.id = r.group_id where g.name = '双十二活动' order by r.id`).all()
    expect(rows()).toEqual([
      { title: '活动预告', content: '{{称呼}}您好，双十二会员专场 12 月 12 日开始，{{最近购买}}同系列有专属折扣～' },
      { title: '到店提醒', content: '{{称呼}}，明天活动开始，我是{{门店}}的{{导购}}，到店找我哦' },
    ])
    await page.locator('[data-testid="replies-row"]', { hasText: '活动预告' }).waitFor()
    await page.screenshot({ path: screenshotPath('console-replies-import.png'), fullPage: true })

    await page.click('a[href$="/console/materials"]')
    await page.waitForSelector('[data-testid="materials-row"]')
    const uses = await page.locator('[data-testid="materials-row"]', { hasText: '秋冬羊绒上新海报' }).locator('[data-testid="materials-uses"]').textContent()
    const dbUses = (demo.database.sqlite.prepare(`select count(*) n from material_sends ms join sends s on s.id = ms.send_id join materials m on m.id = ms.material_id where m.title = '秋冬羊绒上新海报' and s.status = 'sent'`).get() as { n: number }).n
    expect(Number(uses?.trim())).toBe(dbUses)
    expect(dbUses).toBe(1)
    await page.screenshot({ path: screenshotPath('console-materials.png'), fullPage: true })
    // Deleting asks once more in place; Escape takes it back.
    const remove = page.locator('[data-testid="materials-row"]', { hasText: '秋冬羊绒上新海报' }).locator('[data-testid="materials-delete"]')
    await remove.click()
    expect(await remove.textContent()).toContain('确认删除')
    await page.locator('[data-testid="materials-row"]', { hasText: '秋冬羊绒上新海报' }).screenshot({ path: screenshotPath('console-materials-delete-armed.png') })
    await remove.press('Escape')
    expect(await remove.textContent()).toContain('删除')
    expect(await remove.getAttribute('data-armed')).toBe('false')
  })
})
