// Loaders for the next-basket evaluation inputs (Reality-Check JSON files or a basket CSV).
// Only the evaluation CLI uses these; the product feeds baskets from its own database.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { Rng } from '../../lib/random.ts'

export interface NbrDataset {
  /** History baskets per user, oldest first (target excluded). */
  history: Map<string, number[][]>
  /** Target (next) basket per user. */
  target: Map<string, number[]>
}

export interface Keyset { train: string[], val: string[], test: string[] }

type PaddedBaskets = Record<string, number[][]>

/** Strip the benchmark's [-1] padding baskets. */
function unpad(baskets: number[][]): number[][] {
  return baskets.filter(b => !(b.length === 1 && b[0] === -1))
}

export function loadTafengDir(dir: string): { data: NbrDataset, keysets: Keyset[] } {
  const hist = JSON.parse(readFileSync(join(dir, 'tafeng_history.json'), 'utf8')) as PaddedBaskets
  const fut = JSON.parse(readFileSync(join(dir, 'tafeng_future.json'), 'utf8')) as PaddedBaskets
  const history = new Map<string, number[][]>()
  const target = new Map<string, number[]>()
  for (const [u, b] of Object.entries(hist)) history.set(u, unpad(b))
  for (const [u, b] of Object.entries(fut)) target.set(u, unpad(b)[0] ?? [])
  const keysets: Keyset[] = []
  for (let i = 0; i < 5; i++) {
    try {
      keysets.push(loadKeyset(join(dir, `tafeng_keyset_${i}.json`)))
    }
    catch {
      break
    }
  }
  return { data: { history, target }, keysets }
}

export function loadKeyset(file: string): Keyset {
  const k = JSON.parse(readFileSync(file, 'utf8')) as { train: (string | number)[], val: (string | number)[], test: (string | number)[] }
  return { train: k.train.map(String), val: k.val.map(String), test: k.test.map(String) }
}

/**
 * CSV with header customer_id,basket_seq,product_id (extra columns ignored). Baskets are ordered
 * by basket_seq (numerically when all are numbers); product ids are mapped to dense integers in
 * first-seen order; each customer's last basket is the target. Customers with < 2 baskets are dropped.
 */
export function loadBasketCsv(file: string): { data: NbrDataset, itemIds: string[] } {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[]
  const need = ['customer_id', 'basket_seq', 'product_id']
  if (rows.length && need.some(c => !(c in rows[0]!)))
    throw new Error(`CSV needs columns ${need.join(', ')}`)
  const itemIndex = new Map<string, number>()
  const itemIds: string[] = []
  const byUser = new Map<string, Map<string, number[]>>()
  let allNumeric = true
  for (const [i, r] of rows.entries()) {
    const u = r.customer_id!
    const seq = r.basket_seq!
    const p = r.product_id!
    if (!u || !seq || !p)
      throw new Error(`row ${i + 2}: customer_id, basket_seq and product_id must all be set`)
    if (allNumeric && Number.isNaN(Number(seq)))
      allNumeric = false
    let item = itemIndex.get(p)
    if (item === undefined) {
      item = itemIds.length
      itemIndex.set(p, item)
      itemIds.push(p)
    }
    let baskets = byUser.get(u)
    if (!baskets) {
      baskets = new Map()
      byUser.set(u, baskets)
    }
    const b = baskets.get(seq) ?? []
    if (!b.includes(item))
      b.push(item)
    baskets.set(seq, b)
  }
  const history = new Map<string, number[][]>()
  const target = new Map<string, number[]>()
  for (const [u, baskets] of byUser) {
    const seqs = [...baskets.keys()].sort((a, b) => (allNumeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0))
    if (seqs.length < 2)
      continue
    const ordered = seqs.map(s => baskets.get(s)!)
    target.set(u, ordered.pop()!)
    history.set(u, ordered)
  }
  return { data: { history, target }, itemIds }
}

/** Shuffle users (Fisher–Yates, seeded) and split 72 % / 8 % / 20 % like keyset_fold.py. */
export function splitUsers(users: readonly string[], seed = 0): Keyset {
  const u = new Rng(seed).shuffle([...users])
  const nTrain = Math.floor(u.length * 0.72)
  const nVal = Math.floor(u.length * 0.8) - nTrain
  return { train: u.slice(0, nTrain), val: u.slice(nTrain, nTrain + nVal), test: u.slice(nTrain + nVal) }
}
