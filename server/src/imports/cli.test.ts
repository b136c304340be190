// `pnpm import:orders` as an admin runs it: a fresh database migrated first, the JSON as the last
// stdout line, a second run adding nothing, and a refused file exiting 1 with the reason.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const repoRoot = resolve(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'scrm-import-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...process.env, INIT_CWD: repoRoot, DATABASE_PATH: join(dir, 'cli.db'), DATABASE_URL: '' },
  })
  const last = r.stdout.trim().split('\n').at(-1) ?? ''
  return { status: r.status, json: last ? JSON.parse(last) as Record<string, unknown> : null, stderr: r.stderr }
}

describe('pnpm import:orders', () => {
  it('imports into a fresh database, prints the report as the last line, and adds nothing the second time', () => {
    const args = ['--platform', 'taobao', '--file', 'server/src/imports/fixtures/taobao-orders.csv', '--items', 'server/src/imports/fixtures/taobao-items.csv']
    const first = run(args)
    expect(first.status).toBe(0)
    expect(Object.keys(first.json!)).toEqual(['platform', 'encoding', 'orders', 'itemLines', 'paidFen', 'closedOrders', 'imported', 'updated', 'unchanged', 'rejected'])
    expect(first.json).toMatchObject({ platform: 'taobao', encoding: 'gbk', orders: 5, itemLines: 6, paidFen: 107600, closedOrders: 2, imported: 5 })
    expect(first.stderr).toContain('unmatched queue')
    const second = run(args)
    expect(second.json).toMatchObject({ imported: 0, updated: 0, unchanged: 5 })
  }, 60_000)

  it('refuses another platform\'s file with exit 1 and the reason', () => {
    const refused = run(['--platform', 'jd', '--file', 'server/src/imports/fixtures/douyin-orders.csv'])
    expect(refused.status).toBe(1)
    expect(refused.json).toMatchObject({ line: 1 })
    expect(String(refused.json!.error)).toMatch(/^这不是京东/)
    expect(run(['--platform', 'ebay', '--file', 'x.csv']).status).toBe(2)
  }, 60_000)
})
