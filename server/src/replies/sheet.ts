// Bulk import and export of replies as XLSX (exceljs) or CSV in UTF-8 or GBK (iconv-lite, csv-parse,
// csv-stringify). One sheet layout both ways (replySheetHeaders), so an export imports back unchanged.
// An import is all or nothing: every row is checked and reported; if any row is wrong nothing is written.
import type { replyCsvEncodingList, ReplyImportReport, ReplyImportRow } from '@scrm/shared'
import type { Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { replySheetHeaders, unknownReplyVariables } from '@scrm/shared'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { and, asc, eq, sql } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { requireAdmin } from '../auth/access.ts'
import { replies, replyGroups, replyStores, stores } from '../db/schema.ts'
import { storeScope } from '../materials/store-scope.ts'
import { badRequest, forbidden } from '../plugins/errors.ts'
import { notRetired } from './service.ts'

export type CsvEncoding = typeof replyCsvEncodingList[number]

export interface SheetRow {
  /** 1-based line in the file; the header is line 1. */
  line: number
  group: string
  title: string
  content: string
  stores: string
}

const [GROUP, TITLE, CONTENT, STORES] = replySheetHeaders
const REQUIRED = [GROUP, TITLE, CONTENT]
const ZIP_MAGIC = Buffer.from([0x50, 0x4B, 0x03, 0x04])

/** Column index per header; 400 naming the missing required ones. */
function headerIndex(header: string[]): Map<string, number> {
  const index = new Map(header.map((h, i) => [h.trim().replace(/^\uFEFF/, ''), i]))
  const missing = REQUIRED.filter(h => !index.has(h))
  if (missing.length)
    throw badRequest(`表头缺少列：${missing.join('、')}。第一行应为：${replySheetHeaders.join('、')}`)
  return index
}

function toRows(records: { line: number, cells: string[] }[]): SheetRow[] {
  if (!records.length)
    throw badRequest('文件是空的：第一行应为表头（分组、标题、内容、可见门店）')
  const index = headerIndex(records[0]!.cells)
  const cell = (cells: string[], name: string) => {
    const i = index.get(name)
    return i === undefined ? '' : (cells[i] ?? '').trim()
  }
  return records.slice(1)
    .map(r => ({ line: r.line, group: cell(r.cells, GROUP), title: cell(r.cells, TITLE), content: cell(r.cells, CONTENT), stores: cell(r.cells, STORES) }))
    .filter(r => r.group || r.title || r.content || r.stores)
}

async function readXlsx(bytes: Buffer): Promise<SheetRow[]> {
  const workbook = new ExcelJS.Workbook()
  try {
    // exceljs's typings want its own Buffer flavour; a Node Buffer is what it reads.
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer)
  }
  catch (error) {
    throw badRequest(`不是有效的 XLSX 文件，无法读取（${error instanceof Error ? error.message : String(error)}）`)
  }
  const sheet = workbook.worksheets[0]
  if (!sheet)
    throw badRequest('XLSX 文件里没有工作表')
  const records: { line: number, cells: string[] }[] = []
  sheet.eachRow({ includeEmpty: false }, (row, line) => {
    const cells: string[] = []
    row.eachCell({ includeEmpty: true }, (c, col) => {
      cells[col - 1] = c.text ?? ''
    })
    records.push({ line, cells: Array.from(cells, c => c ?? '') })
  })
  return toRows(records)
}

/** UTF-8 when the bytes decode as UTF-8 (a BOM or not), else GBK: what Excel on a Chinese Windows writes. */
export function detectCsvEncoding(bytes: Buffer): CsvEncoding {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return 'utf-8'
  }
  catch {
    return 'gbk'
  }
}

function readCsv(bytes: Buffer, encoding: CsvEncoding): SheetRow[] {
  const text = iconv.decode(bytes, encoding).replace(/^\uFEFF/, '')
  let parsed: { record: string[], info: { lines: number } }[]
  try {
    // With `info: true` each record comes as {record, info}; the typings do not follow the option.
    parsed = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof parsed
  }
  catch (error) {
    throw badRequest(`CSV 无法解析（${error instanceof Error ? error.message : String(error)}）`)
  }
  return toRows(parsed.map(p => ({ line: p.info.lines, cells: p.record })))
}

/** Rows of an uploaded sheet: XLSX by its zip signature or name, otherwise CSV (encoding given or detected). */
export async function readReplySheet(bytes: Buffer, fileName: string, encoding?: CsvEncoding): Promise<{ rows: SheetRow[], format: 'xlsx' | 'csv', encoding?: CsvEncoding }> {
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC) || /\.xlsx$/i.test(fileName))
    return { rows: await readXlsx(bytes), format: 'xlsx' }
  const used = encoding ?? detectCsvEncoding(bytes)
  return { rows: readCsv(bytes, used), format: 'csv', encoding: used }
}

const { visibleTo } = storeScope('话术')

/**
 * Imports rows as replies (admins only). A row whose group and title match a live reply updates it, so importing
 * the same file twice changes nothing; missing groups are created. Any row error → nothing written.
 */
export async function importReplies(database: Database, session: Session, rows: SheetRow[], now: number): Promise<ReplyImportReport> {
  requireAdmin(session, '只有管理员可以批量导入话术')
  if (!rows.length)
    throw badRequest('文件里没有话术：表头之后至少要有一行')
  return database.db.transaction(async (tx) => {
    const storeRows = await tx.select({ id: stores.id, name: stores.name }).from(stores).all()
    const storeByKey = new Map<string, string>([...storeRows.map(s => [s.name, s.id] as const), ...storeRows.map(s => [s.id, s.id] as const)])
    const groups = new Map<string, number>()
    for (const g of await tx.select().from(replyGroups).orderBy(asc(replyGroups.id)).all()) {
      if (!groups.has(g.name))
        groups.set(g.name, g.id)
    }
    const existing = new Map<string, number>()
    for (const r of await tx.select({ id: replies.id, groupId: replies.groupId, title: replies.title }).from(replies).where(notRetired).orderBy(asc(replies.id)).all())
      existing.set(`${r.groupId}\u0000${r.title}`, r.id)

    const seen = new Map<string, number>()
    const report: ReplyImportRow[] = []
    const plan: { row: SheetRow, storeIds: string[], replyId: number | undefined }[] = []
    for (const row of rows) {
      const problems: string[] = []
      if (!row.group || [...row.group].length > 32)
        problems.push('分组不能为空，最多 32 个字')
      if (!row.title || [...row.title].length > 64)
        problems.push('标题不能为空，最多 64 个字')
      if (!row.content || [...row.content].length > 4000)
        problems.push('内容不能为空，最多 4000 个字')
      const unknown = unknownReplyVariables(row.content)
      if (unknown.length)
        problems.push(`不存在的变量：${unknown.map(v => `{{${v}}}`).join('、')}`)
      const storeKeys = row.stores.split(/[,，、;；\s]+/).map(s => s.trim()).filter(Boolean)
      const unknownStores = storeKeys.filter(k => !storeByKey.has(k))
      if (unknownStores.length)
        problems.push(`门店不存在：${unknownStores.join('、')}`)
      const key = `${row.group}\u0000${row.title}`
      const earlier = seen.get(key)
      if (earlier !== undefined)
        problems.push(`与第 ${earlier} 行重复（同一分组同一标题）`)
      seen.set(key, row.line)
      const groupId = groups.get(row.group)
      const replyId = groupId === undefined ? undefined : existing.get(`${groupId}\u0000${row.title}`)
      report.push({ line: row.line, status: problems.length ? 'error' : replyId ? 'updated' : 'created', title: row.title, reason: problems.length ? problems.join('；') : null })
      plan.push({ row, storeIds: [...new Set(storeKeys.map(k => storeByKey.get(k)!))], replyId })
    }
    const errors = report.filter(r => r.status === 'error').length
    const summary = { created: report.filter(r => r.status === 'created').length, updated: report.filter(r => r.status === 'updated').length, errors, rows: report }
    if (errors)
      return { applied: false, ...summary }

    let nextSort = (await tx.select({ n: sql<number>`coalesce(max(${replyGroups.sortOrder}), -1)` }).from(replyGroups).get())?.n ?? -1
    for (const { row, storeIds, replyId } of plan) {
      let groupId = groups.get(row.group)
      if (groupId === undefined) {
        groupId = (await tx.insert(replyGroups).values({ name: row.group, sortOrder: ++nextSort }).returning({ id: replyGroups.id }).get())!.id
        groups.set(row.group, groupId)
      }
      const id = replyId ?? (await tx.insert(replies).values({ groupId, title: row.title, content: row.content, createdAt: now }).returning({ id: replies.id }).get())!.id
      if (replyId)
        await tx.update(replies).set({ content: row.content }).where(eq(replies.id, replyId)).run()
      await tx.delete(replyStores).where(eq(replyStores.replyId, id)).run()
      if (storeIds.length)
        await tx.insert(replyStores).values(storeIds.map(storeId => ({ replyId: id, storeId }))).run()
    }
    return { applied: true, ...summary }
  })
}

/** The rows of every live reply the session may see (admins: all; store managers: their store's and everyone's). */
async function exportRows(database: Database, session: Session): Promise<string[][]> {
  if (session.role === 'guide')
    throw forbidden('只有管理员和店长可以导出话术')
  const db = database.db
  const rows = await db.select({ id: replies.id, group: replyGroups.name, title: replies.title, content: replies.content })
    .from(replies)
    .innerJoin(replyGroups, eq(replyGroups.id, replies.groupId))
    .where(and(notRetired, visibleTo(session)))
    .orderBy(asc(replyGroups.sortOrder), asc(replyGroups.id), asc(replies.id))
    .all()
  const names = new Map<number, string[]>()
  for (const r of await db.select({ replyId: replyStores.replyId, name: stores.name }).from(replyStores).innerJoin(stores, eq(stores.id, replyStores.storeId)).orderBy(asc(stores.name)).all())
    names.set(r.replyId, [...names.get(r.replyId) ?? [], r.name])
  return rows.map(r => [r.group, r.title, r.content, (names.get(r.id) ?? []).join('、')])
}

/** An XLSX of replies in the import layout: the header row, then `rows` (分组, 标题, 内容, 可见门店). */
export async function replySheetXlsx(rows: string[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('话术')
  sheet.columns = [{ width: 14 }, { width: 24 }, { width: 80 }, { width: 24 }]
  sheet.addRow([...replySheetHeaders]).font = { bold: true }
  for (const row of rows)
    sheet.addRow(row)
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

export async function exportReplies(database: Database, session: Session, format: 'xlsx' | 'csv', encoding: CsvEncoding): Promise<{ bytes: Buffer, contentType: string, fileName: string }> {
  const rows = await exportRows(database, session)
  if (format === 'xlsx')
    return { bytes: await replySheetXlsx(rows), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: '话术库.xlsx' }
  const text = stringify([[...replySheetHeaders], ...rows], { record_delimiter: 'windows' })
  // UTF-8 with a BOM, so Excel recognises it; GBK for older Excel on Chinese Windows.
  const bytes = encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from(text, 'utf8')])
  return { bytes, contentType: `text/csv; charset=${encoding === 'gbk' ? 'GBK' : 'utf-8'}`, fileName: `话术库-${encoding}.csv` }
}
