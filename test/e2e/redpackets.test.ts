// A red packet from the sidebar in a real browser: the guide opens 红包 on a member, pays a preset, the
// customer is told in the simulated chat, and the guide sees it 已领取 once the (simulated) customer opens it.
// A typed amount under the brand's minimum is refused with the limit named, in Chinese or in English.
import type { Page } from 'playwright-core'
import type { Demo } from './support.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { loginAs, openMember, screenshotPath, sidebarOf, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 300, seed: 42 })
let demo: Demo
let page: Page

beforeAll(async () => {
  demo = session.demo
  page = await session.newPage({ viewport: { width: 1280, height: 860 } })
})

const sidebar = () => sidebarOf(page)

describe('red packets in chromium', () => {
  it('a guide sends a red packet from the sidebar, the chat tells the customer, and the guide sees it received', { timeout: 90_000 }, async () => {
    const sqlite = demo.database.sqlite
    const target = sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact, m.id as memberId, m.name as name
      from follows f join members m on m.id = f.member_id
      where f.status = 'active' and m.external_userid is not null and exists (select 1 from orders o where o.member_id = m.id)
      order by f.guide_userid, m.id limit 1`).get() as { guide: string, contact: string, memberId: number, name: string }

    await loginAs(page, demo, target.guide)
    await page.waitForSelector(`[data-testid="demo-guide"][data-userid="${target.guide}"]`)
    await openMember(page, target.name, target.contact)

    // The allowance on screen is the server's: 20 packets / ¥200.00 a day by default, none used yet.
    await sidebar().click('[data-testid="redpacket-open"]')
    await sidebar().waitForSelector('[data-testid="redpacket-dialog"]')
    expect(await sidebar().textContent('[data-testid="redpacket-allowance"]')).toContain('今日还可发 20 个,共 ¥200.00')
    await sidebar().locator('[data-testid="redpacket-preset"]').nth(1).click()
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-redpacket-dialog.png') })
    await sidebar().click('[data-testid="redpacket-pay"]')
    await sidebar().waitForSelector('[data-testid="toast"][data-kind="success"]')

    const packet = () => sqlite.prepare('select status, amount, guide_user_id, member_id from (select status, amount, guide_userid as guide_user_id, member_id from red_packets order by id desc limit 1)').get()
    expect(packet()).toEqual({ status: 'sent', amount: 520, guide_user_id: target.guide, member_id: target.memberId })
    const notice = page.locator('[data-testid="chat-message"][data-msgtype="text"]').last()
    await notice.waitFor()
    expect(await notice.textContent()).toContain('送您一个 ¥5.20 的红包')

    // The demo customer opens it after 6 s; the sidebar polls and shows 已领取, as the database says.
    await sidebar().waitForSelector('[data-testid="redpacket-panel"] [data-testid="redpacket-status"][data-status="received"]', { timeout: 30_000 })
    expect((packet() as { status: string }).status).toBe('received')
    expect(await sidebar().textContent('[data-testid="redpacket-panel"]')).toContain('今日还可发 19 个,共 ¥194.80')
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-redpacket-received.png') })
  })

  it('refuses a typed amount under the minimum on an order, naming the limit in Chinese, and pays nothing', async () => {
    const before = (demo.database.sqlite.prepare('select count(*) n from red_packets').get() as { n: number }).n
    const orderButton = sidebar().locator('[data-testid="redpacket-order-open"]').first()
    await orderButton.scrollIntoViewIfNeeded()
    await orderButton.click()
    await sidebar().waitForSelector('[data-testid="redpacket-dialog"]')
    await sidebar().fill('[data-testid="redpacket-amount"]', '0.5')
    await sidebar().click('[data-testid="redpacket-pay"]')
    await sidebar().waitForSelector('[data-testid="redpacket-error"]')
    expect(await sidebar().textContent('[data-testid="redpacket-error"]')).toContain('低于单个红包下限 ¥1.00')
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-redpacket-refused.png') })
    // In English the same refusal reads in English: the server sends the limit's code and numbers.
    await sidebar().locator('[data-testid="redpacket-dialog"]').click({ position: { x: 4, y: 4 } })
    await sidebar().click('[data-testid="locale-toggle"]')
    try {
      await orderButton.click()
      await sidebar().fill('[data-testid="redpacket-amount"]', '0.5')
      await sidebar().click('[data-testid="redpacket-pay"]')
      await sidebar().waitForSelector('[data-testid="redpacket-error"]')
      expect(await sidebar().textContent('[data-testid="redpacket-error"]')).toContain('¥0.50 is below the minimum per packet of ¥1.00')
      await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-redpacket-refused-en.png') })
      await sidebar().locator('[data-testid="redpacket-dialog"]').click({ position: { x: 4, y: 4 } })
    }
    finally {
      await sidebar().click('[data-testid="locale-toggle"]')
    }
    expect((demo.database.sqlite.prepare('select count(*) n from red_packets').get() as { n: number }).n).toBe(before)
  })

  it('the admin console shows the spend the database holds and offers the store\'s reconciliation export', { timeout: 60_000 }, async () => {
    const sqlite = demo.database.sqlite
    const paid = sqlite.prepare(`select coalesce(sum(amount), 0) fen, count(*) n, min(store_id) store from red_packets where status in ('sent', 'received')`).get() as { fen: number, n: number, store: string }
    expect(paid.n).toBeGreaterThan(0)
    await loginAs(page, demo, 'admin', '/app/console')
    await page.waitForSelector('[data-testid="console-nav"]')
    await page.click('[data-testid="console-nav"] >> text=红包')
    await page.waitForSelector('[data-testid="spend-total"]')
    expect((await page.textContent('[data-testid="spend-total-spent"]'))?.trim()).toBe(`¥${(paid.fen / 100).toFixed(2)}`)
    await page.selectOption('[data-testid="spend-store"]', paid.store)
    const download = page.waitForEvent('download')
    await page.click('[data-testid="export-csv"]')
    expect((await download).suggestedFilename()).toMatch(new RegExp(`^red-packets-${paid.store}-\\d{4}-\\d{2}\\.csv$`))
    await page.setViewportSize({ width: 1280, height: 1100 })
    await page.screenshot({ path: screenshotPath('console-redpackets.png'), fullPage: true })
  })
})
