// Export rows → one normalized order model: orders keyed by platform order id, each with its item lines,
// amounts counted once per order, statuses mapped, and every row that cannot be imported rejected with its
// line and a Chinese reason. A problem with the file as a whole (not this platform's, truncated, unreadable)
// refuses it entirely.
import type { ImportEncoding, Platform, RejectedRow } from '@scrm/shared'
import type { ExportFormat, Field, ImportedStatus, ItemsFormat, StatusReading } from './formats.ts'
import type { OpenedFile, SourceRow } from './read.ts'
import type { PhoneValue } from './values.ts'
import { createHash } from 'node:crypto'
import { columnIndexes, detectFormat, formatOf, FORMATS, missingColumns, TAOBAO_ITEMS } from './formats.ts'
import { ImportRefused } from './read.ts'
import { CellError, cellText, dateOf, fenOf, phoneOf, quantityOf } from './values.ts'

export interface ParsedLine {
  line: number
  /** Catalog keys to try, best first (商家编码 / 外部系统编号 / SKU, then the platform's product id). */
  outerIds: string[]
  title: string
  quantity: number
  unitPrice: number
  amount: number
}

export interface ParsedOrder {
  orderNo: string
  /** First line of the order in the file. */
  line: number
  buyerId: string | null
  unionid: string | null
  phone: PhoneValue | null
  receiverName: string | null
  storeCode: string | null
  status: ImportedStatus
  totalAmount: number
  paidAmount: number
  refundedAmount: number
  paidAt: number
  /** Null when the file says nothing about items (Taobao's order report without its item file). */
  lines: readonly ParsedLine[] | null
}

export interface ParsedFile {
  platform: Platform
  encoding: ImportEncoding
  /** Taken out by writeOrders as it writes them. */
  orders: ParsedOrder[]
  rejected: RejectedRow[]
}

export interface ParseOptions {
  platform?: Platform
  /** Taobao's item-detail file. */
  items?: OpenedFile
  /** Called with 0…1 of the bytes read. */
  onProgress?: (fraction: number) => void
}

const PLATFORM_LABELS = Object.fromEntries(FORMATS.map(f => [f.platform, f.label])) as Record<Platform, string>

/** A row of the file by a digest of its text: enough to tell an exact duplicate without keeping the text. */
interface SeenRow {
  digest: number
  line: number
}

/**
 * A draft's lists start as this one shared empty list and grow by copying (`appended`, by concat): each then
 * has exactly its size, where a pushed-to (or spread) array keeps room for 16 — times every order of a 200 MB
 * file.
 */
const NONE: readonly never[] = []

function appended<T>(list: readonly T[], item: T): T[] {
  return list.concat([item])
}

interface Draft {
  orderNo: string
  line: number
  /** The order's rows in the order file. */
  rows: readonly SeenRow[]
  /** Its rows in Taobao's item file. */
  itemRows: readonly SeenRow[]
  buyerId: string | null
  unionid: string | null
  phone: PhoneValue | null
  receiverName: string | null
  storeCode: string | null
  statusText: string
  afterSale: readonly string[]
  createdAt: number | null
  paidAt: number | null
  /** Order-level amounts as the file states them (layouts order-row / order-repeated). */
  total: number | null
  paid: number | null
  refunded: number | null
  lineRefunded: number
  items: readonly ParsedLine[]
  /** Set when a row of this order was bad: the whole order is left out. */
  invalid: { line: number, reason: string } | null
}

function normalizeHeader(cells: string[]): string[] {
  return cells.map(c => c.replace(/^\uFEFF/, '').replace(/^="?|"$/g, '').trim())
}

/** The header: the first row naming at least two known columns (a few exports put a title line above it). */
async function readHeader(iterator: AsyncIterator<SourceRow>): Promise<SourceRow> {
  const known = new Set([...FORMATS, TAOBAO_ITEMS].flatMap(f => Object.values(f.columns).flat()).map(h => h.toLowerCase()))
  for (let i = 0; i < 5; i++) {
    const next = await iterator.next()
    if (next.done)
      break
    const header = normalizeHeader(next.value.cells)
    if (header.filter(h => known.has(h.toLowerCase())).length >= 2)
      return { line: next.value.line, cells: header }
  }
  throw new ImportRefused(1, '找不到表头：前 5 行都不像订单导出的表头（文件不是订单导出，或编码不对）')
}

function chooseFormat(header: string[], platform: Platform | undefined): ExportFormat {
  const detection = detectFormat(header)
  if (platform) {
    const format = formatOf(platform)
    const missing = missingColumns(header, format)
    if (missing.length === 0)
      return format
    const like = detection.format && detection.format.platform !== platform ? `；表头看起来是${detection.format.label}的导出` : ''
    throw new ImportRefused(1, `这不是${format.label}的导出文件：缺少列 ${missing.join('、')}${like}`)
  }
  if (!detection.format)
    throw new ImportRefused(1, `无法识别是哪个平台的导出：最接近${detection.closest.label}，但缺少列 ${detection.missing.join('、')}`)
  return detection.format
}

/** One copy of each repeated text: a 200 MB export names the same few thousand products and statuses over and over. */
class SharedTexts {
  private readonly texts = new Map<string, string>()

  get(text: string): string {
    const known = this.texts.get(text)
    if (known !== undefined)
      return known
    this.texts.set(text, text)
    return text
  }
}

class RowReader {
  constructor(readonly row: SourceRow, readonly header: string[], private readonly indexes: Partial<Record<Field, number>>, readonly texts: SharedTexts) {}

  columnName(field: Field): string {
    return this.header[this.indexes[field]!] ?? field
  }

  has(field: Field): boolean {
    return this.indexes[field] !== undefined
  }

  text(field: Field): string {
    const i = this.indexes[field]
    if (i === undefined)
      return ''
    const raw = this.row.cells[i] ?? ''
    if (raw.startsWith('#PRECISION:'))
      throw new CellError(`「${this.header[i]}」被 Excel 存成数字，位数丢失（${raw.slice(11)}），请把该列设为文本后重新导出`)
    return cellText(raw, this.header[i]!)
  }

  /** The text of a column whose values repeat across rows (kept once). */
  shared(field: Field): string {
    return this.texts.get(this.text(field))
  }

  fen(field: Field): number | null {
    return this.has(field) ? fenOf(this.text(field), this.header[this.indexes[field]!]!) : null
  }

  date(field: Field): number | null {
    return this.has(field) ? dateOf(this.text(field), this.header[this.indexes[field]!]!) : null
  }

  required(field: Field): string {
    const value = this.text(field)
    if (!value)
      throw new CellError(`「${this.header[this.indexes[field]!]}」为空`)
    return value
  }

  quantity(): number {
    return quantityOf(this.text('quantity'), this.header[this.indexes.quantity!]!)
  }
}

/** Rows must be as wide as the header: a short row is what a cut-off file ends with. */
function checkWidth(row: SourceRow, header: string[]) {
  let width = row.cells.length
  while (width > 0 && row.cells[width - 1] === '') width--
  const needed = header.length
  if (row.cells.length < needed && width < needed) {
    const lastNamed = header.findLastIndex(h => h !== '')
    if (row.cells.length <= lastNamed)
      throw new ImportRefused(row.line, `第 ${row.line} 行只有 ${row.cells.length} 列（表头 ${needed} 列）：文件不完整（被截断）或已损坏`)
  }
}

function lineOf(reader: RowReader, amountField: 'lineAmount' | null): ParsedLine {
  const quantity = reader.quantity()
  const unitPrice = reader.fen('unitPrice')
  const stated = amountField ? reader.fen(amountField) : null
  if (unitPrice === null && stated === null)
    throw new CellError('商品缺少单价和金额')
  const amount = stated ?? unitPrice! * quantity
  const outerId = reader.shared('outerId')
  const productId = reader.shared('productId')
  // Built at its size, not by filter(): an array grown by push keeps room for 16, times every line of the file.
  const outerIds = outerId === '' ? (productId === '' ? [] : [productId]) : productId === '' || productId === outerId ? [outerId] : [outerId, productId]
  return { line: reader.row.line, outerIds, title: reader.shared('title'), quantity, unitPrice: unitPrice ?? Math.round(amount / quantity), amount }
}

function newDraft(orderNo: string, reader: RowReader): Draft {
  const phone = reader.has('phone') ? phoneOf(reader.text('phone')) : null
  return {
    orderNo,
    line: reader.row.line,
    rows: NONE,
    itemRows: NONE,
    buyerId: reader.text('buyerId') || null,
    unionid: reader.text('unionid') || null,
    phone,
    receiverName: reader.shared('receiverName') || null,
    storeCode: reader.shared('storeCode') || null,
    statusText: reader.texts.get(reader.required('status')),
    afterSale: NONE,
    createdAt: reader.date('createdAt'),
    paidAt: reader.date('paidAt'),
    total: reader.fen('total'),
    paid: reader.fen('paid'),
    refunded: reader.fen('refunded'),
    lineRefunded: 0,
    items: NONE,
    invalid: null,
  }
}

/** Order-level values repeated on each item row must agree, else the file contradicts itself. */
function checkRepeated(draft: Draft, reader: RowReader) {
  const pairs: [Field, number | null][] = [['paid', draft.paid], ['total', draft.total], ['refunded', draft.refunded]]
  for (const [field, first] of pairs) {
    if (reader.has(field) && reader.fen(field) !== first)
      throw new CellError(`同一订单各行的「${reader.columnName(field)}」不一致（与第 ${draft.line} 行不同）`)
  }
  if (reader.text('status') !== draft.statusText)
    throw new CellError(`同一订单各行的订单状态不一致（与第 ${draft.line} 行不同）`)
}

function statusOf(format: ExportFormat, text: string): StatusReading | null {
  for (const [pattern, reading] of format.statuses) {
    if (pattern.test(text))
      return reading
  }
  return null
}

/** A finished draft → an order, or the reason it cannot be imported. */
function finish(format: ExportFormat, draft: Draft): ParsedOrder | string {
  const reading = statusOf(format, draft.statusText)
  if (reading === null)
    return `未知的订单状态「${draft.statusText}」`
  if (reading === 'unpaid')
    return `订单未付款（${draft.statusText}），不导入`
  const lines = format.layout === 'order-row' && draft.items.length === 0 ? null : draft.items
  let paid: number
  let total: number
  let refunded: number
  if (format.layout === 'line-sum') {
    paid = draft.items.reduce((s, l) => s + l.amount, 0)
    total = Math.max(paid, draft.items.reduce((s, l) => s + l.unitPrice * l.quantity, 0))
    refunded = draft.lineRefunded
  }
  else {
    paid = draft.paid ?? 0
    total = draft.total ?? paid
    refunded = draft.refunded ?? 0
  }
  const refundedAfterSale = draft.afterSale.some(s => /退款成功|售后完成|已退款/.test(s))
  if (format.platform === 'douyin' && refundedAfterSale && refunded === 0)
    refunded = paid
  if (refunded > paid)
    return `退款金额（${refunded / 100} 元）大于实付金额（${paid / 100} 元）`
  let status: ImportedStatus
  if (reading === 'closed')
    status = refunded > 0 || (format.platform === 'taobao' && paid > 0) ? 'refunded' : 'cancelled'
  else
    status = reading
  if (status === 'refunded' && refunded === 0)
    refunded = paid
  const paidAt = draft.paidAt ?? draft.createdAt
  if (paidAt === null)
    return '缺少付款时间和下单时间'
  return {
    orderNo: draft.orderNo,
    line: draft.line,
    buyerId: draft.buyerId,
    unionid: draft.unionid,
    phone: draft.phone,
    receiverName: draft.receiverName,
    storeCode: draft.storeCode,
    status,
    totalAmount: total,
    paidAmount: paid,
    refundedAmount: refunded,
    paidAt,
    lines,
  }
}

/**
 * A digest of a row's cells: 48 bits of its SHA-1, a plain number (a 200 MB file's rows are not kept as text
 * to find duplicates). Only the rows of one order are compared, and two different rows share a digest with a
 * chance of 1 in 2^48.
 */
function digestOf(row: SourceRow): number {
  return createHash('sha1').update(row.cells.join('\u0001')).digest().readUIntBE(0, 6)
}

function reject(rejected: RejectedRow[], line: number, reason: string, prefix = '') {
  rejected.push({ line, reason: `${prefix}${reason}` })
}

async function readOrders(file: OpenedFile, platform: Platform | undefined, texts: SharedTexts, rejected: RejectedRow[], onRow: () => void) {
  const iterator = file.rows[Symbol.asyncIterator]()
  const header = await readHeader(iterator)
  const format = chooseFormat(header.cells, platform)
  const indexes = columnIndexes(header.cells, format.columns)
  const drafts = new Map<string, Draft>()
  const itemRows = format.layout !== 'order-row'
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const row = next.value
    onRow()
    checkWidth(row, header.cells)
    const reader = new RowReader(row, header.cells, indexes, texts)
    let draft: Draft | undefined
    try {
      const orderNo = reader.required('orderNo')
      const digest = digestOf(row)
      draft = drafts.get(orderNo)
      if (!draft) {
        draft = newDraft(orderNo, reader)
        drafts.set(orderNo, draft)
      }
      else {
        const same = draft.rows.find(r => r.digest === digest)
        if (same) {
          reject(rejected, row.line, `与第 ${same.line} 行完全相同的重复行，未重复计入`)
          continue
        }
        if (!itemRows)
          throw new CellError(`订单编号 ${orderNo} 与第 ${draft.line} 行重复，但内容不同`)
        checkRepeated(draft, reader)
      }
      draft.rows = appended(draft.rows, { digest, line: row.line })
      if (itemRows) {
        const line = lineOf(reader, format.layout === 'line-sum' ? 'lineAmount' : (reader.has('lineAmount') ? 'lineAmount' : null))
        if (format.layout === 'line-sum' && reader.has('lineRefunded'))
          draft.lineRefunded += reader.fen('lineRefunded') ?? 0
        const afterSale = reader.text('afterSale')
        if (afterSale)
          draft.afterSale = appended(draft.afterSale, afterSale)
        draft.items = appended(draft.items, line)
      }
    }
    catch (error) {
      if (!(error instanceof CellError))
        throw error
      reject(rejected, row.line, error.message)
      if (draft && !draft.invalid)
        draft.invalid = { line: row.line, reason: error.message }
    }
  }
  return { format, drafts }
}

async function readTaobaoItems(file: OpenedFile, drafts: Map<string, Draft>, texts: SharedTexts, rejected: RejectedRow[], onRow: () => void) {
  const prefix = '宝贝报表：'
  const format: ItemsFormat = TAOBAO_ITEMS
  const iterator = file.rows[Symbol.asyncIterator]()
  const header = await readHeader(iterator).catch((error) => {
    throw error instanceof ImportRefused ? new ImportRefused(error.line, `${prefix}${error.message}`) : error
  })
  const missing = missingColumns(header.cells, format)
  if (missing.length > 0)
    throw new ImportRefused(1, `${prefix}这不是淘宝宝贝报表：缺少列 ${missing.join('、')}`)
  const indexes = columnIndexes(header.cells, format.columns)
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const row = next.value
    onRow()
    try {
      checkWidth(row, header.cells)
    }
    catch (error) {
      throw error instanceof ImportRefused ? new ImportRefused(error.line, `${prefix}${error.message}`) : error
    }
    const reader = new RowReader(row, header.cells, indexes, texts)
    try {
      const orderNo = reader.required('orderNo')
      const draft = drafts.get(orderNo)
      if (!draft)
        throw new CellError(`订单编号 ${orderNo} 不在订单报表中`)
      // Rows with the same text have the same order number: the order's own rows are where a duplicate is.
      const digest = digestOf(row)
      const same = draft.itemRows.find(r => r.digest === digest)
      if (same) {
        reject(rejected, row.line, `与第 ${same.line} 行完全相同的重复行，未重复计入`, prefix)
        continue
      }
      draft.itemRows = appended(draft.itemRows, { digest, line: row.line })
      draft.items = appended(draft.items, lineOf(reader, null))
    }
    catch (error) {
      if (!(error instanceof CellError))
        throw error
      reject(rejected, row.line, error.message, prefix)
      const draft = drafts.get(reader.text('orderNo'))
      if (draft && !draft.invalid)
        draft.invalid = { line: row.line, reason: `${prefix}第 ${row.line} 行：${error.message}` }
    }
  }
}

/** Reads an export (and Taobao's item file) into orders; rejects rows, or refuses the file with ImportRefused. */
export async function parseExport(file: OpenedFile, options: ParseOptions = {}): Promise<ParsedFile> {
  const rejected: RejectedRow[] = []
  const totalBytes = file.size + (options.items?.size ?? 0)
  let rows = 0
  const onRow = () => {
    if (options.onProgress && ++rows % 5000 === 0)
      options.onProgress(Math.min(1, (file.bytesRead() + (options.items?.bytesRead() ?? 0)) / totalBytes))
  }
  const texts = new SharedTexts()
  const { format, drafts } = await readOrders(file, options.platform, texts, rejected, onRow)
  if (options.items) {
    if (format.platform !== 'taobao')
      throw new ImportRefused(null, `只有淘宝订单报表带单独的宝贝报表；${PLATFORM_LABELS[format.platform]}的导出每行已是一件商品`)
    await readTaobaoItems(options.items, drafts, texts, rejected, onRow)
  }
  const orders: ParsedOrder[] = []
  for (const draft of drafts.values()) {
    // Each draft is let go once it became an order: drafts and orders are not all held twice.
    drafts.delete(draft.orderNo)
    if (draft.invalid) {
      for (const { line } of draft.rows) {
        if (line !== draft.invalid.line)
          reject(rejected, line, `同一订单（${draft.orderNo}）的第 ${draft.invalid.line} 行有误，整单未导入`)
      }
      continue
    }
    const result = finish(format, draft)
    if (typeof result === 'string')
      reject(rejected, draft.line, `订单 ${draft.orderNo}：${result}`)
    else
      orders.push(result)
  }
  rejected.sort((a, b) => a.line - b.line)
  options.onProgress?.(1)
  return { platform: format.platform, encoding: file.encoding, orders, rejected }
}
