// Reading an export file as rows of text, streamed (a 200 MB file is never held whole): the encoding
// detected from the first bytes (UTF-8 with or without BOM, else GBK/GB18030), CSV through csv-parse,
// XLSX through exceljs's streaming reader (a formula cell gives its computed result).
import type { ImportEncoding } from '@scrm/shared'
import type { Readable } from 'node:stream'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { parse } from 'csv-parse'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { excelDateText } from './values.ts'

/** The whole file is refused: nothing is written. */
export class ImportRefused extends Error {
  constructor(readonly line: number | null, reason: string) {
    super(reason)
  }
}

export interface SourceRow {
  /** 1-based line (CSV: where the record ends) or sheet row number. */
  line: number
  cells: string[]
}

export interface OpenedFile {
  encoding: ImportEncoding
  rows: AsyncIterable<SourceRow>
  size: number
  /** Bytes read so far, for progress. */
  bytesRead: () => number
  /** Releases the file: a refusal stops reading midway, and an unfinished stream keeps its descriptor open. */
  close: () => Promise<void>
}

const SAMPLE_BYTES = 256 * 1024

/** The encoding of a text export, from its first bytes; throws ImportRefused when it is none we read. */
export function detectEncoding(sample: Buffer): Exclude<ImportEncoding, 'xlsx'> {
  if (sample[0] === 0xEF && sample[1] === 0xBB && sample[2] === 0xBF)
    return 'utf-8-bom'
  if ((sample[0] === 0xFF && sample[1] === 0xFE) || (sample[0] === 0xFE && sample[1] === 0xFF))
    throw new ImportRefused(null, '文件是 UTF-16 编码（Excel「Unicode 文本」），请另存为 CSV（UTF-8 或 GBK）或 XLSX')
  try {
    // stream: true tolerates a character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true })
    return 'utf-8'
  }
  catch {
    const wide = iconv.decode(sample, 'gb18030')
    // A sample may end inside a character: look at all but the tail.
    const body = wide.slice(0, Math.max(0, wide.length - 2))
    if (body.includes('\uFFFD'))
      throw new ImportRefused(null, '文件编码无法识别：既不是 UTF-8，也不是 GBK/GB18030')
    return body === iconv.decode(sample, 'gbk').slice(0, body.length) ? 'gbk' : 'gb18030'
  }
}

async function readSample(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  }
  finally {
    await handle.close()
  }
}

function csvRows(input: Readable): AsyncIterable<SourceRow> {
  const parser = input.pipe(parse({
    bom: true,
    info: true,
    relax_column_count: true,
    // Excel-safe ids arrive unquoted as ="123": a quote inside an unquoted field is data, not an error.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
  }))
  input.on('error', error => parser.destroy(error))
  // Records are pulled with read() while buffered: Node's per-item async iterator over a stream costs more
  // than parsing the row.
  let failure: unknown = null
  let ended = false
  parser.on('error', (error) => {
    failure = error
  })
  parser.on('end', () => {
    ended = true
  })
  const settled = () => new Promise<void>((resolve) => {
    const done = () => {
      parser.off('readable', done)
      parser.off('end', done)
      parser.off('error', done)
      resolve()
    }
    parser.on('readable', done)
    parser.on('end', done)
    parser.on('error', done)
  })
  return (async function* () {
    try {
      for (;;) {
        for (let record = parser.read() as { record: string[], info: { lines: number } } | null; record !== null; record = parser.read())
          yield { line: record.info.lines, cells: record.record }
        if (failure)
          throw failure
        if (ended)
          return
        await settled()
      }
    }
    catch (error) {
      const code = (error as { code?: string }).code
      const lines = (error as { lines?: number }).lines ?? null
      if (code === 'CSV_QUOTE_NOT_CLOSED')
        throw new ImportRefused(lines, `文件在第 ${lines ?? '?'} 行引号未闭合：文件不完整（被截断）或已损坏`)
      if (code?.startsWith('CSV_'))
        throw new ImportRefused(lines, `CSV 格式错误（第 ${lines ?? '?'} 行）：${(error as Error).message}`)
      throw error
    }
    finally {
      parser.destroy()
    }
  })()
}

type CellValue = ExcelJS.CellValue

function excelText(value: CellValue): string {
  if (value === null || value === undefined)
    return ''
  if (value instanceof Date)
    return excelDateText(value)
  if (typeof value === 'number') {
    // Order numbers Excel stored as numbers beyond 2^53 lost digits; refuse rather than import a wrong id.
    if (!Number.isSafeInteger(value) && Number.isInteger(value))
      return `#PRECISION:${value}`
    return String(value)
  }
  if (typeof value === 'string' || typeof value === 'boolean')
    return String(value)
  if ('result' in value)
    return excelText((value as { result?: CellValue }).result ?? null)
  if ('formula' in value || 'sharedFormula' in value)
    return ''
  if ('richText' in value)
    return value.richText.map(part => part.text).join('')
  if ('text' in value)
    return String(value.text)
  if ('error' in value)
    return String(value.error)
  return ''
}

function xlsxRows(input: Readable): AsyncIterable<SourceRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'emit' })
  // exceljs names a sheet from the workbook part's model, which it only has once `xl/workbook.xml` was read; a
  // file that stores that part after its sheets (exceljs's own writer does), or whose last entry the streaming
  // unzip misses under load, made it throw "reading 'sheets'" (exceljs issue #3064). Only the first sheet's
  // rows matter here, not its name: start from an empty model, replaced when the part comes.
  Object.assign(reader, { model: { sheets: [] } })
  return (async function* () {
    try {
      // Only the first sheet holds the orders.
      const first = await reader[Symbol.asyncIterator]().next()
      if (first.done)
        throw new ImportRefused(null, 'XLSX 文件里没有工作表')
      for await (const row of first.value as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as CellValue[]
        // exceljs row values are 1-based.
        yield { line: row.number, cells: values.slice(1).map(v => excelText(v ?? null)) }
      }
    }
    catch (error) {
      if (error instanceof ImportRefused)
        throw error
      throw new ImportRefused(null, `XLSX 文件无法读取（可能不完整或已损坏）：${(error as Error).message}`)
    }
  })()
}

/** Opens an export for streaming rows; refuses encodings and containers we cannot read. */
export async function openExport(path: string): Promise<OpenedFile> {
  const { size } = await stat(path)
  if (size === 0)
    throw new ImportRefused(null, '文件是空的')
  const sample = await readSample(path)
  const xlsx = sample[0] === 0x50 && sample[1] === 0x4B
  if (sample.subarray(0, 4).equals(Buffer.from([0xD0, 0xCF, 0x11, 0xE0])))
    throw new ImportRefused(null, '不支持旧版 Excel（.xls）文件，请另存为 XLSX 或 CSV')
  if (/^\s*<(?:html|table|!doctype)/i.test(sample.subarray(0, 200).toString('latin1')))
    throw new ImportRefused(null, '文件是网页（HTML）而不是表格，请在后台重新导出 CSV 或 XLSX')
  const encoding = xlsx ? 'xlsx' : detectEncoding(sample)
  // Opened only once the file is known readable, so no refusal above leaves a stream behind.
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 })
  const close = async () => {
    if (!stream.closed)
      await new Promise<void>(resolve => stream.destroy().once('close', () => resolve()))
  }
  const file = { size, bytesRead: () => stream.bytesRead, close }
  if (encoding === 'xlsx')
    return { ...file, encoding, rows: xlsxRows(stream) }
  // GB18030 decodes GBK too (it is a superset); iconv's transform is a Node stream at runtime.
  const text: Readable = encoding === 'gbk' || encoding === 'gb18030' ? stream.pipe(iconv.decodeStream('gb18030') as unknown as NodeJS.WritableStream & Readable) : stream
  if (text !== stream)
    stream.on('error', error => text.destroy(error))
  return { ...file, encoding, rows: csvRows(text) }
}
