import type { BridgeReply, DemoHost } from './bridge-types'
import { describe, expect, it, vi } from 'vitest'
import { computeSignature, createMockBridge, signatureBase } from './mock-bridge'

const URL_ = 'https://sidebar.example.test/app/?from=toolbar'
const VECTOR = '88419e54d34aca4a85ae3703bac7c801f6d1f824'
const tickets = { corpId: 'wwcorp', agentId: 1000002, corpTicket: 'EMU_TICKET_0001', agentTicket: 'EMU_TICKET_0001' }

function host(over: Partial<DemoHost> = {}): DemoHost {
  return { entry: () => 'single_chat_tools', currentContact: () => 'wmABC', deliver: () => 'ok', ...over }
}

function call(bridge: ReturnType<typeof createMockBridge>, name: string, params: Record<string, unknown>): Promise<BridgeReply> {
  return new Promise(resolve => bridge.invoke(name, params, resolve))
}

function makeBridge(h = host()) {
  return createMockBridge({ host: h, getTickets: async () => tickets, getUrl: () => URL_, delay: 0 })
}

function agentParams(signature: string) {
  return {
    corpid: 'wwcorp',
    agentid: '1000002',
    timestamp: '1700000000',
    nonceStr: 'abc123',
    signature,
    jsApiList: ['getContext', 'getCurExternalContact', 'sendChatMessage'],
  }
}

describe('mock bridge signature check (§1.3)', () => {
  it('computes the reference vector', async () => {
    expect(signatureBase('EMU_TICKET_0001', 'abc123', 1700000000, URL_))
      .toBe(`jsapi_ticket=EMU_TICKET_0001&noncestr=abc123&timestamp=1700000000&url=${URL_}`)
    expect(await computeSignature('EMU_TICKET_0001', 'abc123', '1700000000', URL_)).toBe(VECTOR)
  })

  it('accepts agentConfig with the correct signature', async () => {
    const res = await call(makeBridge(), 'agentConfig', agentParams(VECTOR))
    expect(res.err_msg).toBe('agentConfig:ok')
    expect(res.checkResult).toEqual({ getContext: true, getCurExternalContact: true, sendChatMessage: true })
  })

  it('rejects agentConfig with a wrong signature', async () => {
    const res = await call(makeBridge(), 'agentConfig', agentParams(VECTOR.replace(/^8/, '9')))
    expect(res.err_msg).toBe('agentConfig:fail invalid signature')
  })

  it('checks preVerifyJSAPI against the corp ticket', async () => {
    const bridge = createMockBridge({
      host: host(),
      getTickets: async () => ({ ...tickets, agentTicket: 'OTHER' }),
      getUrl: () => URL_,
      delay: 0,
    })
    const base = { appId: 'wwcorp', verifyTimestamp: '1700000000', verifyNonceStr: 'abc123', verifyJsApiList: ['getContext'] }
    expect((await call(bridge, 'preVerifyJSAPI', { ...base, verifySignature: VECTOR })).err_msg).toBe('preVerifyJSAPI:ok')
    expect((await call(bridge, 'preVerifyJSAPI', { ...base, verifySignature: 'deadbeef' })).err_msg).toBe('preVerifyJSAPI:fail invalid signature')
  })

  it('refuses contact and send APIs before a successful config', async () => {
    const bridge = makeBridge()
    expect((await call(bridge, 'getCurExternalContact', {})).err_msg).toBe('getCurExternalContact:fail no permission')
  })

  it('answers context, contact and send after config', async () => {
    const deliver = vi.fn<DemoHost['deliver']>()
      .mockReturnValueOnce('ok')
      .mockReturnValueOnce('cancel')
      .mockReturnValueOnce('fail')
    const bridge = makeBridge(host({ deliver }))
    await call(bridge, 'agentConfig', agentParams(VECTOR))
    expect(await call(bridge, 'getContext', {})).toMatchObject({ err_msg: 'getContext:ok', entry: 'single_chat_tools' })
    expect(await call(bridge, 'getCurExternalContact', {})).toMatchObject({ err_msg: 'getCurExternalContact:ok', userId: 'wmABC' })
    const msg = { msgtype: 'text', text: { content: '您好' }, verifyAppId: 'wwcorp' }
    expect((await call(bridge, 'sendChatMessage', msg)).err_msg).toBe('sendChatMessage:ok')
    expect(deliver).toHaveBeenCalledWith({ msgtype: 'text', text: { content: '您好' } })
    expect((await call(bridge, 'sendChatMessage', msg)).err_msg).toBe('sendChatMessage:cancel')
    expect((await call(bridge, 'sendChatMessage', msg)).err_msg).toBe('sendChatMessage:fail no permission')
  })

  it('opens a customer profile only when granted and known', async () => {
    const openProfile = vi.fn<NonNullable<DemoHost['openProfile']>>(async (_type, userid) => userid === 'wmKNOWN')
    const bridge = makeBridge(host({ openProfile }))
    expect((await call(bridge, 'openUserProfile', { type: 2, userid: 'wmKNOWN' })).err_msg).toBe('openUserProfile:fail no permission')
    await call(bridge, 'agentConfig', { ...agentParams(VECTOR), jsApiList: ['getContext', 'openUserProfile'] })
    expect((await call(bridge, 'openUserProfile', { type: 2, userid: 'wmKNOWN' })).err_msg).toBe('openUserProfile:ok')
    expect(openProfile).toHaveBeenCalledWith(2, 'wmKNOWN')
    expect((await call(bridge, 'openUserProfile', { type: 2, userid: 'wmGONE' })).err_msg).toBe('openUserProfile:fail user not found')
    expect((await call(bridge, 'openUserProfile', { type: 3, userid: 'wmKNOWN' })).err_msg).toBe('openUserProfile:fail invalid arguments')
    expect((await call(bridge, 'openUserProfile', { type: 2 })).err_msg).toBe('openUserProfile:fail invalid arguments')
  })
})

describe('mock bridge message types (§1.6)', () => {
  it('keeps media and mini-program messages and refuses what WeCom refuses', async () => {
    const { extractMessage } = await import('./mock-bridge')
    expect(extractMessage({ msgtype: 'image', image: { mediaid: 'M1' }, verifyAppId: 'x' })).toEqual({ msgtype: 'image', image: { mediaid: 'M1' } })
    expect(extractMessage({ msgtype: 'video', video: { mediaid: 'V1' } })).toEqual({ msgtype: 'video', video: { mediaid: 'V1' } })
    expect(extractMessage({ msgtype: 'file', file: { mediaid: 'F1' } })).toEqual({ msgtype: 'file', file: { mediaid: 'F1' } })
    expect(extractMessage({ msgtype: 'image', image: {} })).toBeNull()
    const card = { appid: 'wx0123456789abcdef', title: '商城', imgUrl: 'https://x.example.com/c.jpg', page: 'pages/index/index.html?from=scrm' }
    expect(extractMessage({ msgtype: 'miniprogram', miniprogram: card })).toEqual({ msgtype: 'miniprogram', miniprogram: card })
    expect(extractMessage({ msgtype: 'miniprogram', miniprogram: { ...card, page: 'pages/index/index?from=scrm' } })).toBeNull()
    expect(extractMessage({ msgtype: 'miniprogram', miniprogram: { ...card, imgUrl: 'c.jpg' } })).toBeNull()
  })
})
