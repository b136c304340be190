import type { Page } from 'playwright-core'
import type { SampleFiles } from '../../server/src/imports/samples.ts'
// The order import screen in a real browser: an admin logs in through the emulator, uploads the demo's
// Taobao report with its item file, watches the import finish, reads the report (checked against the sample
// data), sees a wrong-platform file refused with its reason, and the imported orders land on the right
// members with the account they came from.
import type { OrderPage } from '../../shared/src/index.ts'
import type { Demo } from './support.ts'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeImportSamples } from '../../server/src/imports/samples.ts'
import { formatFen } from '../../shared/src/common.ts'
import { loginAs, screenshotPath, useDemoInChromium } from './support.ts'

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
})
