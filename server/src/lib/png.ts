// Minimal PNG encoding (8-bit RGB, no filter) for pictures the demo and tests draw themselves.
import { crc32, deflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/**
 * An RGB PNG of `width`×`height` whose pixels `color(x, y)` gives. `stored: true` leaves the pixels
 * uncompressed, for a file of a predictable (large) size.
 */
export function renderPng(width: number, height: number, color: (x: number, y: number) => readonly [number, number, number], options: { stored?: boolean } = {}): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows = Buffer.alloc((1 + width * 3) * height) // each row: filter byte 0, then RGB
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      rows.set(color(x, y), y * (1 + width * 3) + 1 + x * 3)
  }
  const pixels = deflateSync(rows, options.stored ? { level: 0 } : {})
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}
