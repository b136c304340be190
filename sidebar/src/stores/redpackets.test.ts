import type { ApiError, CreateRedPacketRequest, MemberContext, MemberRedPackets, RedPacketRecord } from '@scrm/shared'
import { AxiosError, AxiosHeaders } from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { i18n } from '../modules/i18n'
import { useMemberStore } from './member'
import { parseYuan, refusalText, useRedPacketsStore } from './redpackets'
import { useSendsStore } from './sends'
import { useToastStore } from './toast'

const api = vi.hoisted(() => ({ createRedPacket: vi.fn(), getMemberRedPackets: vi.fn(), getRedPacket: vi.fn() }))
vi.mock('../api/redpackets', () => api)

const sheet: MemberRedPackets = {
  minFen: 100,
  maxFen: 20_000,
  presetsFen: [188, 520],
  reasons: [{ code: 'thanks', label: '感谢支持', labelEn: 'Thanks' }],
  defaultWishing: '感谢支持',
  allowance: { dayCount: 20, dayFen: 20_000, dayCountLeft: 20, dayFenLeft: 20_000 },
  packets: [],
}

function record(req: CreateRedPacketRequest, over: Partial<RedPacketRecord> = {}): RedPacketRecord {
  return { id: 9, mchBillno: '1900000109202612010000000009', memberId: req.memberId, orderId: req.orderId ?? null, guideUserid: 'g1', storeId: 'S1', amountFen: req.amountFen, reasonCode: req.reasonCode, wishing: req.wishing, status: 'sent', createdAt: 1, sentAt: 2, receivedAt: null, refundedAt: null, failedAt: null, lastError: null, ...over }
}

const serverError = (status: number, message: string, refusal?: Pick<ApiError, 'reason' | 'params'>) => new AxiosError(message, 'ERR_BAD_RESPONSE', undefined, undefined, { status, data: { statusCode: status, error: 'Red Packet Limit', message, ...refusal }, statusText: '', headers: {}, config: { headers: new AxiosHeaders() } })

let createdPackets: RedPacketRecord[] = []

describe('red packets store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useMemberStore().context = { member: { id: 42, name: '王女士', externalUserid: 'wm-42' } } as unknown as MemberContext
    // As the server: the sheet lists what was created.
    const created: RedPacketRecord[] = []
    api.getMemberRedPackets.mockReset().mockImplementation(async () => ({ ...sheet, packets: [...created] }))
    api.createRedPacket.mockReset()
    createdPackets = created
    api.getRedPacket.mockReset()
  })

  it('parses yuan to whole fen and refuses more than two decimals', () => {
    expect(parseYuan('1.88')).toBe(188)
    expect(parseYuan('5.2')).toBe(520)
    expect(parseYuan('8')).toBe(800)
    expect(parseYuan('1.885')).toBeNull()
    expect(parseYuan('-1')).toBeNull()
    expect(parseYuan('abc')).toBeNull()
  })

  it('retries a lost answer with the same key, then tells the customer in the chat', async () => {
    const store = useRedPacketsStore()
    const sendChat = vi.spyOn(useSendsStore(), 'send').mockResolvedValue('sent')
    await store.load(42)
    store.open(42, { id: 5, orderNo: 'TB1' })
    api.createRedPacket.mockRejectedValueOnce(new AxiosError('Network Error', 'ERR_NETWORK')).mockImplementation(async (req: CreateRedPacketRequest) => {
      createdPackets.push(record(req))
      return record(req)
    })
    const paid = await store.pay({ amountFen: 188, reasonCode: 'thanks', wishing: '谢谢' })
    expect(paid?.status).toBe('sent')
    const keys = api.createRedPacket.mock.calls.map(([req]) => (req as CreateRedPacketRequest).idempotencyKey)
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(keys[1])
    expect(api.createRedPacket.mock.calls[0]![0]).toMatchObject({ memberId: 42, orderId: 5, amountFen: 188 })
    expect(sendChat).toHaveBeenCalledWith({ memberId: 42, message: { msgtype: 'text', text: { content: '王女士您好,送您一个 ¥1.88 的红包,请留意微信通知领取~' } } })
    expect(store.packetsForOrder(5).map(p => p.id)).toEqual([9])
    expect(store.dialog).toBeNull()
  })

  it('shows the server\'s refusal (the limit, with its numbers) and sends nothing into the chat', async () => {
    const store = useRedPacketsStore()
    const sendChat = vi.spyOn(useSendsStore(), 'send')
    await store.load(42)
    store.open(42)
    api.createRedPacket.mockRejectedValue(serverError(422, '超出导购每日红包金额上限:今日已用 ¥200.00,上限 ¥200.00', { reason: 'guide_day_amount', params: { usedFen: 20_000, limitFen: 20_000, amountFen: 188 } }))
    expect(await store.pay({ amountFen: 188, reasonCode: 'thanks', wishing: '谢谢' })).toBeNull()
    expect(store.error).toBe('超出导购每日红包金额上限:今日已用 ¥200.00,上限 ¥200.00')
    expect(store.dialog).not.toBeNull()
    expect(sendChat).not.toHaveBeenCalled()
  })

  it('words refusals in the guide\'s language from the reason code; other errors keep the server\'s sentence', () => {
    const overBudget = serverError(422, '超出门店本月红包预算:已用 ¥99.00,预算 ¥100.00', { reason: 'store_month_budget', params: { usedFen: 9_900, limitFen: 10_000, amountFen: 188 } })
    const tooMany = serverError(422, '该客户今日已收 1 个红包,达到每位客户每日 1 个的上限', { reason: 'member_day_count', params: { usedCount: 1, limitCount: 1 } })
    i18n.global.locale.value = 'en'
    try {
      expect(refusalText(overBudget)).toBe('Over the store\'s red-packet budget for this month: ¥99.00 used, budget ¥100.00')
      expect(refusalText(tooMany)).toBe('Limit reached: this customer has received 1 red packet(s) today, at most 1 a day')
      expect(refusalText(serverError(403, '只有导购可以发红包', { reason: 'not_a_guide' }))).toBe('Only guides can send red packets')
      expect(refusalText(serverError(404, 'member not found among the customers you serve'))).toBe('member not found among the customers you serve')
    }
    finally {
      i18n.global.locale.value = 'zh-CN'
    }
    expect(refusalText(overBudget)).toBe('超出门店本月红包预算:已用 ¥99.00,预算 ¥100.00')
    expect(refusalText(serverError(400, 'memberId: 该客户尚未添加企业微信,无法发红包'))).toBe('该客户尚未添加企业微信,无法发红包')
  })

  it('an uncertain packet is 处理中, not sent: no chat message until the server says sent', async () => {
    vi.useFakeTimers()
    try {
      const store = useRedPacketsStore()
      const sendChat = vi.spyOn(useSendsStore(), 'send').mockResolvedValue('sent')
      await store.load(42)
      store.open(42)
      api.createRedPacket.mockImplementation(async (req: CreateRedPacketRequest) => record(req, { status: 'sending', sentAt: null }))
      api.getRedPacket.mockImplementation(async () => record({ idempotencyKey: 'x'.repeat(8), memberId: 42, amountFen: 188, reasonCode: 'thanks', wishing: '谢谢' }))
      await store.pay({ amountFen: 188, reasonCode: 'thanks', wishing: '谢谢' })
      expect(useToastStore().toasts.at(-1)?.text).toMatch(/尚未确认/)
      expect(sendChat).not.toHaveBeenCalled()
      await vi.advanceTimersByTimeAsync(5_000)
      expect(sendChat).toHaveBeenCalledTimes(1)
      expect(store.sheet?.packets[0]?.status).toBe('sent')
    }
    finally {
      vi.useRealTimers()
    }
  })
})
