// Writing parsed orders in ONE transaction (all or nothing per file), keyed by platform + platform order id:
// new orders inserted, changed ones updated (a later refund), the same ones left alone — so a second run of
// a file adds nothing. Items map to the catalog by SKU / 商家编码 / 外部系统编号; the rest are kept as
// unmapped items. Each order is linked to a member by identity resolution (identity.ts).
import type { MatchKey, Platform, UnmappedItem } from '@scrm/shared'
import type { AsyncTx, Database, Dialect } from '../db/port.ts'
import type { BulkColumn } from './bulk.ts'
import type { ParsedFile, ParsedLine, ParsedOrder } from './parse.ts'
import { inArray } from 'drizzle-orm'
import { memberIdentities, orderLines, orderSources, orderUnmappedItems, products, stores } from '../db/schema.ts'
import { markRecommendationsStale } from '../recommend/precomputed.ts'
import { bulkInsert, bulkUpdate, chunks, selectWhereIn } from './bulk.ts'
import { createResolver } from './identity.ts'
import { ImportRefused } from './read.ts'

/** Orders per batch of statements (rows travel as one JSON parameter: bulk.ts). */
const CHUNK = 2000

export interface WriteResult {
  imported: number
  updated: number
  unchanged: number
  matchedOrders: number
  unmatchedOrders: number
  unmappedLines: number
  unmappedItems: UnmappedItem[]
}

interface Catalog {
  /** Outer id → sku (its own sku id, or the only sku of an spu). */
  lookup: (outerIds: string[]) => { skuId: string, spuId: string } | null
}

async function loadCatalog(tx: AsyncTx): Promise<Catalog> {
  const rows = await tx.select({ skuId: products.skuId, spuId: products.spuId }).from(products)
  const bySku = new Map(rows.map(r => [r.skuId, r]))
  const bySpu = new Map<string, { skuId: string, spuId: string }[]>()
  for (const row of rows) bySpu.set(row.spuId, [...(bySpu.get(row.spuId) ?? []), row])
  return {
    lookup: (outerIds) => {
      for (const id of outerIds) {
        const sku = bySku.get(id)
        if (sku)
          return sku
        const spu = bySpu.get(id)
        if (spu?.length === 1)
          return spu[0]!
      }
      return null
    },
  }
}

type MappedLine = ParsedLine & { sku: { skuId: string, spuId: string } | null }

/** A comparable text of an order's content: equal texts mean nothing changed. */
function fingerprint(order: { status: string, totalAmount: number, paidAmount: number, refundedAmount: number, paidAt: number, buyerId: string | null, storeId: string | null }, lines: string[] | null): string {
  const head = [order.status, order.totalAmount, order.paidAmount, order.refundedAmount, order.paidAt, order.buyerId ?? '', order.storeId ?? ''].join('|')
  return lines === null ? head : `${head}#${[...lines].sort().join(',')}`
}

const lineKey = (kind: 'sku' | 'outer', id: string, quantity: number, unitPrice: number, amount: number) => `${kind}:${id}:${quantity}:${unitPrice}:${amount}`

function mappedLineKey(line: MappedLine): string {
  return line.sku
    ? lineKey('sku', line.sku.skuId, line.quantity, line.unitPrice, line.amount)
    : lineKey('outer', line.outerIds[0] ?? '', line.quantity, line.unitPrice, line.amount)
}

const ORDER_COLUMNS: BulkColumn[] = [
  { name: 'platform', type: 'text' },
  { name: 'order_no', type: 'text' },
  { name: 'member_id', type: 'bigint' },
  { name: 'buyer_id', type: 'text' },
  { name: 'store_id', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'total_amount', type: 'bigint' },
  { name: 'paid_amount', type: 'bigint' },
  { name: 'refunded_amount', type: 'bigint' },
  { name: 'paid_at', type: 'bigint' },
]
/** What an update of an order sets, in ORDER_COLUMNS' order (each row starts with the order's id). */
const ORDER_UPDATE_COLUMNS = ORDER_COLUMNS.filter(c => !['platform', 'order_no', 'member_id'].includes(c.name))
const LINE_COLUMNS: BulkColumn[] = ['order_id', 'sku_id', 'spu_id', 'quantity', 'unit_price', 'amount'].map(name => ({ name, type: name.endsWith('_id') && name !== 'order_id' ? 'text' : 'bigint' }))
const UNMAPPED_COLUMNS: BulkColumn[] = ['order_id', 'outer_id', 'title', 'quantity', 'unit_price', 'amount'].map(name => ({ name, type: name === 'outer_id' || name === 'title' ? 'text' : 'bigint' }))
const SOURCE_COLUMNS: BulkColumn[] = [
  { name: 'order_id', type: 'bigint' },
  { name: 'import_id', type: 'bigint' },
  { name: 'line', type: 'bigint' },
  { name: 'receiver_name', type: 'text' },
  { name: 'phone_masked', type: 'text' },
  { name: 'phone_hash', type: 'text' },
  { name: 'unionid', type: 'text' },
  { name: 'matched_by', type: 'text' },
]

export interface WriteOptions {
  importId: number | null
  now: number
  onProgress?: (fraction: number) => void
}

/**
 * Writes the parsed orders in one transaction, taking them out of `parsed.orders` batch by batch: a 200 MB
 * file's orders are let go as they are written instead of all being held to the end.
 */
export async function writeOrders(database: Database, parsed: ParsedFile, options: WriteOptions): Promise<WriteResult> {
  const platform: Platform = parsed.platform
  const total = parsed.orders.length
  const dialect = database.dialect
  return database.db.transaction(async (tx) => {
    const catalog = await loadCatalog(tx)
    const storeIds = platform === 'pos' ? new Set((await tx.select({ id: stores.id }).from(stores)).map(s => s.id)) : null
    const resolver = await createResolver(tx, platform, parsed.orders)
    const result: WriteResult = { imported: 0, updated: 0, unchanged: 0, matchedOrders: 0, unmatchedOrders: 0, unmappedLines: 0, unmappedItems: [] }
    const unmapped = new Map<string, UnmappedItem>()
    const touchedMembers = new Set<number>()
    let done = 0

    for (let batch = parsed.orders.splice(0, CHUNK); batch.length > 0; batch = parsed.orders.splice(0, CHUNK)) {
      const existing = (await selectWhereIn(tx, dialect, {
        table: 'orders',
        columns: ['id', 'order_no', 'member_id', 'status', 'total_amount', 'paid_amount', 'refunded_amount', 'paid_at', 'buyer_id', 'store_id'],
        key: 'order_no',
        keyType: 'text',
        values: batch.map(o => o.orderNo),
        also: { column: 'platform', value: platform },
      })).map(([id, orderNo, memberId, status, totalAmount, paidAmount, refundedAmount, paidAt, buyerId, storeId]) => ({
        id: Number(id),
        orderNo: String(orderNo),
        memberId: memberId === null ? null : Number(memberId),
        status: String(status),
        totalAmount: Number(totalAmount),
        paidAmount: Number(paidAmount),
        refundedAmount: Number(refundedAmount),
        paidAt: Number(paidAt),
        buyerId: buyerId as string | null,
        storeId: storeId as string | null,
      }))
      const existingByNo = new Map(existing.map(e => [e.orderNo, e]))
      const existingIds = existing.map(e => e.id)
      const existingLines = new Map<number, string[]>()
      if (existingIds.length > 0) {
        for (const [orderId, skuId, quantity, unitPrice, amount] of await selectWhereIn(tx, dialect, { table: 'order_lines', columns: ['order_id', 'sku_id', 'quantity', 'unit_price', 'amount'], key: 'order_id', keyType: 'bigint', values: existingIds }))
          existingLines.set(Number(orderId), [...(existingLines.get(Number(orderId)) ?? []), lineKey('sku', String(skuId), Number(quantity), Number(unitPrice), Number(amount))])
        for (const [orderId, outerId, quantity, unitPrice, amount] of await selectWhereIn(tx, dialect, { table: 'order_unmapped_items', columns: ['order_id', 'outer_id', 'quantity', 'unit_price', 'amount'], key: 'order_id', keyType: 'bigint', values: existingIds }))
          existingLines.set(Number(orderId), [...(existingLines.get(Number(orderId)) ?? []), lineKey('outer', String(outerId), Number(quantity), Number(unitPrice), Number(amount))])
      }

      const fresh: { order: ParsedOrder, lines: MappedLine[] | null, storeId: string | null }[] = []
      const changed: { id: number, order: ParsedOrder, lines: MappedLine[] | null, storeId: string | null }[] = []
      const relink: { id: number, order: ParsedOrder }[] = []
      for (const order of batch) {
        let storeId: string | null = null
        if (storeIds) {
          if (!order.storeCode || !storeIds.has(order.storeCode))
            throw new ImportRefused(order.line, `第 ${order.line} 行：门店编码「${order.storeCode ?? ''}」不存在，请先在系统中建好门店`)
          storeId = order.storeCode
        }
        const lines = order.lines?.map(line => ({ ...line, sku: catalog.lookup(line.outerIds) })) ?? null
        for (const line of lines ?? []) {
          if (!line.sku) {
            result.unmappedLines++
            const key = line.outerIds[0] ?? `（无编码）${line.title}`
            const item = unmapped.get(key) ?? { outerId: line.outerIds[0] ?? '', title: line.title, lines: 0 }
            item.lines++
            unmapped.set(key, item)
          }
        }
        const before = existingByNo.get(order.orderNo)
        if (!before) {
          fresh.push({ order, lines, storeId })
          continue
        }
        const next = { ...order, storeId }
        const same = fingerprint(before, lines === null ? null : (existingLines.get(before.id) ?? [])) === fingerprint(next, lines?.map(mappedLineKey) ?? null)
        if (same)
          result.unchanged++
        else
          changed.push({ id: before.id, order, lines, storeId })
        if (before.memberId === null)
          relink.push({ id: before.id, order })
      }

      // New orders: resolve their member, insert them with lines, unmapped items and their source.
      if (fresh.length > 0) {
        const matches = fresh.map(f => resolver.resolve(f.order))
        const inserted = await bulkInsert(tx, dialect, 'orders', ORDER_COLUMNS, fresh.map(({ order, storeId }, i) => [
          platform,
          order.orderNo,
          matches[i]!.memberId,
          order.buyerId,
          storeId,
          order.status,
          order.totalAmount,
          order.paidAmount,
          order.refundedAmount,
          order.paidAt,
        ]), ['id', 'order_no'])
        const idByNo = new Map(inserted.map(([id, orderNo]) => [String(orderNo), Number(id)]))
        await writeDetails(tx, dialect, fresh.map(({ order, lines }, i) => ({ id: idByNo.get(order.orderNo)!, order, lines, matchedBy: matches[i]!.matchedBy })), options.importId)
        await linkAccounts(tx, platform, fresh.map(({ order }, i) => ({ order, ...matches[i]! })))
        result.imported += fresh.length
        for (const m of matches) {
          if (m.memberId === null)
            result.unmatchedOrders++
          else
            result.matchedOrders++
        }
      }

      // Changed orders: their row updated, their lines replaced, their source the latest file's — a few
      // statements per batch, not per order.
      if (changed.length > 0) {
        for (const { order } of changed) {
          const owner = existingByNo.get(order.orderNo)!.memberId
          if (owner !== null)
            touchedMembers.add(owner)
        }
        await bulkUpdate(tx, dialect, 'orders', { name: 'id', type: 'bigint' }, ORDER_UPDATE_COLUMNS, changed.map(({ id, order, storeId }) => [
          id,
          order.buyerId,
          storeId,
          order.status,
          order.totalAmount,
          order.paidAmount,
          order.refundedAmount,
          order.paidAt,
        ]))
        const relined = changed.filter(c => c.lines !== null).map(c => c.id)
        if (relined.length > 0) {
          await tx.delete(orderLines).where(inArray(orderLines.orderId, relined))
          await tx.delete(orderUnmappedItems).where(inArray(orderUnmappedItems.orderId, relined))
        }
        // An updated order keeps how it was matched; the rest of its source is the latest file's.
        const previous = await tx.delete(orderSources).where(inArray(orderSources.orderId, changed.map(c => c.id))).returning({ orderId: orderSources.orderId, matchedBy: orderSources.matchedBy })
        const matchedBy = new Map(previous.map(p => [p.orderId, p.matchedBy]))
        await writeDetails(tx, dialect, changed.map(c => ({ id: c.id, order: c.order, lines: c.lines, matchedBy: matchedBy.get(c.id) ?? null })), options.importId)
        result.updated += changed.length
      }

      // Existing orders still without a member get another chance: this file may carry a key they lacked.
      const found = relink.map(r => ({ ...r, ...resolver.resolve(r.order) })).filter(r => r.memberId !== null)
      await bulkUpdate(tx, dialect, 'orders', { name: 'id', type: 'bigint' }, [{ name: 'member_id', type: 'bigint' }], found.map(r => [r.id, r.memberId]))
      await bulkUpdate(tx, dialect, 'order_sources', { name: 'order_id', type: 'bigint' }, [{ name: 'matched_by', type: 'text' }], found.map(r => [r.id, r.matchedBy]))
      await linkAccounts(tx, platform, found)
      for (const r of found) touchedMembers.add(r.memberId!)
      const stillUnmatched = relink.length - found.length
      result.unmatchedOrders += stillUnmatched
      result.matchedOrders += existing.length - stillUnmatched

      done += batch.length
      options.onProgress?.(done / total)
    }
    // Orders of known members changed (a refund) or found their member: those lists were scored without it.
    // New orders reach the lists through markStaleAfterNewOrders (their created_at is after the scoring).
    await markRecommendationsStale(tx, [...touchedMembers], options.now)
    result.unmappedItems = [...unmapped.values()].sort((a, b) => b.lines - a.lines).slice(0, 200)
    return result
  })
}

/** An order's lines, unmapped items and source (the file, line and keys it came with, how it was matched). */
async function writeDetails(tx: AsyncTx, dialect: Dialect, rows: { id: number, order: ParsedOrder, lines: MappedLine[] | null, matchedBy: MatchKey | null }[], importId: number | null) {
  const mapped = rows.flatMap(({ id, lines }) => (lines ?? []).filter(l => l.sku).map(l => [id, l.sku!.skuId, l.sku!.spuId, l.quantity, l.unitPrice, l.amount]))
  await bulkInsert(tx, dialect, 'order_lines', LINE_COLUMNS, mapped)
  const unmapped = rows.flatMap(({ id, lines }) => (lines ?? []).filter(l => !l.sku).map(l => [id, l.outerIds[0] ?? '', l.title, l.quantity, l.unitPrice, l.amount]))
  await bulkInsert(tx, dialect, 'order_unmapped_items', UNMAPPED_COLUMNS, unmapped)
  await bulkInsert(tx, dialect, 'order_sources', SOURCE_COLUMNS, rows.map(({ id, order, matchedBy }) => [id, importId, order.line, order.receiverName, order.phone?.masked ?? null, order.phone?.hash ?? null, order.unionid, matchedBy]))
}

/** A buyer account matched by another key is remembered for the member, so its next orders match directly. */
async function linkAccounts(tx: AsyncTx, platform: Platform, matches: { order: ParsedOrder, memberId: number | null, matchedBy: MatchKey | null }[]) {
  const links = new Map<string, number>()
  for (const { order, memberId, matchedBy } of matches) {
    if (memberId !== null && order.buyerId && matchedBy !== 'buyer_id')
      links.set(order.buyerId, memberId)
  }
  for (const batch of chunks([...links], CHUNK)) {
    await tx.insert(memberIdentities).values(batch.map(([buyerId, memberId]) => ({ platform, buyerId, memberId }))).onConflictDoNothing()
  }
}
