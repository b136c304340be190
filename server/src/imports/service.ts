// An import from start to report: open (encoding), parse (platform, rows), write (one transaction). Used by
// the job behind the console upload and by `pnpm import:orders`.
import type { ImportRefusal, ImportReport, Platform } from '@scrm/shared'
import type { Database } from '../db/port.ts'
import type { ParsedFile } from './parse.ts'
import type { OpenedFile } from './read.ts'
import { rm } from 'node:fs/promises'
import { desc, eq, sql } from 'drizzle-orm'
import { jobs, orderImports } from '../db/schema.ts'
import { parseExport } from './parse.ts'
import { ImportRefused, openExport } from './read.ts'
import { writeOrders } from './write.ts'

export interface ImportFiles {
  platform?: Platform
  ordersPath: string
  itemsPath?: string
}

export interface RunOptions {
  importId?: number | null
  /** The clock (default Date.now). */
  now?: () => number
  /** Phase and 0…1 within it: reading the file is the first 60 %, writing the rest. */
  onProgress?: (fraction: number) => void
}

/** Runs one import; throws ImportRefused (nothing written) when the file as a whole cannot be imported. */
export async function runImport(database: Database, files: ImportFiles, options: RunOptions = {}): Promise<ImportReport> {
  const progress = options.onProgress ?? (() => {})
  const opened = await openExport(files.ordersPath)
  let items: OpenedFile | undefined
  let parsed: ParsedFile
  try {
    if (files.itemsPath)
      items = await openExport(files.itemsPath)
    parsed = await parseExport(opened, { platform: files.platform, items, onProgress: f => progress(0.6 * f) })
  }
  finally {
    await Promise.all([opened.close(), items?.close()])
  }
  if (parsed.orders.length === 0 && parsed.rejected.length === 0)
    throw new ImportRefused(null, '文件只有表头，没有订单')
  // Counted before the write, which takes the orders out of `parsed` as it goes.
  const counts = {
    orders: parsed.orders.length,
    itemLines: parsed.orders.reduce((s, o) => s + (o.lines?.length ?? 0), 0),
    paidFen: parsed.orders.reduce((s, o) => s + o.paidAmount, 0),
    closedOrders: parsed.orders.filter(o => o.status === 'cancelled' || o.status === 'refunded').length,
  }
  const written = await writeOrders(database, parsed, { importId: options.importId ?? null, now: (options.now ?? Date.now)(), onProgress: f => progress(0.6 + 0.4 * f) })
  return {
    platform: parsed.platform,
    encoding: parsed.encoding,
    ...counts,
    imported: written.imported,
    updated: written.updated,
    unchanged: written.unchanged,
    rejected: parsed.rejected,
    matchedOrders: written.matchedOrders,
    unmatchedOrders: written.unmatchedOrders,
    unmappedLines: written.unmappedLines,
    unmappedItems: written.unmappedItems,
  }
}

export interface CreateImport {
  platform: Platform | null
  fileName: string
  filePath: string
  itemsFileName: string | null
  itemsFilePath: string | null
  createdBy: string
  now: number
}

export async function createImportRecord(database: Database, input: CreateImport): Promise<number> {
  const [row] = await database.db.insert(orderImports).values({
    platform: input.platform,
    fileName: input.fileName,
    filePath: input.filePath,
    itemsFileName: input.itemsFileName,
    itemsFilePath: input.itemsFilePath,
    status: 'queued',
    createdBy: input.createdBy,
    createdAt: input.now,
  }).returning({ id: orderImports.id })
  return row!.id
}

export async function setImportJob(database: Database, importId: number, jobId: number | null) {
  await database.db.update(orderImports).set({ jobId }).where(eq(orderImports.id, importId))
}

/** The job's work: runs the stored import, records the report or the refusal, removes the uploaded files. */
export async function processImport(database: Database, importId: number, now: () => number, onProgress: (f: number) => void): Promise<void> {
  const [record] = await database.db.select().from(orderImports).where(eq(orderImports.id, importId))
  if (!record || record.status === 'succeeded' || record.status === 'refused')
    return
  await database.db.update(orderImports).set({ status: 'running' }).where(eq(orderImports.id, importId))
  try {
    const report = await runImport(database, { platform: record.platform ?? undefined, ordersPath: record.filePath, itemsPath: record.itemsFilePath ?? undefined }, { importId, now, onProgress })
    await database.db.update(orderImports).set({ status: 'succeeded', platform: report.platform, report, finishedAt: now() }).where(eq(orderImports.id, importId))
  }
  catch (error) {
    if (!(error instanceof ImportRefused))
      throw error
    const refusal: ImportRefusal = { line: error.line, reason: error.message }
    await database.db.update(orderImports).set({ status: 'refused', refusal, finishedAt: now() }).where(eq(orderImports.id, importId))
  }
  await Promise.all([record.filePath, record.itemsFilePath].filter((p): p is string => !!p).map(async p => rm(p, { force: true })))
}

/** Marks an import whose job died (out of attempts) as failed, so the console stops showing it running. */
export async function failImport(database: Database, importId: number, reason: string, now: number) {
  await database.db.update(orderImports).set({ status: 'failed', refusal: { line: null, reason }, finishedAt: now }).where(eq(orderImports.id, importId))
}

export async function listImports(database: Database, limit = 30, id?: number) {
  const rows = await database.db.select({
    id: orderImports.id,
    platform: orderImports.platform,
    fileName: orderImports.fileName,
    itemsFileName: orderImports.itemsFileName,
    status: orderImports.status,
    progress: sql<number | null>`${jobs.progress}`,
    report: orderImports.report,
    refusal: orderImports.refusal,
    createdBy: orderImports.createdBy,
    createdAt: orderImports.createdAt,
    finishedAt: orderImports.finishedAt,
  }).from(orderImports).leftJoin(jobs, eq(jobs.id, orderImports.jobId)).where(id === undefined ? undefined : eq(orderImports.id, id)).orderBy(desc(orderImports.createdAt), desc(orderImports.id)).limit(limit)
  return rows.map(r => ({
    ...r,
    // Reports stored before unmappedLines was counted: their listed codes' lines (all of them unless a file had over 200 codes).
    report: r.report && { ...r.report, unmappedLines: r.report.unmappedLines ?? r.report.unmappedItems.reduce((n, i) => n + i.lines, 0) },
    progress: r.status === 'succeeded' ? 1 : r.progress === null ? null : Number(r.progress),
  }))
}
