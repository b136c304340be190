// The export formats we read: header names per platform (found in public code that reads these exports;
// sources in server/src/imports/README.md), how amounts are laid out, and what each status text means.
import type { Platform } from '@scrm/shared'

/** What a column holds, whatever the platform calls it. */
export type Field
  = | 'orderNo' | 'subOrderNo' | 'buyerId' | 'unionid' | 'phone' | 'receiverName'
    | 'status' | 'afterSale' | 'total' | 'paid' | 'refunded' | 'lineRefunded' | 'paidAt' | 'createdAt'
    | 'outerId' | 'productId' | 'title' | 'quantity' | 'unitPrice' | 'lineAmount' | 'storeCode'

/**
 * Where the order's money is:
 * - `order-row`: one row per order (Taobao 订单报表), items in a separate file;
 * - `order-repeated`: one row per item, order amounts repeated on each (must agree, counted once);
 * - `line-sum`: one row per item with its own paid amount; the order's is their sum.
 */
export type AmountLayout = 'order-row' | 'order-repeated' | 'line-sum'

export type ImportedStatus = 'paid' | 'shipped' | 'completed' | 'refunded' | 'cancelled'
/** A status text read: ours, `closed` (refunded if money went back, else cancelled), `unpaid` (not imported). */
export type StatusReading = ImportedStatus | 'closed' | 'unpaid'

export interface ExportFormat {
  platform: Platform
  /** Chinese name used in reasons. */
  label: string
  columns: Partial<Record<Field, readonly string[]>>
  required: readonly Field[]
  /** Headers only this platform's export has: detection scores on them. */
  signature: readonly string[]
  layout: AmountLayout
  statuses: readonly (readonly [RegExp, StatusReading])[]
}

export interface ItemsFormat {
  label: string
  columns: Partial<Record<Field, readonly string[]>>
  required: readonly Field[]
}

export const FORMATS: readonly ExportFormat[] = [
  {
    platform: 'taobao',
    label: '淘宝/天猫（千牛订单报表）',
    columns: {
      orderNo: ['订单编号'],
      buyerId: ['买家会员名'],
      total: ['总金额'],
      paid: ['买家实际支付金额'],
      refunded: ['退款金额'],
      status: ['订单状态'],
      receiverName: ['收货人姓名'],
      phone: ['联系手机'],
      createdAt: ['订单创建时间'],
      paidAt: ['订单付款时间'],
    },
    required: ['orderNo', 'buyerId', 'paid', 'status', 'createdAt'],
    signature: ['买家会员名', '买家实际支付金额', '买家应付货款', '宝贝标题', '买家支付宝账号'],
    layout: 'order-row',
    statuses: [
      [/等待买家付款/, 'unpaid'],
      [/等待卖家发货|买家已付款/, 'paid'],
      [/卖家已发货|等待买家确认/, 'shipped'],
      [/交易成功/, 'completed'],
      [/交易关闭/, 'closed'],
    ],
  },
  {
    platform: 'jd',
    label: '京东（商家后台订单导出）',
    columns: {
      orderNo: ['订单号'],
      productId: ['商品ID'],
      outerId: ['货号'],
      title: ['商品名称'],
      quantity: ['订购数量'],
      unitPrice: ['京东价'],
      total: ['订单金额'],
      paid: ['应付金额'],
      status: ['订单状态'],
      buyerId: ['下单帐号', '下单账号'],
      receiverName: ['客户姓名'],
      phone: ['联系电话'],
      createdAt: ['下单时间'],
      paidAt: ['付款确认时间'],
    },
    required: ['orderNo', 'productId', 'quantity', 'paid', 'status', 'createdAt'],
    signature: ['订购数量', '京东价', '下单帐号', '结算金额', '余额支付'],
    layout: 'order-repeated',
    statuses: [
      [/等待付款/, 'unpaid'],
      [/等待出库|等待发货|暂停|锁定/, 'paid'],
      [/等待确认收货|配送/, 'shipped'],
      [/完成/, 'completed'],
      [/取消|关闭/, 'closed'],
    ],
  },
  {
    platform: 'douyin',
    label: '抖店（订单导出）',
    columns: {
      orderNo: ['主订单编号'],
      subOrderNo: ['子订单编号'],
      title: ['选购商品', '商品名称'],
      productId: ['商品ID'],
      outerId: ['商家编码'],
      quantity: ['商品数量'],
      unitPrice: ['商品单价', '商品金额'],
      lineAmount: ['订单应付金额'],
      status: ['订单状态'],
      afterSale: ['售后状态'],
      receiverName: ['收件人'],
      phone: ['收件人手机号'],
      createdAt: ['订单提交时间'],
      paidAt: ['支付完成时间'],
    },
    required: ['orderNo', 'subOrderNo', 'quantity', 'lineAmount', 'status', 'createdAt'],
    signature: ['主订单编号', '子订单编号', '选购商品', '订单应付金额', '售后状态'],
    layout: 'line-sum',
    statuses: [
      [/待支付|待付款/, 'unpaid'],
      [/备货中|待发货|已支付/, 'paid'],
      [/已发货/, 'shipped'],
      [/已完成/, 'completed'],
      [/已关闭|已取消/, 'closed'],
    ],
  },
  {
    platform: 'youzan',
    label: '有赞（订单导出·商品维度）',
    columns: {
      orderNo: ['订单号'],
      title: ['商品名称'],
      outerId: ['规格编码'],
      productId: ['商品编码'],
      quantity: ['商品数量'],
      unitPrice: ['商品单价'],
      lineAmount: ['商品实际成交金额'],
      lineRefunded: ['商品已退款金额'],
      status: ['订单商品状态', '订单状态'],
      phone: ['买家手机号', '收货人手机号/提货人手机号'],
      receiverName: ['收货人/提货人'],
      paidAt: ['买家付款时间'],
      createdAt: ['下单时间', '订单创建时间', '买家付款时间'],
    },
    required: ['orderNo', 'title', 'quantity', 'lineAmount', 'status', 'createdAt'],
    signature: ['商品实际成交金额', '收货人/提货人', '商品已退款金额', '规格编码', '商品退款状态'],
    layout: 'line-sum',
    statuses: [
      [/待付款/, 'unpaid'],
      [/待发货|已付款|待成团/, 'paid'],
      [/已发货/, 'shipped'],
      [/交易成功|已完成/, 'completed'],
      [/退款成功|交易关闭|已关闭/, 'closed'],
    ],
  },
  {
    platform: 'miniprogram',
    label: '微信小店/小程序商城（订单导出）',
    columns: {
      orderNo: ['订单号', '订单ID'],
      unionid: ['unionid', 'UnionID'],
      buyerId: ['openid', 'OpenID'],
      outerId: ['SKU编码', '商品编码'],
      productId: ['SKU ID', '商品ID'],
      title: ['商品名称'],
      quantity: ['商品数量'],
      unitPrice: ['商品单价'],
      paid: ['订单实付金额'],
      refunded: ['退款金额'],
      status: ['订单状态'],
      receiverName: ['收件人'],
      phone: ['收件人手机号'],
      createdAt: ['下单时间'],
      paidAt: ['支付时间'],
    },
    required: ['orderNo', 'quantity', 'paid', 'status', 'createdAt'],
    signature: ['unionid', 'openid', 'SKU编码', '订单实付金额'],
    layout: 'order-repeated',
    statuses: [
      // Codes of the Channels shop order API (order/get: status), and their texts.
      [/^10$|待付款/, 'unpaid'],
      [/^2[01]$|待发货|部分发货/, 'paid'],
      [/^30$|待收货/, 'shipped'],
      [/^100$|已完成|完成/, 'completed'],
      [/^200$|售后/, 'refunded'],
      [/^250$|取消/, 'cancelled'],
    ],
  },
  {
    platform: 'pos',
    label: '门店收银（通用模板）',
    columns: {
      orderNo: ['订单号'],
      storeCode: ['门店编码'],
      paidAt: ['付款时间'],
      createdAt: ['付款时间'],
      status: ['订单状态'],
      outerId: ['商品编码'],
      title: ['商品名称'],
      quantity: ['数量'],
      unitPrice: ['单价'],
      lineAmount: ['行金额'],
      paid: ['实付金额'],
      refunded: ['退款金额'],
      phone: ['会员手机号'],
      unionid: ['会员unionid'],
      receiverName: ['会员姓名'],
    },
    required: ['orderNo', 'storeCode', 'paidAt', 'status', 'outerId', 'quantity', 'unitPrice', 'paid'],
    signature: ['门店编码', '行金额', '会员手机号', '实付金额'],
    layout: 'order-repeated',
    statuses: [
      [/^(?:已付款|paid)$/i, 'paid'],
      [/^(?:已完成|completed)$/i, 'completed'],
      [/^(?:已退款|refunded)$/i, 'refunded'],
      [/^(?:已取消|cancelled)$/i, 'cancelled'],
    ],
  },
]

/** Taobao's item-detail file (宝贝报表), joined to the order report by 订单编号. */
export const TAOBAO_ITEMS: ItemsFormat = {
  label: '淘宝宝贝报表',
  columns: {
    orderNo: ['订单编号'],
    title: ['标题', '宝贝标题'],
    unitPrice: ['价格'],
    quantity: ['购买数量'],
    outerId: ['商家编码', '外部系统编号'],
    productId: ['外部系统编号'],
    status: ['订单状态'],
  },
  required: ['orderNo', 'title', 'unitPrice', 'quantity'],
}

export const formatOf = (platform: Platform): ExportFormat => FORMATS.find(f => f.platform === platform)!

/** The index of each field's column in this header (first alias present wins). */
export function columnIndexes(header: readonly string[], columns: ExportFormat['columns']): Partial<Record<Field, number>> {
  const result: Partial<Record<Field, number>> = {}
  for (const [field, aliases] of Object.entries(columns) as [Field, readonly string[]][]) {
    for (const alias of aliases) {
      const i = header.findIndex(h => h.toLowerCase() === alias.toLowerCase())
      if (i >= 0) {
        result[field] = i
        break
      }
    }
  }
  return result
}

/** Header names a format needs but this header lacks. */
export function missingColumns(header: readonly string[], format: Pick<ExportFormat, 'columns' | 'required'>): string[] {
  const found = columnIndexes(header, format.columns)
  return format.required.filter(f => found[f] === undefined).map(f => format.columns[f]![0]!)
}

export interface Detection {
  format: ExportFormat | null
  /** Best candidate when nothing fits, to say what the file resembles. */
  closest: ExportFormat
  missing: string[]
}

/** The format whose required columns are all present and whose signature headers match most. */
export function detectFormat(header: readonly string[]): Detection {
  const lower = new Set(header.map(h => h.toLowerCase()))
  const scored = FORMATS.map(format => ({
    format,
    missing: missingColumns(header, format),
    score: format.signature.filter(s => lower.has(s.toLowerCase())).length,
  })).sort((a, b) => (a.missing.length - b.missing.length) || (b.score - a.score))
  const best = scored[0]!
  return { format: best.missing.length === 0 ? best.format : null, closest: best.format, missing: best.missing }
}
