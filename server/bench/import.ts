// `pnpm bench --only import`: a generated Taobao-format export (千牛 order report and its item file, both GBK,
// Excel-safe ="…" ids, masked phones, several date formats, refunds and closed orders) of 100,000 orders
// (--import-orders) or of about N MB (--import-mb), imported into a fresh SQLite database the way the import
// job does it, then imported again: the second run must add nothing. The process's RSS is sampled during the
// first import from a worker thread (the import's synchronous SQLite work cannot delay it).
import type { ImportReport } from '@scrm/shared'
import type { Database } from '../src/db/port.ts'
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { eq } from 'drizzle-orm'
import iconv from 'iconv-lite'
import { connectDatabase } from '../src/db/client.ts'
import { orderImports, products } from '../src/db/schema.ts'
import { createImportRecord, processImport } from '../src/imports/service.ts'
import { SHANGHAI_OFFSET_MS } from '../src/lib/china-time.ts'
import { Rng } from '../src/lib/random.ts'

/** 0 … n-1. */
const below = (rng: Rng, n: number) => rng.int(0, n - 1)

export interface ImportBench {
  orders: number
  itemLines: number
  seconds: number
  secondRunSeconds: number
  secondRunAdded: number
  fileMb: number
  /** Process RSS just before the first import and its peak during it (sampled every 100 ms), MB. */
  rssBeforeMb: number
  peakRssMb: number
}

/** How big an export to generate: a number of orders, or about this many MB (both files together). */
export type ExportSize = { orders: number } | { megabytes: number }

const ORDER_HEADER = '订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,退款金额'
const ITEM_HEADER = '订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码'
const SKUS = 2000

function dateText(rng: Rng, ms: number): string {
  const d = new Date(ms + SHANGHAI_OFFSET_MS)
  const p = (n: number) => String(n).padStart(2, '0')
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
  // Exports re-saved by Excel change the date format: the importer reads them all.
  const style = below(rng, 10)
  if (style === 0)
    return `${y}/${mo}/${da} ${h}:${p(mi)}`
  if (style === 1)
    return `${y}年${mo}月${da}日 ${p(h)}:${p(mi)}:${p(s)}`
  return `${y}-${p(mo)}-${p(da)} ${p(h)}:${p(mi)}:${p(s)}`
}

/** An open file the rows are appended to, encoded in GBK a few thousand rows at a time. */
function gbkWriter(path: string) {
  const fd = openSync(path, 'w')
  let pending: string[] = []
  let pendingChars = 0
  let bytes = 0
  const flush = () => {
    const chunk = iconv.encode(pending.map(row => `${row}\r\n`).join(''), 'gbk')
    writeSync(fd, chunk)
    bytes += chunk.length
    pending = []
    pendingChars = 0
  }
  return {
    push: (row: string) => {
      pending.push(row)
      pendingChars += row.length + 2
      if (pending.length === 5000)
        flush()
    },
    /** Bytes written so far plus those pending (counted as characters until encoded). */
    bytes: () => bytes + pendingChars,
    close: () => {
      flush()
      closeSync(fd)
    },
  }
}

/** Writes the two GBK files, streamed (a 200 MB export is never held whole); returns their paths and what they hold. */
export function generateTaobaoExport(dir: string, size: ExportSize, seed = 42) {
  const rng = new Rng(seed)
  const ordersPath = join(dir, 'ExportOrderList.csv')
  const itemsPath = join(dir, 'ExportOrderDetailList.csv')
  const orderFile = gbkWriter(ordersPath)
  const itemFile = gbkWriter(itemsPath)
  orderFile.push(ORDER_HEADER)
  itemFile.push(ITEM_HEADER)
  // Buyer accounts are drawn from half as many as the orders: a size in MB uses the ~350 bytes an order takes.
  const expectedOrders = 'orders' in size ? size.orders : Math.ceil(size.megabytes * 1024 * 1024 / 350)
  const targetBytes = 'megabytes' in size ? size.megabytes * 1024 * 1024 : Number.POSITIVE_INFINITY
  const more = (i: number) => ('orders' in size ? i < size.orders : orderFile.bytes() + itemFile.bytes() < targetBytes)
  let itemLines = 0
  let orders = 0
  const start = Date.UTC(2025, 0, 1)
  for (let i = 0; more(i); i++) {
    const no = String(3_300_000_000_000_000_000n + BigInt(i))
    const lines = 1 + (below(rng, 10) < 3 ? below(rng, 3) : 0)
    let goods = 0
    for (let l = 0; l < lines; l++) {
      const sku = `BENCH-${String(below(rng, SKUS + 50)).padStart(5, '0')}`
      const qty = 1 + below(rng, 2)
      const price = (49 + below(rng, 500)) * 100
      goods += price * qty
      itemFile.push(`="${no}",商品${sku},${(price / 100).toFixed(2)},${qty},${sku},颜色分类:默认,,,交易成功,${sku}`)
      itemLines++
    }
    const roll = below(rng, 100)
    const status = roll < 80 ? '交易成功' : roll < 90 ? '卖家已发货，等待买家确认' : roll < 96 ? '交易关闭' : '买家已付款，等待卖家发货'
    const refund = status === '交易关闭' ? goods : 0
    const created = start + below(rng, 300 * 86400) * 1000
    const yuan = (goods / 100).toFixed(2)
    orderFile.push(`="${no}",tb_buyer_${below(rng, expectedOrders / 2)},b***@163.com,${yuan},0.00,0,${yuan},0,${yuan},0,${status},,张*,浙江省 杭州市 ***,快递,,1${3 + below(rng, 6)}${below(rng, 10)}****${String(below(rng, 10000)).padStart(4, '0')},${dateText(rng, created)},${dateText(rng, created + 60_000)},商品,${lines},="YT${i}",圆通速递,,${lines},1001,旗舰店,,0,0.00,,手机订单,${(refund / 100).toFixed(2)}`)
    orders++
  }
  orderFile.close()
  itemFile.close()
  return { ordersPath, itemsPath, orders, itemLines }
}

/** The process's RSS, sampled every 100 ms from a worker thread; `stop` returns the peak in bytes. */
function sampleRss() {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads')
    let peak = process.memoryUsage.rss()
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 100)
    parentPort.on('message', () => {
      clearInterval(timer)
      parentPort.postMessage(Math.max(peak, process.memoryUsage.rss()))
    })
  `, { eval: true })
  return {
    stop: async () => {
      const peak = new Promise<number>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
      worker.postMessage('stop')
      const bytes = await peak
      await worker.terminate()
      return bytes
    },
  }
}

/** One import as the job runs it: the uploaded copies of the files, an import record, processImport. */
async function importAsJob(database: Database, dir: string, file: { ordersPath: string, itemsPath: string }, onProgress: (f: number) => void): Promise<ImportReport> {
  const uploads = join(dir, 'uploads')
  mkdirSync(uploads, { recursive: true })
  const filePath = join(uploads, `${Date.now()}-orders.upload`)
  const itemsFilePath = join(uploads, `${Date.now()}-items.upload`)
  copyFileSync(file.ordersPath, filePath)
  copyFileSync(file.itemsPath, itemsFilePath)
  const importId = await createImportRecord(database, { platform: 'taobao', fileName: 'ExportOrderList.csv', filePath, itemsFileName: 'ExportOrderDetailList.csv', itemsFilePath, createdBy: 'bench', now: Date.now() })
  await processImport(database, importId, Date.now, onProgress)
  const [record] = await database.db.select().from(orderImports).where(eq(orderImports.id, importId))
  if (record?.status !== 'succeeded' || !record.report)
    throw new Error(`import ${record?.status ?? 'missing'}: ${record?.refusal?.reason ?? ''}`)
  return record.report
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10

export async function benchImport(size: ExportSize, log: (line: string) => void): Promise<ImportBench> {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-bench-import-'))
  try {
    log(`generating a Taobao GBK export of ${'orders' in size ? `${size.orders.toLocaleString()} orders` : `about ${size.megabytes} MB`} …`)
    const file = generateTaobaoExport(dir, size)
    const fileBytes = statSync(file.ordersPath).size + statSync(file.itemsPath).size
    log(`  ${file.orders.toLocaleString()} orders, ${file.itemLines.toLocaleString()} item lines, ${mb(fileBytes)} MB`)
    const { port: database } = await connectDatabase({ databaseUrl: '', databasePath: join(dir, 'bench.db') })
    try {
      for (let from = 0; from < SKUS; from += 400) {
        await database.db.insert(products).values(Array.from({ length: Math.min(400, SKUS - from) }, (_, i) => {
          const skuId = `BENCH-${String(from + i).padStart(5, '0')}`
          return { skuId, spuId: skuId, name: skuId, categoryPath: '服装/上衣', category: '上衣', price: 9900, imageUrl: 'https://img.example/x.png', linkUrl: 'https://shop.example/x', launchedAt: 0 }
        }))
      }
      let shown = -1
      const onProgress = (f: number) => {
        const pct = Math.floor(f * 10) * 10
        if (pct !== shown) {
          shown = pct
          log(`  import ${pct}%`)
        }
      }
      const rssBefore = process.memoryUsage.rss()
      const sampler = sampleRss()
      const started = performance.now()
      const first = await importAsJob(database, dir, file, onProgress)
      const seconds = (performance.now() - started) / 1000
      const peakRss = await sampler.stop()
      if (first.orders !== file.orders || first.itemLines !== file.itemLines || first.rejected.length > 0)
        throw new Error(`import read ${first.orders} orders / ${first.itemLines} lines (${first.rejected.length} rejected), generated ${file.orders} / ${file.itemLines}`)
      log('second run of the same files …')
      const again = performance.now()
      const second = await importAsJob(database, dir, file, () => {})
      return {
        orders: first.orders,
        itemLines: first.itemLines,
        seconds: Math.round(seconds * 10) / 10,
        secondRunSeconds: Math.round((performance.now() - again) / 100) / 10,
        secondRunAdded: second.imported + second.updated,
        fileMb: mb(fileBytes),
        rssBeforeMb: mb(rssBefore),
        peakRssMb: mb(peakRss),
      }
    }
    finally {
      await database.close()
    }
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
