import type { RunningWechatPayEmulator } from '../../emulator/wechatpay.ts'
import type { ThrowawayTls } from '../../testing/throwaway-tls.ts'
import type { WechatPayConfig } from './client.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatedOpenid, startWechatPayEmulator } from '../../emulator/wechatpay.ts'
import { makeThrowawayTls } from '../../testing/throwaway-tls.ts'
import { classifySendReply, createWechatPayClient } from './client.ts'
import { paySign, workwxSign } from './sign.ts'
import { buildPayXml, parsePayXml } from './xml.ts'

const merchant = { mchId: '1900000109', apiKey: 'EMU_MCH_API_KEY_32_CHARS_0000000', paySecret: 'EMU_PAY_APP_SECRET', corpId: 'ww0000000000000001' }

describe('wechatpay signatures and XML', () => {
  it('matches the reference vector: workwx_sign first, then sign over everything including it', () => {
    const fields: Record<string, string> = {
      act_name: '会员回馈',
      mch_billno: '1900000109202401010000000001',
      mch_id: '1900000109',
      nonce_str: 'EMUNONCE0001',
      re_openid: 'oEMU000000000000000000000001',
      total_amount: '288',
      wxappid: 'ww0000000000000001',
    }
    const workwx = workwxSign({ ...fields, agentid: '1000002', remark: '感谢支持' }, 'EMU_PAY_APP_SECRET')
    expect(workwx).toBe('B23BBC70DE21B34A86E1B9B21F935D51')
    const all = { ...fields, agentid: '1000002', remark: '感谢支持', scene_id: 'PRODUCT_1', wishing: '祝您购物愉快', workwx_sign: workwx }
    expect(paySign({ ...all, sign: 'ignored' }, 'EMU_MCH_API_KEY_32_CHARS_0000000')).toBe('EAC0B8641D98BF6C0581EE72881FB110')
  })

  it('round-trips values with markup and a CDATA terminator in them, leaving empty fields out', () => {
    const xml = buildPayXml({ wishing: '祝<您>&愉快 ]]> 了', total_amount: 288, remark: '', scene_id: undefined })
    expect(parsePayXml(xml)).toEqual({ wishing: '祝<您>&愉快 ]]> 了', total_amount: '288' })
    expect(() => parsePayXml('<html>no</html>')).toThrow(/xml/)
  })

  it('classifies replies: SYSTEMERROR and unknown codes are uncertain, business refusals definite', () => {
    expect(classifySendReply({ return_code: 'SUCCESS', result_code: 'SUCCESS', send_listid: 'L1' })).toEqual({ kind: 'paid', sendListid: 'L1' })
    expect(classifySendReply({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR' }).kind).toBe('uncertain')
    expect(classifySendReply({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SOMETHING_NEW' }).kind).toBe('uncertain')
    expect(classifySendReply({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'NOTENOUGH' }).kind).toBe('failed')
    expect(classifySendReply({ return_code: 'FAIL', return_msg: '证书验证失败' }).kind).toBe('failed')
    expect(classifySendReply({}).kind).toBe('uncertain')
  })
})

describe('wechatpay client against the pay emulator over mutual TLS', () => {
  let tls: ThrowawayTls
  let pay: RunningWechatPayEmulator
  let config: WechatPayConfig
  const openid = emulatedOpenid(merchant.corpId, 'wmCUSTOMER1')
  const packet = (billno: string, totalAmount = 188) => ({ mchBillno: billno, reOpenid: openid, totalAmount, wishing: '感谢支持', actName: '会员回馈', remark: '导购红包' })

  beforeAll(async () => {
    tls = makeThrowawayTls()
    pay = await startWechatPayEmulator({ merchant: { ...merchant, balance: 10_000 }, tls: { key: tls.server.key, cert: tls.server.cert, ca: tls.ca } })
    config = { apiBase: pay.url, ...merchant, agentId: 1000002, tls: { cert: tls.client.cert, key: tls.client.key, ca: tls.ca }, timeoutMs: 1_000 }
  })
  afterAll(async () => pay.close())

  it('pays once per bill number: a repeat answers the same, other money on the same bill is refused', async () => {
    const client = createWechatPayClient(config)
    const first = await client.sendWorkRedpack(packet('B0001'))
    expect(first.kind).toBe('paid')
    expect(await client.sendWorkRedpack(packet('B0001'))).toEqual(first)
    expect(await client.sendWorkRedpack(packet('B0001', 200))).toMatchObject({ kind: 'failed', errCode: 'PARAM_ERROR' })
    expect(pay.state.merchant.balance).toBe(10_000 - 188)
    expect(await client.queryWorkRedpack('B0001')).toMatchObject({ kind: 'found', status: 'SENT', totalAmount: 188 })
    expect(await client.queryWorkRedpack('B9999')).toEqual({ kind: 'not_found' })
  })

  it('refuses a client without the merchant certificate or with a stranger\'s, and bad secrets', async () => {
    expect(await createWechatPayClient({ ...config, tls: { ...tls.stranger, ca: tls.ca } }).sendWorkRedpack(packet('B0002'))).toMatchObject({ kind: 'failed', errCode: 'CA_ERROR' })
    expect(await createWechatPayClient({ ...config, tls: undefined }).sendWorkRedpack(packet('B0002'))).toMatchObject({ kind: 'uncertain', errCode: 'TRANSPORT' })
    expect(await createWechatPayClient({ ...config, paySecret: 'wrong' }).sendWorkRedpack(packet('B0002'))).toMatchObject({ kind: 'failed', errCode: 'SIGN_ERROR', message: '企业微信签名校验失败' })
    expect(await createWechatPayClient({ ...config, apiKey: 'wrong' }).sendWorkRedpack(packet('B0002'))).toMatchObject({ kind: 'failed', errCode: 'SIGN_ERROR' })
    expect(pay.state.ledger.has('B0002')).toBe(false)
  })

  it('checks amount bounds, scene_id and per-user caps, and the balance (NOTENOUGH)', async () => {
    const client = createWechatPayClient(config)
    expect(await client.sendWorkRedpack(packet('B0003', 50))).toMatchObject({ kind: 'failed', errCode: 'PARAM_ERROR', message: expect.stringMatching(/scene_id/) })
    expect(await client.sendWorkRedpack({ ...packet('B0003', 50), sceneId: 'PRODUCT_1' })).toMatchObject({ kind: 'paid' })
    const balance = pay.state.merchant.balance
    expect(await client.sendWorkRedpack(packet('B0004', balance + 1))).toMatchObject({ kind: 'failed', errCode: 'NOTENOUGH' })
    const capped = emulatedOpenid(merchant.corpId, 'wmCAPPED')
    pay.state.merchant.balance = 1_000_000
    for (let i = 0; i < 10; i++)
      expect((await client.sendWorkRedpack({ ...packet(`C${i}`, 100), reOpenid: capped })).kind).toBe('paid')
    expect(await client.sendWorkRedpack({ ...packet('C10', 100), reOpenid: capped })).toMatchObject({ kind: 'failed', errCode: 'SENDNUM_LIMIT' })
  })

  it('a timeout after the pay, a dropped connection and SYSTEMERROR are uncertain; the same bill then pays exactly once', async () => {
    const client = createWechatPayClient(config)
    const balance = pay.state.merchant.balance
    pay.state.injectFault({ api: 'send', kind: 'timeout' })
    expect(await client.sendWorkRedpack(packet('D0001'))).toMatchObject({ kind: 'uncertain', errCode: 'TRANSPORT' })
    pay.state.injectFault({ api: 'send', kind: 'drop' })
    expect(await client.sendWorkRedpack(packet('D0001'))).toMatchObject({ kind: 'uncertain' })
    pay.state.injectFault({ api: 'send', kind: 'SYSTEMERROR' })
    expect(await client.sendWorkRedpack(packet('D0001'))).toMatchObject({ kind: 'uncertain', errCode: 'SYSTEMERROR' })
    expect(await client.sendWorkRedpack(packet('D0001'))).toMatchObject({ kind: 'paid' })
    expect(pay.state.merchant.balance).toBe(balance - 188)
  })

  it('reports RECEIVED when opened and REFUND 24 h after an unopened send, with the money back', async () => {
    const client = createWechatPayClient(config)
    await client.sendWorkRedpack(packet('E0001'))
    await client.sendWorkRedpack(packet('E0002'))
    pay.state.receive('E0001')
    const balance = pay.state.merchant.balance
    pay.state.advanceHours(24)
    expect(await client.queryWorkRedpack('E0001')).toMatchObject({ status: 'RECEIVED' })
    expect(await client.queryWorkRedpack('E0002')).toMatchObject({ status: 'REFUND' })
    expect(pay.state.merchant.balance).toBe(balance + 188)
  })
})
