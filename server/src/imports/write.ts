// Writing parsed orders in ONE transaction (all or nothing per file), keyed by platform + platform order id:
// new orders inserted, changed ones updated (a later refund), the same ones left alone — so a second run of
// a file adds nothing. Items map to the catalog by SKU / 商家编码 / 外部系统编号; the rest are kept as
// unmapped items. Each order is linked to a member by identity resolution (identity.ts).
import type { MatchKey, Platform, UnmappedItem } from '@scrm/shared'
import type { AsyncTx, Database } from '../db/port.ts'
import type { ParsedFile, ParsedLine, ParsedOrder } from './parse.ts'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { memberIdentities, orderLines, orders, orderSources, orderUnmappedItems, products, stores } from '../db/schema.ts'
import { createResolver } from './identity.ts'
import { ImportRefused } from './read.ts'

/** Orders per statement batch: well under both dialects' bound-parameter limits. */
const CHUNK = 400

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size))
  return result
}

export interface WriteResult {
  imported: number
  updated: number
  unchanged: number
  matchedOrders: number
  unmatchedOrders: number
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

export interface WriteOptions {
  importId: number | null
  onProgress?: (fraction: number) => void
}

export async function writeOrders(database: Database, parsed: ParsedFile, options: WriteOptions): Promise<WriteResult> {
  const platform: Platform = parsed.platform
  return database.db.transaction(async (tx) => {
    const catalog = await loadCatalog(tx)
    const storeIds = platform === 'pos' ? new Set((await tx.select({ id: stores.id }).from(stores)).map(s => s.id)) : null
    const resolver = await createResolver(tx, platform, parsed.orders)
    const result: WriteResult = { imported: 0, updated: 0, unchanged: 0, matchedOrders: 0, unmatchedOrders: 0, unmappedItems: [] }
    const unmapped = new Map<string, UnmappedItem>()
    let done = 0

    for (const batch of chunks(parsed.orders, CHUNK)) {
      const existing = await tx.select({
        id: orders.id,
        orderNo: orders.orderNo,
        memberId: orders.memberId,
        status: orders.status,
        totalAmount: orders.totalAmount,
        paidAmount: orders.paidAmount,
        refundedAmount: orders.refundedAmount,
        paidAt: orders.paidAt,
        buyerId: orders.buyerId,
        storeId: orders.storeId,
      }).from(orders).where(and(eq(orders.platform, platform), inArray(orders.orderNo, batch.map(o => o.orderNo))))
      const existingByNo = new Map(existing.map(e => [e.orderNo, e]))
      const existingIds = existing.map(e => e.id)
      const existingLines = new Map<number, string[]>()
      if (existingIds.length > 0) {
        for (const l of await tx.select({ orderId: orderLines.orderId, skuId: orderLines.skuId, quantity: orderLines.quantity, unitPrice: orderLines.unitPrice, amount: orderLines.amount }).from(orderLines).where(inArray(orderLines.orderId, existingIds)))
          existingLines.set(l.orderId, [...(existingLines.get(l.orderId) ?? []), lineKey('sku', l.skuId, l.quantity, l.unitPrice, l.amount)])
        for (const l of await tx.select({ orderId: orderUnmappedItems.orderId, outerId: orderUnmappedItems.outerId, quantity: orderUnmappedItems.quantity, unitPrice: orderUnmappedItems.unitPrice, amount: orderUnmappedItems.amount }).from(orderUnmappedItems).where(inArray(orderUnmappedItems.orderId, existingIds)))
          existingLines.set(l.orderId, [...(existingLines.get(l.orderId) ?? []), lineKey('outer', l.outerId, l.quantity, l.unitPrice, l.amount)])
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
        const inserted = await tx.insert(orders).values(fresh.map(({ order, storeId }, i) => ({
          platform,
          orderNo: order.orderNo,
          memberId: matches[i]!.memberId,
          buyerId: order.buyerId,
          storeId,
          status: order.status,
          totalAmount: order.totalAmount,
          paidAmount: order.paidAmount,
          refundedAmount: order.refundedAmount,
          paidAt: order.paidAt,
        }))).returning({ id: orders.id, orderNo: orders.orderNo })
        const idByNo = new Map(inserted.map(r => [r.orderNo, r.id]))
        await writeDetails(tx, fresh.map(({ order, lines }, i) => ({ id: idByNo.get(order.orderNo)!, order, lines, matchedBy: matches[i]!.matchedBy })), options.importId)
        await linkAccounts(tx, platform, fresh.map(({ order }, i) => ({ order, ...matches[i]! })))
        result.imported += fresh.length
        for (const m of matches) {
          if (m.memberId === null)
            result.unmatchedOrders++
          else
            result.matchedOrders++
        }
      }

      for (const { id, order, lines, storeId } of changed) {
        await tx.update(orders).set({
          status: order.status,
          totalAmount: order.totalAmount,
          paidAmount: order.paidAmount,
          refundedAmount: order.refundedAmount,
          paidAt: order.paidAt,
          buyerId: order.buyerId,
          storeId,
        }).where(eq(orders.id, id))
        if (lines !== null) {
          await tx.delete(orderLines).where(eq(orderLines.orderId, id))
          await tx.delete(orderUnmappedItems).where(eq(orderUnmappedItems.orderId, id))
        }
        result.updated++
      }
      if (changed.length > 0)
        await writeDetails(tx, changed.map(c => ({ id: c.id, order: c.order, lines: c.lines, matchedBy: null })), options.importId)

      // Existing orders still without a member get another chance: this file may carry a key they lacked.
      for (const { id, order } of relink) {
        const match = resolver.resolve(order)
        if (match.memberId === null)
          continue
        await tx.update(orders).set({ memberId: match.memberId }).where(eq(orders.id, id))
        await tx.update(orderSources).set({ matchedBy: match.matchedBy }).where(eq(orderSources.orderId, id))
        await linkAccounts(tx, platform, [{ order, ...match }])
      }
      const stillUnmatched = relink.filter(r => resolver.resolve(r.order).memberId === null).length
      result.unmatchedOrders += stillUnmatched
      result.matchedOrders += existing.length - stillUnmatched

      done += batch.length
      options.onProgress?.(done / parsed.orders.length)
    }
    result.unmappedItems = [...unmapped.values()].sort((a, b) => b.lines - a.lines).slice(0, 200)
    return result
  })
}

async function writeDetails(tx: AsyncTx, rows: { id: number, order: ParsedOrder, lines: MappedLine[] | null, matchedBy: MatchKey | null }[], importId: number | null) {
  const mapped = rows.flatMap(({ id, lines }) => (lines ?? []).filter(l => l.sku).map(l => ({
    orderId: id,
    skuId: l.sku!.skuId,
    spuId: l.sku!.spuId,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    amount: l.amount,
  })))
  for (const batch of chunks(mapped, CHUNK))
    await tx.insert(orderLines).values(batch)
  const unmapped = rows.flatMap(({ id, lines }) => (lines ?? []).filter(l => !l.sku).map(l => ({
    orderId: id,
    outerId: l.outerIds[0] ?? '',
    title: l.title,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    amount: l.amount,
  })))
  for (const batch of chunks(unmapped, CHUNK))
    await tx.insert(orderUnmappedItems).values(batch)
  const sources = rows.map(({ id, order, matchedBy }) => ({
    orderId: id,
    importId,
    line: order.line,
    receiverName: order.receiverName,
    phoneMasked: order.phone?.masked ?? null,
    phoneHash: order.phone?.hash ?? null,
    unionid: order.unionid,
    matchedBy,
  }))
  for (const batch of chunks(sources, CHUNK)) {
    // An updated order keeps how it was matched; the rest of its source is the latest file's.
    await tx.insert(orderSources).values(batch).onConflictDoUpdate({
      target: orderSources.orderId,
      set: {
        importId: sql`excluded.import_id`,
        line: sql`excluded.line`,
        receiverName: sql`excluded.receiver_name`,
        phoneMasked: sql`excluded.phone_masked`,
        phoneHash: sql`excluded.phone_hash`,
        unionid: sql`excluded.unionid`,
      },
    })
  }
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
