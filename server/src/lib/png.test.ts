import { crc32, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { renderPng } from './png.ts'

/** The chunks of a PNG after its signature, each CRC checked. */
function chunks(png: Buffer): { type: string, data: Buffer }[] {
  const out: { type: string, data: Buffer }[] = []
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at)
    const body = png.subarray(at + 4, at + 8 + length)
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(body))
    out.push({ type: body.subarray(0, 4).toString('latin1'), data: body.subarray(4) })
    at += 12 + length
  }
  return out
}

describe('renderPng', () => {
  it('writes a valid RGB PNG whose pixels are the colours asked for', () => {
    const png = renderPng(3, 2, (x, y) => [x * 10, y * 20, 7])
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    const [ihdr, idat, iend] = chunks(png)
    expect([ihdr!.type, idat!.type, iend!.type]).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect([ihdr!.data.readUInt32BE(0), ihdr!.data.readUInt32BE(4), ihdr!.data[8], ihdr!.data[9]]).toEqual([3, 2, 8, 2])
    const rows = inflateSync(idat!.data)
    expect([...rows]).toEqual([0, 0, 0, 7, 10, 0, 7, 20, 0, 7, 0, 0, 20, 7, 10, 20, 7, 20, 20, 7])
  })

  it('stored: the pixels uncompressed, so the file is at least their size', () => {
    const color = () => [1, 2, 3] as const
    expect(renderPng(480, 400, color, { stored: true }).length).toBeGreaterThan((480 * 3 + 1) * 400)
    expect(renderPng(480, 400, color).length).toBeLessThan(10_000)
  })
})
