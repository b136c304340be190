import type { CreateSendRequest, MemberContext, MemberSendsToday, SendRecord } from '@scrm/shared'
import { AxiosError } from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useMemberStore } from './member'
import { OUTBOX_DELAYS_MS, OUTBOX_STORAGE_KEY, RETRY_DELAYS_MS, useSendsStore } from './sends'
import { useToastStore } from './toast'
import { useWecomStore } from './wecom'

const api = vi.hoisted(() => ({
  createSend: vi.fn(),
  completeSend: vi.fn(),
  getMemberSendsToday: vi.fn(),
}))
const ww = vi.hoisted(() => ({ sendChatMessage: vi.fn(), getCurExternalContact: vi.fn() }))
const calls: string[] = []

vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  createSend: api.createSend,
  completeSend: api.completeSend,
  getMemberSendsToday: api.getMemberSendsToday,
}))
vi.mock('../wecom/sdk', () => ({ loadWw: async () => ww, hasBridge: () => true }))

function record(req: CreateSendRequest, over: Partial<SendRecord> = {}): SendRecord {
  return { id: 7, idempotencyKey: req.idempotencyKey, memberId: req.memberId, guideUserid: 'g1', kind: req.message.msgtype, status: 'pending', errMsg: null, createdAt: 1, completedAt: null, ...over }
}

const intent = { memberId: 42, message: { msgtype: 'text' as const, text: { content: '您好' } }, replyId: 3 }
const networkError = () => new AxiosError('Network Error', 'ERR_NETWORK')
const lastToast = () => useToastStore().toasts.at(-1)

/** The panel shows member 42, whose chat (wm-42) is open. */
function showMember(): void {
  // Only `member` is read by the sends store; the rest of the context is irrelevant here.
  useMemberStore().context = { member: { id: 42, externalUserid: 'wm-42' } } as unknown as MemberContext
}

describe('sends store', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    showMember()
    calls.length = 0
    api.createSend.mockReset().mockImplementation(async (req: CreateSendRequest) => {
      calls.push('create')
      return record(req)
    })
    api.completeSend.mockReset().mockImplementation(async (id: number, body: { status: SendRecord['status'] }) => {
      calls.push(`complete:${body.status}`)
      return { ...record({ idempotencyKey: 'k'.repeat(8), ...intent }), id, status: body.status }
    })
    api.getMemberSendsToday.mockReset().mockResolvedValue({ since: 0, sends: [] } satisfies MemberSendsToday)
    ww.getCurExternalContact.mockReset().mockImplementation(async () => {
      calls.push('contact')
      return { userId: 'wm-42', errMsg: 'getCurExternalContact:ok' }
    })
    ww.sendChatMessage.mockReset().mockImplementation(async () => {
      calls.push('sdk')
      return { errMsg: 'sendChatMessage:ok', errCode: 0 }
    })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('creates the row, re-checks the open chat, sends, then completes with sent', async () => {
    const sends = useSendsStore()
    expect(await sends.send(intent)).toBe('sent')
    expect(calls).toEqual(['create', 'contact', 'sdk', 'complete:sent'])
    const req = api.createSend.mock.calls[0]![0] as CreateSendRequest
    expect(req).toMatchObject({ memberId: 42, replyId: 3, message: intent.message })
    expect(req.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
    expect(ww.sendChatMessage).toHaveBeenCalledWith(intent.message)
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect(lastToast()?.text).toBe('已发送')
  })

  it('completes with cancelled when the SDK rejects with :cancel', async () => {
    ww.sendChatMessage.mockRejectedValue({ errMsg: 'sendChatMessage:cancel', errCode: -1 })
    expect(await useSendsStore().send(intent)).toBe('cancelled')
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'cancelled', errMsg: 'sendChatMessage:cancel' })
    expect(lastToast()?.text).toBe('已取消')
  })

  it('completes with failed and shows what to do in Chinese, keeping the raw errMsg as detail', async () => {
    ww.sendChatMessage.mockRejectedValue({ errMsg: 'sendChatMessage:fail no permission', errCode: -1 })
    expect(await useSendsStore().send(intent)).toBe('failed')
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'failed', errMsg: 'sendChatMessage:fail no permission' })
    expect(lastToast()?.text).toBe('发送失败：企业微信未授权此功能，请联系管理员在企业微信后台开通')
    expect(lastToast()?.text).not.toContain('sendChatMessage')
    expect(lastToast()?.error?.detail).toBe('sendChatMessage:fail no permission')
  })

  it('refuses when the open chat is no longer the member on screen: cancels the row with a reason and reloads the contact', async () => {
    ww.getCurExternalContact.mockResolvedValue({ userId: 'wm-99', errMsg: 'getCurExternalContact:ok' })
    const refresh = vi.spyOn(useWecomStore(), 'refreshContact').mockResolvedValue()
    expect(await useSendsStore().send(intent)).toBe('wrong-recipient')
    expect(ww.sendChatMessage).not.toHaveBeenCalled()
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'cancelled', errMsg: expect.stringMatching(/recipient changed.*wm-42.*wm-99/) })
    expect(lastToast()).toMatchObject({ kind: 'error', text: expect.stringContaining('当前聊天已切换到其他客户') })
    expect(refresh).toHaveBeenCalled()
  })

  it('refuses when the open chat cannot be read or the member on screen is another one', async () => {
    vi.spyOn(useWecomStore(), 'refreshContact').mockResolvedValue()
    ww.getCurExternalContact.mockRejectedValueOnce({ errMsg: 'getCurExternalContact:fail no external contact' })
    expect(await useSendsStore().send(intent)).toBe('wrong-recipient')
    expect(await useSendsStore().send({ ...intent, memberId: 43 })).toBe('wrong-recipient')
    expect(ww.sendChatMessage).not.toHaveBeenCalled()
  })

  it('locks an item while its send is in flight, across buttons of the same item', async () => {
    let release!: () => void
    ww.sendChatMessage.mockImplementation(() => new Promise((resolve) => {
      release = () => resolve({ errMsg: 'sendChatMessage:ok', errCode: 0 })
    }))
    const sends = useSendsStore()
    const card = { memberId: 42, skuId: 'SKU1', message: { msgtype: 'news' as const, news: { link: 'https://x.example/1', title: 'a', desc: '', imgUrl: 'https://x.example/1.jpg' } } }
    const first = sends.send(card)
    await vi.waitFor(() => expect(ww.sendChatMessage).toHaveBeenCalled())
    expect(sends.isSending(card)).toBe(true)
    // The same SKU from the order list is the same item.
    expect(await sends.send({ ...card, message: { ...card.message, news: { ...card.message.news, desc: '¥1' } } })).toBe('busy')
    release()
    expect(await first).toBe('sent')
    expect(sends.isSending(card)).toBe(false)
    expect(api.createSend).toHaveBeenCalledTimes(1)
  })

  it('does not send twice on two taps 0.4 s apart; the second tap only arms a repeat, a third confirms it', async () => {
    const sends = useSendsStore()
    await sends.loadToday(42)
    expect(await sends.send(intent)).toBe('sent')
    expect(sends.isSentToday(intent)).toBe(true)
    await new Promise(r => setTimeout(r, 400))
    expect(await sends.send(intent)).toBe('confirm')
    expect(api.createSend).toHaveBeenCalledTimes(1)
    expect(sends.isArmed(intent)).toBe(true)
    expect(lastToast()?.text).toBe('今天已给这位客户发过，再点一次确认重发')
    expect(await sends.send(intent)).toBe('sent')
    expect(api.createSend).toHaveBeenCalledTimes(2)
    const keys = api.createSend.mock.calls.map(c => (c[0] as CreateSendRequest).idempotencyKey)
    expect(keys[0]).not.toBe(keys[1])
  })

  it('marks items the server logged today for this member (any guide) and asks before repeating them', async () => {
    api.getMemberSendsToday.mockResolvedValue({ since: 0, sends: [
      { id: 1, guideUserid: 'g2', status: 'sent', replyId: 3, skuId: null, createdAt: 5 },
      { id: 2, guideUserid: 'g1', status: 'failed', replyId: 4, skuId: null, createdAt: 6 },
    ] } satisfies MemberSendsToday)
    const sends = useSendsStore()
    await sends.loadToday(42)
    expect(api.getMemberSendsToday).toHaveBeenCalledWith(42)
    expect(sends.isSentToday(intent)).toBe(true)
    expect(sends.isSentToday({ ...intent, replyId: 4 })).toBe(false)
    expect(sends.isSentToday({ ...intent, memberId: 43 })).toBe(false)
    expect(await sends.send(intent)).toBe('confirm')
    expect(api.createSend).not.toHaveBeenCalled()
  })

  it('retries a failed create with the same idempotency key', async () => {
    api.createSend
      .mockRejectedValueOnce(networkError())
      .mockImplementationOnce(async (req: CreateSendRequest) => record(req))
    expect(await useSendsStore().send(intent)).toBe('sent')
    expect(api.createSend).toHaveBeenCalledTimes(2)
    const [a, b] = api.createSend.mock.calls.map(c => (c[0] as CreateSendRequest).idempotencyKey)
    expect(a).toBe(b)
    expect(ww.sendChatMessage).toHaveBeenCalledTimes(1)
  })

  it('retries the complete call when it fails', async () => {
    api.completeSend.mockRejectedValueOnce(networkError())
    expect(await useSendsStore().send(intent)).toBe('sent')
    expect(api.completeSend).toHaveBeenCalledTimes(2)
  })

  it('keeps a completion that keeps failing in localStorage, retries it with backoff, and settles it after a restart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    api.completeSend.mockRejectedValue(networkError())
    const sends = useSendsStore()
    const result = sends.send(intent)
    await vi.advanceTimersByTimeAsync(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) + 10)
    expect(await result).toBe('sent')
    const stored = JSON.parse(localStorage.getItem(OUTBOX_STORAGE_KEY) ?? '[]') as { id: number, status: string, attempts: number }[]
    expect(stored).toMatchObject([{ id: 7, status: 'sent', attempts: 0 }])

    // The outbox retries by itself, backing off.
    const before = api.completeSend.mock.calls.length
    await vi.advanceTimersByTimeAsync(OUTBOX_DELAYS_MS[0]!)
    expect(api.completeSend.mock.calls.length).toBe(before + 1)
    expect(sends.outbox).toMatchObject([{ id: 7, attempts: 1 }])
    await vi.advanceTimersByTimeAsync(OUTBOX_DELAYS_MS[0]!)
    expect(api.completeSend.mock.calls.length).toBe(before + 1)

    // Next start of the sidebar (new page, new store): the server answers now.
    vi.useRealTimers()
    setActivePinia(createPinia())
    api.completeSend.mockReset().mockImplementation(async (id: number, body: { status: SendRecord['status'] }) => ({ ...record({ idempotencyKey: 'k'.repeat(8), ...intent }), id, status: body.status }))
    const restarted = useSendsStore()
    expect(restarted.outbox).toHaveLength(1)
    await restarted.flushOutbox(Date.now() + OUTBOX_DELAYS_MS.at(-1)!)
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect(restarted.outbox).toEqual([])
    expect(localStorage.getItem(OUTBOX_STORAGE_KEY)).toBeNull()
  })

  it('drops an outbox entry the server refuses for good (409: another outcome was recorded)', async () => {
    localStorage.setItem(OUTBOX_STORAGE_KEY, JSON.stringify([{ id: 9, status: 'sent', errMsg: 'ok', attempts: 2, nextAt: 0, createdAt: Date.now() }]))
    api.completeSend.mockRejectedValue(new AxiosError('Conflict', 'ERR_BAD_REQUEST', undefined, undefined, { status: 409, data: { message: 'send 9 is already failed' } } as never))
    const sends = useSendsStore()
    await sends.flushOutbox()
    expect(api.completeSend).toHaveBeenCalledTimes(1)
    expect(sends.outbox).toEqual([])
  })

  it('does not call the SDK when the row cannot be created, and says so in Chinese', async () => {
    api.createSend.mockRejectedValue(new AxiosError('Bad Request', 'ERR_BAD_REQUEST', undefined, undefined, {
      status: 400,
      data: { statusCode: 400, error: 'bad_request', message: 'memberId invalid' },
    } as never))
    expect(await useSendsStore().send(intent)).toBe('failed')
    expect(ww.sendChatMessage).not.toHaveBeenCalled()
    expect(api.createSend).toHaveBeenCalledTimes(1)
    expect(lastToast()?.text).toBe('发送失败：提交的内容有误，请检查后重试')
    expect(lastToast()?.error?.detail).toContain('memberId invalid')
  })
})
