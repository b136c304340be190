// The whole path in a real browser: OAuth login as a guide through the emulator's page, pick the
// member in the simulated chat, see their orders in the 360 px sidebar, send a product card, and
// find it in the chat transcript and as a 'sent' row in the database.
import type { Browser, Frame, Page } from 'playwright-core'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo } from '../../server/src/demo/start.ts'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshotDir = resolve(import.meta.dirname, '../../test-results')

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')))
    })
  })
}

let demo: Awaited<ReturnType<typeof startDemo>>
let browser: Browser
let page: Page
let dataDir: string
/** Console reports of anything the server's Content-Security-Policy blocked (sidebar or demo shell). */
const cspViolations: string[] = []

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../../dist/sidebar/index.html')))
    throw new Error('dist/sidebar is missing: run `pnpm build` first (pnpm test does)')
  dataDir = mkdtempSync(join(tmpdir(), 'scrm-e2e-'))
  const port = await freePort()
  demo = await startDemo({ port, emulatorPort: await freePort(), databasePath: join(dataDir, 'demo.db'), members: 400, seed: 42, reset: true, logger: false })
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' })
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy'))
      cspViolations.push(message.text())
  })
  mkdirSync(screenshotDir, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  if (dataDir)
    rmSync(dataDir, { recursive: true, force: true })
})

function sidebar(): Frame {
  const frame = page.frame({ name: 'sidebar' })
  if (!frame)
    throw new Error('sidebar iframe not found')
  return frame
}

describe('demo in chromium', () => {
  it('logs in as a guide, shows a member\'s orders and sends a product card into the chat', async () => {
    const sqlite = demo.database.sqlite
    // A guide and a customer of theirs with orders on at least two platforms.
    const target = sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact, m.id as memberId, m.name as name
      from follows f join members m on m.id = f.member_id
      where f.status = 'active' and m.external_userid is not null
        and (select count(distinct platform) from orders o where o.member_id = m.id) >= 2
      order by f.guide_userid, m.id limit 1`).get() as { guide: string, contact: string, memberId: number, name: string }

    await page.goto(demo.url)
    await page.click('[data-testid="demo-login"]')
    await page.waitForURL(/\/connect\/oauth2\/authorize/)
    await page.click(`a[data-userid="${target.guide}"]`)
    await page.waitForSelector(`[data-testid="demo-guide"][data-userid="${target.guide}"]`)

    await page.fill('[data-testid="demo-member-search"]', target.name)
    await page.click(`button[data-testid="demo-member"][data-member-external-userid="${target.contact}"]`)

    const started = Date.now()
    await sidebar().waitForSelector(`[data-testid="member-panel"][data-external-userid="${target.contact}"]`, { timeout: 15_000 })
    const memberShownMs = Date.now() - started
    console.info(`member shown in the sidebar ${memberShownMs} ms after the pick`)
    await expect(sidebar().textContent('[data-testid="member-name"]')).resolves.toContain(target.name)

    const orderItems = sidebar().locator('[data-testid="order-item"]')
    expect(await orderItems.count()).toBeGreaterThan(0)
    const newestOrderNo = await orderItems.first().getAttribute('data-order-no')
    const dbNewest = sqlite.prepare('select order_no from orders where member_id = ? order by paid_at desc, id desc limit 1').get(target.memberId) as { order_no: string }
    expect(newestOrderNo).toBe(dbNewest.order_no)

    const sendButton = sidebar().locator('[data-testid="send-order-line"]').first()
    const skuId = await sendButton.getAttribute('data-sku-id')
    await sendButton.click()
    await sidebar().waitForSelector('[data-testid="toast"][data-kind="success"]')

    const card = page.locator('[data-testid="chat-message"][data-msgtype="news"]').last()
    await card.waitFor()
    const productName = (sqlite.prepare('select name from products where sku_id = ?').get(skuId) as { name: string }).name
    expect(await card.textContent()).toContain(productName)

    // The toast follows WeCom's answer; the log's completion lands right after it.
    const lastSend = () => sqlite.prepare('select status, kind, guide_userid, member_id, sku_id, err_msg from sends order by id desc limit 1').get()
    await expect.poll(lastSend).toEqual({ status: 'sent', kind: 'news', guide_userid: target.guide, member_id: target.memberId, sku_id: skuId, err_msg: 'sendChatMessage:ok' })

    await page.screenshot({ path: join(screenshotDir, 'demo-sent-card.png') })
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: join(screenshotDir, 'sidebar-member.png') })
  })

  it('records a cancelled send when the guide cancels in WeCom', async () => {
    await page.selectOption('[data-testid="demo-next-result"]', 'cancel')
    const before = (demo.database.sqlite.prepare('select count(*) n from sends').get() as { n: number }).n
    await sidebar().locator('[data-testid="reply-item"]').first().click()
    await sidebar().waitForSelector('[data-testid="toast"][data-kind="info"]')
    const lastSend = () => demo.database.sqlite.prepare('select status, kind, err_msg from sends order by id desc limit 1').get()
    await expect.poll(lastSend).toEqual({ status: 'cancelled', kind: 'text', err_msg: 'sendChatMessage:cancel' })
    expect((demo.database.sqlite.prepare('select count(*) n from sends').get() as { n: number }).n).toBe(before + 1)
  })
})

describe('recommendations in chromium', () => {
  it('shows purchase probability and reasoned recommendations, logs a send with its recommendation, and lists today\'s members', async () => {
    const sqlite = demo.database.sqlite
    const guide = (sqlite.prepare(`select guide_userid as g from sends order by id desc limit 1`).get() as { g: string }).g
    // A customer of this guide with enough history for an honest probability.
    const target = sqlite.prepare(`select m.external_userid as contact, m.id as memberId from follows f join members m on m.id = f.member_id
      join member_scores s on s.member_id = m.id where f.guide_userid = ? and f.status = 'active' and s.sufficiency = 'ok' and m.external_userid is not null
      order by s.p_buy_30 desc limit 1`).get(guide) as { contact: string, memberId: number }

    await page.selectOption('[data-testid="demo-next-result"]', 'ok')
    await page.fill('[data-testid="demo-member-search"]', '')
    const pick = page.locator(`button[data-testid="demo-member"][data-member-external-userid="${target.contact}"]`)
    if (await pick.count() === 0) {
      const name = (sqlite.prepare('select name from members where id = ?').get(target.memberId) as { name: string }).name
      await page.fill('[data-testid="demo-member-search"]', name)
    }
    await pick.click()
    await sidebar().waitForSelector(`[data-testid="member-panel"][data-external-userid="${target.contact}"]`)

    await sidebar().waitForSelector('[data-testid="propensity"][data-sufficiency="ok"]')
    expect(await sidebar().textContent('[data-testid="propensity-30"]')).toMatch(/\d+%/)
    const items = sidebar().locator('[data-testid="recommendation-item"]')
    expect(await items.count()).toBeGreaterThanOrEqual(3)
    expect(await items.first().textContent()).toMatch(/[\u4E00-\u9FFF]/)

    const first = items.first()
    const skuId = await first.getAttribute('data-sku-id')
    const reasonCode = await first.getAttribute('data-reason-code')
    await first.locator('[data-testid="send-recommendation"]').click()
    await sidebar().waitForSelector('[data-testid="toast"][data-kind="success"]')
    const lastSend = () => sqlite.prepare('select status, sku_id, reason_code, recommendation_id from sends order by id desc limit 1').get() as { status: string, sku_id: string, reason_code: string, recommendation_id: number }
    await expect.poll(lastSend).toMatchObject({ status: 'sent', sku_id: skuId, reason_code: reasonCode })
    const row = lastSend()
    const logged = sqlite.prepare('select member_id, items from recommendations where id = ?').get(row.recommendation_id) as { member_id: number, items: string }
    expect(logged.member_id).toBe(target.memberId)
    expect((JSON.parse(logged.items) as { skuId: string }[]).some(i => i.skuId === skuId)).toBe(true)
    // The member's card carries the price; the reason stays with the guide.
    const payload = JSON.parse((sqlite.prepare('select payload from sends order by id desc limit 1').get() as { payload: string }).payload) as { news: { desc: string } }
    expect(payload.news.desc).toMatch(/^¥[\d,]+\.\d\d$/)
    await sidebar().locator('[data-testid="recommendations"]').scrollIntoViewIfNeeded()
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: join(screenshotDir, 'sidebar-recommendations.png') })

    await sidebar().click('[data-testid="tab-today"]')
    await sidebar().waitForSelector('[data-testid="today-item"]')
    const todayContacts = await sidebar().locator('[data-testid="today-item"]').evaluateAll(els => els.map(e => e.getAttribute('data-member-external-userid')))
    // Just contacted, so left out of today's list.
    expect(todayContacts).not.toContain(target.contact)
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: join(screenshotDir, 'sidebar-today.png') })

    // English is a click away, reasons included (worded from their facts, not the server's Chinese line).
    await sidebar().click('[data-testid="locale-toggle"]')
    const englishReason = /^(?:Restock (?:due|soon)|Goes with|Members like her|She |New|Best seller|A store favourite)/
    await expect.poll(() => sidebar().locator('[data-testid="today-lead-reason"]').first().textContent().then(t => t?.trim())).toMatch(englishReason)
    await sidebar().click('[data-testid="tab-member"]')
    expect((await sidebar().locator('[data-testid="recommendation-reason"]').first().textContent())?.trim()).toMatch(englishReason)
    await sidebar().locator('[data-testid="recommendations"]').scrollIntoViewIfNeeded()
    await page.locator('[data-testid="demo-sidebar-frame"]').screenshot({ path: join(screenshotDir, 'sidebar-member-en.png') })
    await sidebar().click('[data-testid="locale-toggle"]')

    // From today's list to the chat: 去联系 opens the customer's profile (ww.openUserProfile); the demo
    // then opens her chat as 发消息 would, and the sidebar shows her.
    await sidebar().click('[data-testid="tab-today"]')
    const next = sidebar().locator('[data-testid="today-item"]').first()
    const nextContact = await next.getAttribute('data-member-external-userid')
    await next.locator('[data-testid="today-open-chat"]').click()
    await sidebar().waitForSelector(`[data-testid="member-panel"][data-external-userid="${nextContact}"]`)
    const nextName = (sqlite.prepare('select name from members where external_userid = ?').get(nextContact) as { name: string }).name
    expect(await page.textContent('[data-testid="demo-chat-name"]')).toBe(nextName)
  })
})

describe('content security policy in chromium', () => {
  it('blocked nothing the demo and sidebar needed in the runs above', () => {
    expect(cspViolations).toEqual([])
  })
})
