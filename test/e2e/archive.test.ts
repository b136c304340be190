// The archive console in a real browser: a store manager logs in, searches 退款, opens the hit in its
// conversation, handles the alert a rule raised on it and reads her own looks in the access log; an admin sees them too.
import type { Page } from 'playwright-core'
import type { Demo } from './support.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { loginAs, screenshotPath, useDemoInChromium } from './support.ts'

const session = useDemoInChromium({ members: 400, seed: 42 })
let demo: Demo

beforeAll(() => {
  demo = session.demo
})

async function loginTo(userid: string): Promise<Page> {
  const page = await session.newPage()
  await loginAs(page, demo, userid, '/app/console/archive')
  await page.waitForSelector('[data-testid="archive-console"]')
  return page
}

describe('archive console in chromium', () => {
  it('a store manager searches 退款, opens the hit in context and resolves the alert, and reads her looks in the access log, as an admin does', async () => {
    const sqlite = demo.database.sqlite
    const scene = sqlite.prepare(`select c.id as conversationId, c.store_id as storeId, m.id as messageId,
        (select userid from staff where role = 'supervisor' and store_id = c.store_id order by userid limit 1) as supervisor
      from archive_messages m join archive_conversations c on c.id = m.conversation_id where m.msgid = 'demo_scene_1'`).get() as { conversationId: number, storeId: string, messageId: number, supervisor: string }
    expect(scene.supervisor).toBeTruthy()

    const page = await loginTo(scene.supervisor)
    // The ingest status line says what the checkpoint row says.
    const checkpoint = sqlite.prepare('select stored, rejected, not_agreed as notAgreed from archive_checkpoints').get() as { stored: number, rejected: number, notAgreed: number }
    await expect.poll(async () => page.locator('[data-testid="archive-status"]').textContent()).toContain(`已存档 ${checkpoint.stored} 条消息；搁置 ${checkpoint.rejected} 条；客户未同意存档未保存 ${checkpoint.notAgreed} 条`)
    await page.fill('[data-testid="archive-search-input"]', '退款')
    await page.click('[data-testid="archive-search-submit"]')
    await page.waitForSelector('[data-testid="archive-hit"]')
    const hits = page.locator('[data-testid="archive-hit"]')
    // Every hit shown is from this manager's store and contains the word (checked against the database).
    const shown = await hits.count()
    const expected = sqlite.prepare(`select count(*) as n from archive_messages where store_id = ? and search_text like '%退款%'`).get(scene.storeId) as { n: number }
    expect(shown).toBe(Math.min(50, expected.n))
    await expect.poll(async () => (await hits.allInnerTexts()).every(text => text.includes('退款'))).toBe(true)
    await page.screenshot({ path: screenshotPath('archive-search.png') })

    await page.locator('[data-testid="archive-hit"]', { hasText: '退款申请三天了' }).click()
    const focus = page.locator('[data-testid="archive-focus-message"]')
    await focus.waitFor()
    expect(await focus.textContent()).toContain('退款申请三天了还没处理')
    // The image sent after it in the same conversation is shown from content-addressed storage.
    const image = page.locator('[data-testid="archive-transcript"] img.media')
    await image.waitFor()
    await expect.poll(async () => image.evaluate(img => Number(Reflect.get(img, 'naturalWidth')))).toBe(480)
    await page.screenshot({ path: screenshotPath('archive-transcript.png') })

    await page.click('[data-testid="archive-tab-alerts"]')
    const alertRow = page.locator('[data-testid="alert-row"]', { hasText: '我直接转给您' })
    await alertRow.waitFor()
    // The guide's in-chat red packet (nothing logged it) and her link off the catalog are in the queue too.
    const redPacketRow = page.locator('[data-testid="alert-row"]', { hasText: '未经系统登记的红包 ¥66.66' })
    await redPacketRow.waitFor()
    await page.locator('[data-testid="alert-row"]', { hasText: '链接不属于商品库或素材库：item.taobao.com' }).waitFor()
    await redPacketRow.scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath('archive-alerts-policy.png') })
    // In English the console words the same findings from their facts; the host stays as found.
    await page.click('[data-testid="locale-toggle"]')
    const redPacketRowEn = page.locator('[data-testid="alert-row"]', { hasText: 'Red packet not logged here: ¥66.66' })
    await redPacketRowEn.waitFor()
    await page.locator('[data-testid="alert-row"]', { hasText: 'Link not from the catalog or materials: item.taobao.com' }).waitFor()
    await redPacketRowEn.scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath('archive-alerts-policy-en.png') })
    await page.click('[data-testid="locale-toggle"]')
    await redPacketRow.waitFor()
    // The guide then deletes the customer in WeCom: the callback's job raises an alert quoting the chat's last lines.
    const pair = sqlite.prepare('select guide_userid as guide, external_userid as customer from archive_conversations where id = ?').get(scene.conversationId) as { guide: string, customer: string }
    const pushed = await fetch(`${demo.emulator.url}/__emulator/callbacks/trigger`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: pair.guide, ExternalUserID: pair.customer }) })
    expect(pushed.ok).toBe(true)
    await expect.poll(async () => {
      await demo.app.jobQueue.tick()
      return sqlite.prepare(`select count(*) as n from archive_alerts where matched like '删除客户：%'`).get() as { n: number }
    }).toEqual({ n: 1 })
    await page.click('[data-testid="archive-tab-rules"]')
    await page.click('[data-testid="archive-tab-alerts"]')
    const deletedRow = page.locator('[data-testid="alert-row"]', { hasText: '删除客户：' })
    await deletedRow.waitFor()
    expect(await deletedRow.textContent()).toContain('导购：同款羊绒衫 这家店更便宜')
    await page.screenshot({ path: screenshotPath('archive-alerts-deleted.png') })
    // Narrowed to that guide (a click on her name), then to the rule: the rows are the database's open alerts of both.
    const openAlerts = (where: string, ...params: unknown[]) => (sqlite.prepare(`select count(*) as n from archive_alerts where status = 'open' and store_id = ? ${where}`).get(scene.storeId, ...params) as { n: number }).n
    const alertRows = page.locator('[data-testid="alert-row"]')
    await deletedRow.locator('[data-testid="alert-guide"]').click()
    await page.locator('[data-testid="alert-guide-chip"]').waitFor()
    await expect.poll(async () => alertRows.count()).toBe(openAlerts('and guide_userid = ?', pair.guide))
    const deletedRule = sqlite.prepare(`select rule_id as id from archive_alerts where matched like '删除客户：%'`).get() as { id: number }
    await page.selectOption('[data-testid="alert-rule-filter"]', String(deletedRule.id))
    await expect.poll(async () => alertRows.count()).toBe(openAlerts('and guide_userid = ? and rule_id = ?', pair.guide, deletedRule.id))
    expect(await alertRows.count()).toBeGreaterThan(0)
    await page.screenshot({ path: screenshotPath('archive-alerts-filtered.png') })
    await page.click('[data-testid="alert-guide-clear"]')
    await page.selectOption('[data-testid="alert-rule-filter"]', { index: 0 })
    await expect.poll(async () => alertRows.count()).toBe(Math.min(200, openAlerts('')))
    await alertRow.locator('[data-testid="alert-ack"]').click()
    await expect.poll(async () => alertRow.count()).toBe(0) // acknowledged: gone from the open queue
    await page.selectOption('[data-testid="alert-status-filter"]', 'acknowledged')
    const acknowledged = page.locator('[data-testid="alert-row"]', { hasText: '我直接转给您' })
    await acknowledged.waitFor()
    await acknowledged.locator('[data-testid="alert-start-resolve"]').click()
    await acknowledged.locator('[data-testid="alert-note"]').fill('已提醒导购不得私加客户微信')
    await acknowledged.locator('[data-testid="alert-resolve"]').click()
    await page.selectOption('[data-testid="alert-status-filter"]', 'resolved')
    await page.locator('[data-testid="alert-row"]', { hasText: '已提醒导购不得私加客户微信' }).waitFor()
    await page.screenshot({ path: screenshotPath('archive-alerts.png') })
    const alert = sqlite.prepare(`select status, note, resolved_by as resolvedBy from archive_alerts where excerpt like '%我直接转给您%' and store_id = ?`).get(scene.storeId)
    expect(alert).toEqual({ status: 'resolved', note: '已提醒导购不得私加客户微信', resolvedBy: scene.supervisor })

    await page.click('[data-testid="archive-tab-rules"]')
    await page.locator('[data-testid="rule-row"]', { hasText: '导购删除客户' }).waitFor()
    await page.screenshot({ path: screenshotPath('archive-rules.png') })

    await page.click('[data-testid="archive-tab-dashboard"]')
    await page.waitForSelector('[data-testid="dashboard-row"]')
    await page.waitForSelector('[data-testid="chart-volume"] canvas')
    await page.screenshot({ path: screenshotPath('archive-dashboard.png') })
    // The manager reads her own looks in the access log: her search and the transcript she opened, no one else's.
    await page.click('[data-testid="archive-tab-log"]')
    await page.waitForSelector('[data-testid="access-log-own-only"]')
    await page.waitForSelector('[data-testid="access-log-row"]')
    const own = await page.locator('[data-testid="access-log-row"]').allInnerTexts()
    expect(own.length).toBeGreaterThan(0)
    expect(own.every(row => row.includes(scene.supervisor))).toBe(true)
    expect(own.some(row => row.includes('查看聊天记录') && row.includes(`conversation:${scene.conversationId}`))).toBe(true)
    expect(own.some(row => row.includes('搜索') && row.includes('退款'))).toBe(true)
    await page.screenshot({ path: screenshotPath('archive-access-log-own.png') })
    await page.close()

    const admin = await loginTo('admin')
    await admin.click('[data-testid="archive-tab-log"]')
    await admin.waitForSelector('[data-testid="access-log-row"]')
    const rows = await admin.locator('[data-testid="access-log-row"]', { hasText: scene.supervisor }).allInnerTexts()
    expect(rows.some(row => row.includes('查看聊天记录') && row.includes(`conversation:${scene.conversationId}`))).toBe(true)
    expect(rows.some(row => row.includes('搜索') && row.includes('退款'))).toBe(true)
    await admin.screenshot({ path: screenshotPath('archive-access-log.png') })
    await admin.setViewportSize({ width: 1024, height: 800 })
    await admin.click('[data-testid="archive-tab-search"]')
    await admin.fill('[data-testid="archive-search-input"]', '投诉')
    await admin.click('[data-testid="archive-search-submit"]')
    await admin.waitForSelector('[data-testid="archive-hit"]')
    await admin.screenshot({ path: screenshotPath('archive-search-1024.png') })
    await admin.close()
  }, 120_000)
})
