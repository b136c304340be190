import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { openExport } from './read.ts'

/** A ZIP of `files` stored uncompressed: just enough of the format for an XLSX reader. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name)
    const data = Buffer.from(text)
    // Local and central headers carry the same CRC, sizes and name length, at different offsets.
    const header = (signature: number, length: number, fieldsAt: number) => {
      const bytes = Buffer.alloc(length)
      bytes.writeUInt32LE(signature, 0)
      bytes.writeUInt16LE(20, 4) // version needed (central: made by)
      bytes.writeUInt32LE(crc32(data), fieldsAt)
      bytes.writeUInt32LE(data.length, fieldsAt + 4)
      bytes.writeUInt32LE(data.length, fieldsAt + 8)
      bytes.writeUInt16LE(nameBytes.length, fieldsAt + 12)
      return bytes
    }
    const local = header(0x04034B50, 30, 14)
    const central = header(0x02014B50, 46, 16)
    central.writeUInt16LE(20, 6) // version needed
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054B50, 0)
  end.writeUInt16LE(Object.keys(files).length, 8)
  end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`

describe('reading an XLSX export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-xlsx-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the first sheet\'s rows when the workbook part never arrives', async () => {
    const path = join(dir, 'orders.xlsx')
    // As the streaming reader sees it when the workbook part never arrives (exceljs issue #3064).
    writeFileSync(path, storedZip({
      '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
      'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">${cell('A1', '订单号')}${cell('B1', '商品名称')}</row><row r="2">${cell('A2', 'E2026')}${cell('B2', '羊绒衫')}</row></sheetData></worksheet>`,
    }))
    const opened = await openExport(path)
    const rows = []
    for await (const row of opened.rows) rows.push(row)
    await opened.close()
    expect(opened.encoding).toBe('xlsx')
    expect(rows).toEqual([{ line: 1, cells: ['订单号', '商品名称'] }, { line: 2, cells: ['E2026', '羊绒衫'] }])
  })
})
