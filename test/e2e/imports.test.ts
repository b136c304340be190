import type { Browser, Page } from 'playwright-core'
import type { SampleFiles } from '../../server/src/imports/samples.ts'
// The order import screen in a real browser: an admin logs in through the emulator, uploads the demo's
// Taobao report with its item file, watches the import finish, reads the report (checked against the sample
// data), sees a wrong-platform file refused with its reason, and the imported orders land on the right
// members with the account they came from.
import type { OrderPage } from '../../shared/src/index.ts'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo } from '../../server/demo/start.ts'
import { writeImportSamples } from '../../server/src/imports/samples.ts'
import { formatFen } from '../../shared/src/common.ts'

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
let samples: SampleFiles

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../../dist/sidebar/index.html')))
    throw new Error('dist/sidebar is missing: run `pnpm build` first (pnpm test does)')
  dataDir = mkdtempSync(join(tmpdir(), 'scrm-e2e-imports-'))
  demo = await startDemo({ port: await freePort(), emulatorPort: await freePort(), databasePath: join(dataDir, 'demo.db'), members: 200, seed: 42, reset: true, logger: false })
  samples = await writeImportSamples(demo.database.port, join(dataDir, 'samples'), Date.now())
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
  mkdirSync(screenshotDir, { recursive: true })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  if (dataDir)
    rmSync(dataDir, { recursive: true, force: true })
})

const sample = (name: string) => join(samples.dir, name)

describe('order import screen in chromium', () => {
  it('imports the Taobao report and item file with a progress bar and a true report', async () => {
    await page.goto(demo.url)
    await page.click('[data-testid="demo-login"]')
    await page.waitForURL(/\/connect\/oauth2\/authorize/)
    await page.click('a[data-userid="admin"]')
    await page.waitForURL(url => !url.toString().includes('authorize'))
    await page.goto(`${demo.url}/app/console`)
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
    await page.screenshot({ path: join(screenshotDir, 'imports-taobao-report.png'), fullPage: true })

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
    await page.screenshot({ path: join(screenshotDir, 'imports-refused.png'), fullPage: true })

    await page.setViewportSize({ width: 1024, height: 800 })
    await page.selectOption('[data-testid="import-platform"]', '')
    await page.setInputFiles('[data-testid="import-file"]', sample(samples.files.youzan[0]!))
    await page.click('[data-testid="import-start"]')
    await page.waitForSelector('[data-testid="import-status"]:has-text("已完成")', { timeout: 30_000 })
    expect(await page.textContent('[data-testid="report-orders"]')).toBe(String(samples.orders.filter(o => o.platform === 'youzan').length))
    await page.screenshot({ path: join(screenshotDir, 'imports-youzan-1024.png'), fullPage: true })
  })
})
