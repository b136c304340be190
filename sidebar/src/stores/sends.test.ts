import type { CreateSendRequest, SendRecord } from '@scrm/shared'
import { AxiosError } from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useSendsStore } from './sends'
import { useToastStore } from './toast'

const api = vi.hoisted(() => ({
  createSend: vi.fn(),
  completeSend: vi.fn(),
}))
const ww = vi.hoisted(() => ({ sendChatMessage: vi.fn() }))
const calls: string[] = []

vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  createSend: api.createSend,
  completeSend: api.completeSend,
}))
vi.mock('../wecom/sdk', () => ({ loadWw: async () => ww }))

function record(req: CreateSendRequest, over: Partial<SendRecord> = {}): SendRecord {
  return { id: 7, idempotencyKey: req.idempotencyKey, memberId: req.memberId, guideUserid: 'g1', kind: req.message.msgtype, status: 'pending', errMsg: null, createdAt: 1, completedAt: null, ...over }
}

const intent = { memberId: 42, message: { msgtype: 'text' as const, text: { content: '您好' } }, replyId: 3 }

describe('sends store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    calls.length = 0
    api.createSend.mockReset().mockImplementation(async (req: CreateSendRequest) => {
      calls.push('create')
      return record(req)
    })
    api.completeSend.mockReset().mockImplementation(async (id: number, body: { status: SendRecord['status'] }) => {
      calls.push(`complete:${body.status}`)
      return { ...record({ idempotencyKey: 'k'.repeat(8), ...intent }), id, status: body.status }
    })
    ww.sendChatMessage.mockReset().mockImplementation(async () => {
      calls.push('sdk')
      return { errMsg: 'sendChatMessage:ok', errCode: 0 }
    })
  })

  it('creates the row first, then sends, then completes with sent', async () => {
    const sends = useSendsStore()
    expect(await sends.send('reply:3', intent)).toBe('sent')
    expect(calls).toEqual(['create', 'sdk', 'complete:sent'])
    const req = api.createSend.mock.calls[0]![0] as CreateSendRequest
    expect(req).toMatchObject({ memberId: 42, replyId: 3, message: intent.message })
    expect(req.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
    expect(ww.sendChatMessage).toHaveBeenCalledWith(intent.message)
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect(useToastStore().toasts.at(-1)?.text).toBe('已发送')
  })

  it('completes with cancelled when the SDK rejects with :cancel', async () => {
    ww.sendChatMessage.mockRejectedValue({ errMsg: 'sendChatMessage:cancel', errCode: -1 })
    expect(await useSendsStore().send('k', intent)).toBe('cancelled')
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'cancelled', errMsg: 'sendChatMessage:cancel' })
    expect(useToastStore().toasts.at(-1)?.text).toBe('已取消')
  })

  it('completes with failed and keeps the errMsg on other rejections', async () => {
    ww.sendChatMessage.mockRejectedValue({ errMsg: 'sendChatMessage:fail no permission', errCode: -1 })
    expect(await useSendsStore().send('k', intent)).toBe('failed')
    expect(api.completeSend).toHaveBeenCalledWith(7, { status: 'failed', errMsg: 'sendChatMessage:fail no permission' })
    expect(useToastStore().toasts.at(-1)?.text).toBe('发送失败：sendChatMessage:fail no permission')
  })

  it('makes one row per click: a second click while in flight is ignored', async () => {
    let release!: () => void
    ww.sendChatMessage.mockImplementation(() => new Promise((resolve) => {
      release = () => resolve({ errMsg: 'sendChatMessage:ok', errCode: 0 })
    }))
    const sends = useSendsStore()
    const first = sends.send('reco:sku1', intent)
    await vi.waitFor(() => expect(ww.sendChatMessage).toHaveBeenCalled())
    expect(sends.isSending('reco:sku1')).toBe(true)
    expect(await sends.send('reco:sku1', intent)).toBe('busy')
    release()
    expect(await first).toBe('sent')
    expect(sends.isSending('reco:sku1')).toBe(false)
    expect(api.createSend).toHaveBeenCalledTimes(1)
    // A new click is a new send with a new key.
    ww.sendChatMessage.mockResolvedValue({ errMsg: 'sendChatMessage:ok', errCode: 0 })
    await sends.send('reco:sku1', intent)
    const keys = api.createSend.mock.calls.map(c => (c[0] as CreateSendRequest).idempotencyKey)
    expect(keys).toHaveLength(2)
    expect(keys[0]).not.toBe(keys[1])
  })

  it('retries a failed create with the same idempotency key', async () => {
    api.createSend
      .mockRejectedValueOnce(new AxiosError('Network Error', 'ERR_NETWORK'))
      .mockImplementationOnce(async (req: CreateSendRequest) => record(req))
    expect(await useSendsStore().send('k', intent)).toBe('sent')
    expect(api.createSend).toHaveBeenCalledTimes(2)
    const [a, b] = api.createSend.mock.calls.map(c => (c[0] as CreateSendRequest).idempotencyKey)
    expect(a).toBe(b)
    expect(ww.sendChatMessage).toHaveBeenCalledTimes(1)
  })

  it('retries the complete call when it fails', async () => {
    api.completeSend.mockRejectedValueOnce(new AxiosError('Network Error', 'ERR_NETWORK'))
    expect(await useSendsStore().send('k', intent)).toBe('sent')
    expect(api.completeSend).toHaveBeenCalledTimes(2)
  })

  it('does not call the SDK when the row cannot be created', async () => {
    api.createSend.mockRejectedValue(new AxiosError('Bad Request', 'ERR_BAD_REQUEST', undefined, undefined, {
      status: 400,
      data: { statusCode: 400, error: 'bad_request', message: 'memberId invalid' },
    } as never))
    expect(await useSendsStore().send('k', intent)).toBe('failed')
    expect(ww.sendChatMessage).not.toHaveBeenCalled()
    expect(api.createSend).toHaveBeenCalledTimes(1)
  })
})
