import type { ChatMessage, CreateSendRequest, MaterialSend, MemberContext, SendRecord } from '@scrm/shared'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useMemberStore } from './member'
import { useSendsStore } from './sends'

const api = vi.hoisted(() => ({
  createSend: vi.fn(),
  completeSend: vi.fn(),
  sendMaterial: vi.fn(),
  getMemberMaterialSends: vi.fn(),
  getMaterialSettings: vi.fn(),
  getProductCard: vi.fn(),
}))
const ww = vi.hoisted(() => ({ sendChatMessage: vi.fn(), getCurExternalContact: vi.fn() }))
const calls: string[] = []

vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  createSend: api.createSend,
  completeSend: api.completeSend,
}))
vi.mock('../api/materials', async importOriginal => ({
  ...await importOriginal<typeof import('../api/materials')>(),
  sendMaterial: api.sendMaterial,
  getMemberMaterialSends: api.getMemberMaterialSends,
  getMaterialSettings: api.getMaterialSettings,
  getProductCard: api.getProductCard,
}))
vi.mock('../wecom/sdk', () => ({ loadWw: async () => ww, hasBridge: () => true }))

const record = (kind: string): SendRecord => ({ id: 9, idempotencyKey: 'k'.repeat(36), memberId: 42, guideUserid: 'g1', kind, status: 'pending', errMsg: null, createdAt: 1, completedAt: null })
const image: ChatMessage = { msgtype: 'image', image: { mediaid: 'MEDIA-1' } }
const news: ChatMessage = { msgtype: 'news', news: { link: 'https://shop.example.com/i/1', title: '羊绒开衫', desc: '¥899.00', imgUrl: 'https://shop.example.com/i/1.jpg' } }
const card: ChatMessage = { msgtype: 'miniprogram', miniprogram: { appid: 'wx0123456789abcdef', title: '羊绒开衫', imgUrl: 'https://shop.example.com/i/1.jpg', page: 'pages/item/index.html?sku=1' } }

describe('sending materials and product cards', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useMemberStore().context = { member: { id: 42, externalUserid: 'wm-42' } } as unknown as MemberContext
    calls.length = 0
    api.sendMaterial.mockReset().mockImplementation(async () => {
      calls.push('log')
      return { record: record('image'), message: image } satisfies MaterialSend
    })
    api.createSend.mockReset().mockImplementation(async (req: CreateSendRequest) => {
      calls.push('log')
      return record(req.message.msgtype)
    })
    api.completeSend.mockReset().mockImplementation(async (id: number, body: { status: SendRecord['status'] }) => {
      calls.push(`complete:${body.status}`)
      return { ...record('image'), id, status: body.status }
    })
    api.getMemberMaterialSends.mockReset().mockResolvedValue({ sends: [] })
    api.getMaterialSettings.mockReset().mockResolvedValue({ miniprogramAppid: null, productCards: 'link' })
    api.getProductCard.mockReset().mockResolvedValue(card)
    ww.getCurExternalContact.mockReset().mockResolvedValue({ userId: 'wm-42', errMsg: 'getCurExternalContact:ok' })
    ww.sendChatMessage.mockReset().mockImplementation(async () => {
      calls.push('sdk')
      return { errMsg: 'sendChatMessage:ok', errCode: 0 }
    })
  })

  it('logs a material send on the server first, then sends exactly the message the server built', async () => {
    const sends = useSendsStore()
    expect(await sends.sendMaterial(42, 5, false)).toBe('sent')
    expect(calls).toEqual(['log', 'sdk', 'complete:sent'])
    expect(api.sendMaterial.mock.calls[0]![0]).toBe(5)
    expect(api.sendMaterial.mock.calls[0]![1]).toMatchObject({ memberId: 42 })
    expect(ww.sendChatMessage).toHaveBeenCalledWith(image)
    expect(api.getMemberMaterialSends).toHaveBeenCalledWith(42)
  })

  it('a material already sent to the member needs a confirming second tap', async () => {
    const sends = useSendsStore()
    expect(await sends.sendMaterial(42, 5, true)).toBe('confirm')
    expect(api.sendMaterial).not.toHaveBeenCalled()
    expect(await sends.sendMaterial(42, 5, true)).toBe('sent')
  })

  it('sends a product as the brand\'s mini-program card when configured, as the link card otherwise', async () => {
    const sends = useSendsStore()
    expect(await sends.send({ memberId: 42, skuId: 'SKU1', message: news })).toBe('sent')
    expect(ww.sendChatMessage).toHaveBeenLastCalledWith(news)
    expect(api.getProductCard).not.toHaveBeenCalled()

    setActivePinia(createPinia())
    useMemberStore().context = { member: { id: 42, externalUserid: 'wm-42' } } as unknown as MemberContext
    api.getMaterialSettings.mockResolvedValue({ miniprogramAppid: 'wx0123456789abcdef', productCards: 'miniprogram' })
    vi.resetModules()
    const { useSendsStore: fresh } = await import('./sends')
    expect(await fresh().send({ memberId: 42, skuId: 'SKU1', message: news })).toBe('sent')
    expect(api.getProductCard).toHaveBeenCalledWith('SKU1')
    expect(ww.sendChatMessage).toHaveBeenLastCalledWith(card)
    expect((api.createSend.mock.calls.at(-1)![0] as CreateSendRequest).message).toEqual(card)
  })
})
