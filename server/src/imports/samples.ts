// Sample export files for the demo, one per platform, in each platform's layout and encoding, with new
// orders of members the database already knows — found by the keys that platform's export carries (buyer
// account, unionid, masked phone + name) — and catalog SKUs plus one code the catalog lacks. An admin
// imports them in the console and sees the orders on those members in the sidebar.
// `pnpm --filter @scrm/server import:samples --out DIR` (on DATABASE_PATH / DATABASE_URL).
import type { Platform } from '@scrm/shared'
import type { Database } from '../db/port.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { and, asc, eq, isNotNull } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { memberIdentities, members, products, stores } from '../db/schema.ts'
import { shanghaiTime } from '../lib/china-time.ts'

export interface SampleOrder {
  platform: Platform
  orderNo: string
  memberId: number
  paidFen: number
}

export interface SampleFiles {
  dir: string
  /** File name(s) per platform: Taobao has its order report and item file. */
  files: Record<Platform, string[]>
  orders: SampleOrder[]
}

const BOM = '\uFEFF'
const p2 = (n: number) => String(n).padStart(2, '0')

const yuan = (fen: number) => (fen / 100).toFixed(2)

interface Buyer { memberId: number, name: string, buyerId?: string, unionid?: string, phoneMasked?: string }

/** Members with the key a platform's export carries, the first `count` by id. */
async function buyersFor(database: Database, platform: Platform, count: number): Promise<Buyer[]> {
  const { db } = database
  if (platform === 'taobao' || platform === 'jd') {
    return db.select({ memberId: members.id, name: members.name, buyerId: memberIdentities.buyerId }).from(memberIdentities).innerJoin(members, eq(members.id, memberIdentities.memberId)).where(eq(memberIdentities.platform, platform)).orderBy(asc(members.id)).limit(count)
  }
  if (platform === 'miniprogram' || platform === 'pos') {
    const rows = await db.select({ memberId: members.id, name: members.name, unionid: members.unionid }).from(members).where(isNotNull(members.unionid)).orderBy(asc(members.id)).limit(count)
    return rows.map(r => ({ ...r, unionid: r.unionid! }))
  }
  const rows = await db.select({ memberId: members.id, name: members.name, phoneMasked: members.phoneMasked }).from(members).where(and(isNotNull(members.phoneMasked), isNotNull(members.externalUserid))).orderBy(asc(members.id)).limit(count)
  return rows.map(r => ({ ...r, phoneMasked: r.phoneMasked! }))
}

/** Writes the sample files into `dir`; `now` dates the orders (the last few days). */
export async function writeImportSamples(database: Database, dir: string, now: number): Promise<SampleFiles> {
  mkdirSync(dir, { recursive: true })
  const catalog = await database.db.select({ skuId: products.skuId, name: products.name, price: products.price }).from(products).orderBy(asc(products.skuId)).limit(40)
  const [store] = await database.db.select({ id: stores.id }).from(stores).orderBy(asc(stores.id)).limit(1)
  if (catalog.length < 4 || !store)
    throw new Error('the database has no catalog or stores: seed the demo first')
  const orders: SampleOrder[] = []
  const files = {} as Record<Platform, string[]>
  let seq = 0
  /** Two lines per order: catalog SKUs, and for the first order an item code the catalog does not have. */
  const linesOf = (i: number) => [catalog[(i * 3) % catalog.length]!, i === 0 ? { skuId: 'NOT-IN-CATALOG-1', name: '旧款赠品', price: 1900 } : catalog[(i * 3 + 1) % catalog.length]!]
  const stamp = (i: number) => now - (i + 1) * 86_400_000 - 3_600_000
  const record = (platform: Platform, orderNo: string, buyer: Buyer, paidFen: number) => orders.push({ platform, orderNo, memberId: buyer.memberId, paidFen })

  // Taobao: order report (one row per order) + item file, GBK, ids as ="…".
  const tb = await buyersFor(database, 'taobao', 3)
  const tbOrders = ['订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,退款金额']
  const tbItems = ['订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码']
  tb.forEach((buyer, i) => {
    const no = `99${String(now).slice(-9)}${p2(++seq)}0000`
    const lines = linesOf(i)
    const paid = lines.reduce((s, l) => s + l.price, 0)
    tbOrders.push(`="${no}",${buyer.buyerId},***,${yuan(paid)},0.00,0,${yuan(paid)},0,${yuan(paid)},0,交易成功,,${buyer.name.slice(0, 1)}*,***,快递,,,${shanghaiTime(stamp(i))},${shanghaiTime(stamp(i) + 60_000)},${lines[0]!.name},2,,,,2,1001,旗舰店,,0,0.00,,手机订单,0.00`)
    for (const l of lines) tbItems.push(`="${no}",${l.name},${yuan(l.price)},1,${l.skuId},颜色分类:默认,,,交易成功,${l.skuId}`)
    record('taobao', no, buyer, paid)
  })
  writeFileSync(join(dir, 'taobao-订单报表.csv'), iconv.encode(`${tbOrders.join('\r\n')}\r\n`, 'gbk'))
  writeFileSync(join(dir, 'taobao-宝贝报表.csv'), iconv.encode(`${tbItems.join('\r\n')}\r\n`, 'gbk'))
  files.taobao = ['taobao-订单报表.csv', 'taobao-宝贝报表.csv']

  // JD: one row per item, order amounts repeated, UTF-8 with BOM.
  const jd = await buyersFor(database, 'jd', 3)
  const jdRows = ['订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付,应付金额,订单状态,订单类型,下单帐号,客户姓名,客户地址,联系电话,订单备注,付款确认时间,货号']
  jd.forEach((buyer, i) => {
    const no = `3${String(now).slice(-8)}${p2(++seq)}`
    const lines = linesOf(i)
    const paid = lines.reduce((s, l) => s + l.price, 0)
    for (const l of lines) jdRows.push(`${no},1000${seq}${p2(lines.indexOf(l))},${l.name},1,在线支付,${shanghaiTime(stamp(i))},${yuan(l.price)},${yuan(paid)},${yuan(paid)},0.00,${yuan(paid)},完成,SOP,${buyer.buyerId},${buyer.name.slice(0, 1)}*,***,1******0000,,${shanghaiTime(stamp(i) + 30_000)},${l.skuId}`)
    record('jd', no, buyer, paid)
  })
  writeFileSync(join(dir, 'jd-订单.csv'), `${BOM}${jdRows.join('\n')}\n`)
  files.jd = ['jd-订单.csv']

  // Douyin: one row per sub-order, UTF-8; buyers known by masked phone + name.
  const dy = await buyersFor(database, 'douyin', 3)
  const dyRows = ['主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商家编码,商品单价,订单应付金额,收件人,收件人手机号,订单提交时间,支付完成时间,订单状态,售后状态']
  dy.forEach((buyer, i) => {
    const no = `69${String(now).slice(-9)}${p2(++seq)}`
    const lines = linesOf(i)
    lines.forEach((l, j) => dyRows.push(`${no}\t,${no}${j}\t,${l.name},默认,1,35${seq}${j},${l.skuId},${yuan(l.price)},${yuan(l.price)},${buyer.name},${buyer.phoneMasked},${shanghaiTime(stamp(i))},${shanghaiTime(stamp(i) + 20_000)},已完成,`))
    record('douyin', no, buyer, lines.reduce((s, l) => s + l.price, 0))
  })
  writeFileSync(join(dir, 'douyin-订单.csv'), `${dyRows.join('\n')}\n`)
  files.douyin = ['douyin-订单.csv']

  // Youzan: XLSX, item rows; masked phone + name.
  const yz = await buyersFor(database, 'youzan', 3)
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('订单明细')
  sheet.addRow(['订单号', '订单商品状态', '商品名称', '规格编码', '商品编码', '商品单价', '商品数量', '商品实际成交金额', '买家手机号', '买家付款时间', '收货人/提货人', '商品退款状态', '商品已退款金额'])
  yz.forEach((buyer, i) => {
    const no = `E${String(now).slice(-12)}${p2(++seq)}`
    const lines = linesOf(i)
    for (const l of lines) sheet.addRow([no, '交易成功', l.name, l.skuId, l.skuId, l.price / 100, 1, l.price / 100, buyer.phoneMasked, shanghaiTime(stamp(i)), buyer.name, '', 0])
    record('youzan', no, buyer, lines.reduce((s, l) => s + l.price, 0))
  })
  await book.xlsx.writeFile(join(dir, 'youzan-订单.xlsx'))
  files.youzan = ['youzan-订单.xlsx']

  // WeChat shop: GB18030, unionid.
  const mp = await buyersFor(database, 'miniprogram', 3)
  const mpRows = ['订单号,下单时间,支付时间,订单状态,商品ID,SKU ID,SKU编码,商品名称,商品数量,商品单价,订单实付金额,退款金额,openid,unionid']
  mp.forEach((buyer, i) => {
    const no = `37${String(now).slice(-9)}${p2(++seq)}`
    const lines = linesOf(i)
    const paid = lines.reduce((s, l) => s + l.price, 0)
    for (const l of lines) mpRows.push(`${no},${shanghaiTime(stamp(i))},${shanghaiTime(stamp(i) + 5000)},100,1${seq},2${seq},${l.skuId},${l.name},1,${yuan(l.price)},${yuan(paid)},0.00,,${buyer.unionid}`)
    record('miniprogram', no, buyer, paid)
  })
  writeFileSync(join(dir, 'miniprogram-订单.csv'), iconv.encode(`${mpRows.join('\r\n')}\r\n`, 'gb18030'))
  files.miniprogram = ['miniprogram-订单.csv']

  // Store tills: our template, UTF-8 with BOM.
  const pos = await buyersFor(database, 'pos', 3)
  const posRows = ['订单号,门店编码,付款时间,订单状态,商品编码,商品名称,数量,单价,行金额,实付金额,退款金额,会员手机号,会员unionid,会员姓名']
  pos.forEach((buyer, i) => {
    const no = `POS-${String(now).slice(-8)}-${p2(++seq)}`
    const lines = linesOf(i)
    const paid = lines.reduce((s, l) => s + l.price, 0)
    for (const l of lines) posRows.push(`${no},${store.id},${shanghaiTime(stamp(i))},已完成,${l.skuId},${l.name},1,${yuan(l.price)},${yuan(l.price)},${yuan(paid)},0.00,,${buyer.unionid},${buyer.name}`)
    record('pos', no, buyer, paid)
  })
  writeFileSync(join(dir, 'pos-门店收银.csv'), `${BOM}${posRows.join('\r\n')}\r\n`)
  files.pos = ['pos-门店收银.csv']

  return { dir, files, orders }
}
