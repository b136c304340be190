import type { Page } from 'playwright-core'
import type { SampleFiles } from '../../server/src/imports/samples.ts'
// The order import screen in a real browser: an admin logs in through the emulator, uploads the demo's
// Taobao report with its item file, watches the import finish, reads the report (checked against the sample
// data), sees a wrong-platform file refused with its reason, and the imported orders land on the right
// members with the account they came from. Then the admin merges the member with the sample's unmapped item
// into a guide's customer (会员合并), the guide sees that order on her card with 未匹配商品 and its account, and
// the admin's 撤销 takes it back.
import type { OrderPage } from '../../shared/src/index.ts'
import type { Demo } from './support.ts'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeImportSamples } from '../../server/src/imports/samples.ts'
import { formatFen } from '../../shared/src/common.ts'
import { loginAs, openMember, screenshotPath, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 200, seed: 42 })
let demo: Demo
let page: Page
let samples: SampleFiles

beforeAll(async () => {
  demo = session.demo
  samples = await writeImportSamples(demo.database.port, join(session.dataDir, 'samples'), Date.now())
  page = await session.newPage()
})

const sample = (name: string) => join(samples.dir, name)

describe('order import screen in chromium', () => {
  it('imports the Taobao report and item file with a progress bar and a true report', async () => {
    await loginAs(page, demo, 'admin', '/app/console')
    await page.click('[data-testid="console-nav"] >> text=订单导入')
    await page.waitForSelector('[data-testid="imports-page"]')
    await page.waitForSelector('[data-testid="unmatched-queue"]')

    await page.setInputFiles('[data-testid="import-file"]', sample(samples.files.taobao[0]!))
    await page.setInputFiles('[data-testid="import-items-file"]', sample(samples.files.taobao[1]!))
    await page.click('[data-testid="import-start"]')
    await page.waitForSelector('[data-testid="import-status"]:has-text("已完成")', { timeout: 30_000 })

    const taobao = samples.orders.filter(o => o.platform === 'taobao')
    expect(await page.textContent('[data-testid="report-orders"]')).toBe(String(taobao.length))
    expect(await page.textContent('[data-testid="report-imported"]')).toBe(String(taobao.length))
    expect(await page.textContent('[data-testid="report-item-lines"]')).toBe(String(taobao.length * 2))
    expect(await page.textContent('[data-testid="report-paid"]')).toBe(formatFen(taobao.reduce((s, o) => s + o.paidFen, 0)))
    // The sample's one item code the catalog lacks is listed, not dropped.
    expect(await page.textContent('[data-testid="import-unmapped"]')).toContain('NOT-IN-CATALOG-1')
    await page.screenshot({ path: screenshotPath('imports-taobao-report.png'), fullPage: true })

    // Each order is on the member the sample meant, with the account it came from.
    for (const order of taobao) {
      const res = await page.request.get(`${demo.url}/api/orders?memberId=${order.memberId}&limit=50`)
      const body = await res.json() as OrderPage
      expect(body.orders.find(o => o.orderNo === order.orderNo)).toMatchObject({ platform: 'taobao', paidAmount: order.paidFen })
    }
  })

  it('imports the same file again without adding anything, and refuses another platform\'s file with the reason', async () => {
    await page.setInputFiles('[data-testid="import-file"]', sample(samples.files.taobao[0]!))
    await page.setInputFiles('[data-testid="import-items-file"]', sample(samples.files.taobao[1]!))
    await page.click('[data-testid="import-start"]')
    await page.waitForSelector('[data-testid="report-unchanged"]:text-is("3")', { timeout: 30_000 })
    expect(await page.textContent('[data-testid="report-imported"]')).toBe('0')

    await page.selectOption('[data-testid="import-platform"]', 'jd')
    await page.setInputFiles('[data-testid="import-file"]', sample(samples.files.douyin[0]!))
    await page.click('[data-testid="import-start"]')
    await page.waitForSelector('[data-testid="import-status"]:has-text("未导入")', { timeout: 30_000 })
    expect(await page.textContent('[data-testid="import-refusal"]')).toMatch(/第 1 行：这不是京东（商家后台订单导出）的导出文件：缺少列 订单号.*抖店/)
    await page.screenshot({ path: screenshotPath('imports-refused.png'), fullPage: true })

    await page.setViewportSize({ width: 1024, height: 800 })
    await page.selectOption('[data-testid="import-platform"]', '')
    await page.setInputFiles('[data-testid="import-file"]', sample(samples.files.youzan[0]!))
    await page.click('[data-testid="import-start"]')
    await page.waitForSelector('[data-testid="import-status"]:has-text("已完成")', { timeout: 30_000 })
    expect(await page.textContent('[data-testid="report-orders"]')).toBe(String(samples.orders.filter(o => o.platform === 'youzan').length))
    await page.screenshot({ path: screenshotPath('imports-youzan-1024.png'), fullPage: true })
  })

  it('merges a member into a guide\'s customer in the console, the guide sees the moved order\'s 未匹配商品, and 撤销 takes it back', async () => {
    const sqlite = demo.database.sqlite
    // The sample's first Taobao order carries the item code the catalog lacks; its member is merged away.
    const moved = samples.orders.find(o => o.platform === 'taobao')!
    const from = sqlite.prepare('select id, name from members where id = ?').get(moved.memberId) as { id: number, name: string }
    const fromOrders = (sqlite.prepare('select id from orders where member_id = ? order by id').all(from.id) as { id: number }[]).map(o => o.id)
    const into = sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact, m.id as id, m.name as name
      from follows f join members m on m.id = f.member_id join staff s on s.userid = f.guide_userid
      where f.status = 'active' and s.role = 'guide' and m.external_userid is not null and m.id <> ?
      order by m.id limit 1`).get(from.id) as { guide: string, contact: string, id: number, name: string }
    const buyer = (sqlite.prepare('select buyer_id from orders where platform = ? and order_no = ?').get('taobao', moved.orderNo) as { buyer_id: string }).buyer_id

    await page.setViewportSize({ width: 1280, height: 860 })
    await page.click('[data-testid="console-nav"] >> text=订单导入')
    await page.click('[data-testid="imports-identity-link"]')
    await page.waitForSelector('[data-testid="identity-page"]')
    for (const [side, member] of [['from', from], ['into', into]] as const) {
      await page.fill(`[data-testid="merge-${side}"] [data-testid="merge-search"]`, String(member.id))
      await page.press(`[data-testid="merge-${side}"] [data-testid="merge-search"]`, 'Enter')
      await page.click(`[data-testid="merge-${side}"] [data-testid="merge-result"][data-member-id="${member.id}"]`)
    }
    await page.waitForSelector('[data-testid="merge-preview"]')
    const shownOrders = await page.locator('[data-testid="merge-preview-platform"] td:nth-child(2)').allTextContents()
    expect(shownOrders.reduce((n, c) => n + Number(c), 0)).toBe(fromOrders.length)
    expect(await page.locator('[data-testid="merge-preview-identity"]').allTextContents()).toContainEqual(expect.stringContaining(buyer))
    await page.click('[data-testid="merge-submit"]')
    expect(await page.textContent('[data-testid="merge-submit"]')).toContain('再按一次')
    await page.screenshot({ path: screenshotPath('identity-merge-confirm.png'), fullPage: true })
    await page.click('[data-testid="merge-submit"]')
    await page.waitForSelector('[data-testid="merge-done"]')
    const row = page.locator('[data-testid="identity-resolution"][data-action="merge"]').first()
    expect(await row.textContent()).toContain(`${from.name}（#${from.id}）→ ${into.name}（#${into.id}）`)
    expect(sqlite.prepare('select count(*) as n from orders where member_id = ?').get(from.id)).toEqual({ n: 0 })

    // The guide opens her customer: the moved order is there, from the merged member's Taobao account, its
    // unmapped item shown with the platform's title and code.
    const guideContext = await session.newContext({ viewport: { width: 1280, height: 860 } })
    const guidePage = await guideContext.newPage()
    await loginAs(guidePage, demo, into.guide, '/')
    const sidebar = await openMember(guidePage, into.name, into.contact)
    const order = sidebar.locator(`[data-testid="order-item"][data-order-no="${moved.orderNo}"]`)
    await order.waitFor()
    expect(await order.locator('[data-testid="order-source"]').textContent()).toContain(buyer)
    const unmapped = order.locator('[data-testid="order-unmapped-line"]')
    expect(await unmapped.textContent()).toMatch(/未匹配商品\s*旧款赠品[\s\S]*编码 NOT-IN-CATALOG-1/)
    expect(await order.locator('[data-testid="order-line"]').count()).toBe(1)
    await order.scrollIntoViewIfNeeded()
    await guidePage.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: screenshotPath('sidebar-unmapped-item.png') })

    // 撤销 in the history: every order is back on the member it came from, and off the guide's card.
    await row.locator('[data-testid="resolution-undo"]').click()
    await row.locator('[data-testid="resolution-undone"]').waitFor()
    expect((sqlite.prepare('select id from orders where member_id = ? order by id').all(from.id) as { id: number }[]).map(o => o.id)).toEqual(fromOrders)
    await page.screenshot({ path: screenshotPath('identity-undone.png'), fullPage: true })
    await guidePage.reload()
    const reloaded = await openMember(guidePage, into.name, into.contact)
    await reloaded.waitForSelector('[data-testid="order-item"]')
    expect(await reloaded.locator(`[data-testid="order-item"][data-order-no="${moved.orderNo}"]`).count()).toBe(0)
    await guideContext.close()
  })

  it('assigns an unmatched buyer to the member the admin finds by name in the queue', async () => {
    const sqlite = demo.database.sqlite
    const member = sqlite.prepare(`select id, name from members where name is not null order by id limit 1`).get() as { id: number, name: string }
    const { lastInsertRowid } = sqlite.prepare(`insert into orders (platform, order_no, member_id, buyer_id, status, total_amount, paid_amount, paid_at)
      values ('jd', 'E2E-UNMATCHED-1', null, 'jd_e2e_stranger', 'completed', 25900, 25900, ?)`).run(Date.now())
    await page.setViewportSize({ width: 1280, height: 860 })
    await page.click('[data-testid="console-nav"] >> text=订单导入')
    await page.waitForSelector('[data-testid="unmatched-queue"]')
    const entry = page.locator('[data-testid="unmatched-buyer"]', { hasText: 'jd_e2e_stranger' })
    await entry.waitFor()
    await entry.locator('[data-testid="unmatched-search"]').fill(member.name)
    await entry.locator('[data-testid="unmatched-search"]').press('Enter')
    const pick = entry.locator(`[data-testid="unmatched-assign"][data-member-id="${member.id}"]`)
    await pick.waitFor()
    await entry.screenshot({ path: screenshotPath('imports-unmatched-find.png') })
    await pick.click()
    await page.waitForSelector('[data-testid="unmatched-assigned"]')
    expect(sqlite.prepare('select member_id as memberId from orders where id = ?').get(lastInsertRowid)).toEqual({ memberId: member.id })
    expect(await page.locator('[data-testid="unmatched-buyer"]', { hasText: 'jd_e2e_stranger' }).count()).toBe(0)
  })
})
