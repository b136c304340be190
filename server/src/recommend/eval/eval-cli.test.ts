// The evaluation CLIs as a user runs them on their own files: one JSON object on stdout, progress
// on stderr, and a one-line error (exit 1, no stack) for a bad file.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Rng } from '../../lib/random.ts'
import { loadBasketCsv } from './nbr-data.ts'

// Run from the repo (where tsx resolves); relative paths resolve against INIT_CWD as under pnpm.
const repoRoot = resolve(import.meta.dirname, '../../../..')
const dir = mkdtempSync(join(tmpdir(), 'scrm-eval-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(cli: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, cli), ...args], { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, INIT_CWD: dir } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text)
  return name
}

describe('loadBasketCsv', () => {
  it('reads a BOM, CRLF, extra columns and unordered rows; orders baskets numerically; drops one-basket customers', () => {
    const file = write('b.csv', '\uFEFFcustomer_id,basket_seq,product_id,category\r\nc1,10,p1,x\r\nc1,2,p2,x\r\nc1,2,p2,x\r\nc1,2,p3,y\r\nc2,1,p1,x\r\nc3,1,p4,y\r\nc3,3,p1,x\r\n')
    const { data, itemIds } = loadBasketCsv(join(dir, file))
    expect(itemIds).toEqual(['p1', 'p2', 'p3', 'p4'])
    expect([...data.history.keys()]).toEqual(['c1', 'c3'])
    expect(data.history.get('c1')).toEqual([[1, 2]])
    expect(data.target.get('c1')).toEqual([0])
    expect(data.history.get('c3')).toEqual([[3]])
    expect(data.target.get('c3')).toEqual([0])
  })
})

describe('eval CLIs', () => {
  it('eval:nbr prints every method and metric for a baskets CSV split by seed', () => {
    // Customers who mostly rebuy their own staples, plus a popular item everybody tries.
    const rng = new Rng(5)
    const lines = ['customer_id,basket_seq,product_id,price']
    for (let c = 0; c < 120; c++) {
      const staples = [rng.int(0, 39), rng.int(0, 39), rng.int(0, 39)]
      const baskets = rng.int(3, 7)
      for (let b = 1; b <= baskets; b++) {
        const items = new Set([...staples.filter(() => rng.chance(0.7)), rng.chance(0.3) ? 40 : rng.int(0, 39)])
        for (const p of items) lines.push(`u${c},${b},sku${p},9.90`)
      }
    }
    const r = run('nbr-cli.ts', ['--baskets', write('baskets.csv', `${lines.join('\n')}\n`), '--split-seed', '3', '--no-tune'])
    expect(r.stderr).not.toMatch(/at .+\.ts:\d+/)
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout) as { methods: Record<string, Record<string, number>>, train_seconds: number, score_ms_per_user: number }
    expect(Object.keys(out.methods).sort()).toEqual(['g-topfreq', 'gp-topfreq', 'ours', 'p-topfreq'])
    for (const m of Object.values(out.methods)) {
      for (const k of ['recall@10', 'ndcg@10', 'phr@10', 'recall@20', 'ndcg@20', 'phr@20']) {
        expect(m[k]).toBeGreaterThanOrEqual(0)
        expect(m[k]).toBeLessThanOrEqual(1)
      }
    }
    expect(out.methods.ours!['repeat_recall@10']).toBeGreaterThan(0)
    expect(out.methods.ours!['explore_recall@10']).toBeGreaterThanOrEqual(0)
    // Staple rebuyers: personal history must beat the global top list.
    expect(out.methods.ours!['recall@10']).toBeGreaterThan(out.methods['g-topfreq']!['recall@10']!)
    expect(out.train_seconds).toBeGreaterThanOrEqual(0)
    expect(out.score_ms_per_user).toBeGreaterThan(0)
  })

  it('eval:nbr refuses a CSV without the needed columns in one line', () => {
    const r = run('nbr-cli.ts', ['--baskets', write('bad.csv', 'user,seq,item\n1,1,a\n')])
    expect(r.status).toBe(1)
    expect(r.stderr.trim()).toBe('error: bad.csv: CSV needs columns customer_id, basket_seq, product_id')
    expect(r.stdout).toBe('')
  })

  it('eval:propensity fits both models and prints holdout numbers', () => {
    const rng = new Rng(9)
    const lines = ['customer_id,date,amount']
    const start = Date.UTC(2024, 0, 1)
    for (let c = 0; c < 150; c++) {
      const first = start + rng.int(0, 80) * 86_400_000
      const gap = rng.int(10, 60)
      const dropAt = rng.chance(0.4) ? first + rng.int(30, 300) * 86_400_000 : Infinity
      for (let t = first; t < Date.UTC(2025, 0, 1) && t < dropAt; t += Math.max(1, Math.round(gap * (0.5 + rng.next()))) * 86_400_000)
        lines.push(`${c},${new Date(t).toISOString().slice(0, 10)},12.5`)
    }
    const r = run('propensity-cli.ts', ['--events', write('events.csv', `${lines.join('\n')}\n`), '--calibration-end', '2024-08-31', '--holdout-end', '2024-12-31'])
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout) as { models: Record<string, Record<string, unknown>> }
    const bgnbd = out.models.bgnbd!
    expect(Object.keys(bgnbd.params as object).sort()).toEqual(['a', 'alpha', 'b', 'r'])
    expect(bgnbd.loglik).toBeLessThan(0)
    expect(bgnbd.holdout_actual).toBeGreaterThan(0)
    expect(out.models.pareto_nbd).toHaveProperty('holdout_predicted')
    for (const m of ['bgnbd', 'pareto_nbd', 'ours']) {
      expect(out.models[m]!.auc).toBeGreaterThan(0.5)
      expect(out.models[m]!.mae).toBeGreaterThan(0)
    }
    for (const m of ['recency', 'frequencyRecency'])
      expect(out.models[m]!.auc).toBeGreaterThan(0.5)
    const cal = out.models.ours!.calibration as { ece: number, deciles: { predicted: number, actual: number, n: number }[] }
    expect(cal.deciles).toHaveLength(10)
    expect(cal.deciles.reduce((a, d) => a + d.n, 0)).toBe(150)
    expect(cal.ece).toBeGreaterThanOrEqual(0)
    expect(cal.ece).toBeLessThan(0.2)
  })

  it('eval:propensity names the row with a bad date', () => {
    const r = run('propensity-cli.ts', ['--events', write('bad-events.csv', 'customer_id,date\n1,2024-01-03\n2,03/01/2024\n'), '--calibration-end', '2024-08-31', '--holdout-end', '2024-12-31'])
    expect(r.status).toBe(1)
    expect(r.stderr.trim()).toBe('error: row 3: needs an id and a YYYY-MM-DD date, got \'2\',\'03/01/2024\'')
  })
})
