import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'

const base = { WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_APP_SECRET: 's' }
const pay = { WECHATPAY_MCH_ID: '1900000109', WECHATPAY_API_KEY: 'k', WECOM_PAY_SECRET: 'p' }

describe('weChat Pay configuration', () => {
  it('is off without a merchant id, and needs the client certificate for https', () => {
    expect(loadConfig(base).wechatPay).toBeNull()
    expect(() => loadConfig({ ...base, ...pay })).toThrow(/WECHATPAY_CERT_PATH, WECHATPAY_KEY_PATH/)
    expect(() => loadConfig({ ...base, WECHATPAY_MCH_ID: '1900000109' })).toThrow(/WECHATPAY_API_KEY, WECOM_PAY_SECRET/)
  })

  it('reads the PEM files and refuses the emulator stand-in in production', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-paycfg-'))
    try {
      writeFileSync(join(dir, 'cert.pem'), 'CERT')
      writeFileSync(join(dir, 'key.pem'), 'KEY')
      const config = loadConfig({ ...base, ...pay, WECHATPAY_CERT_PATH: join(dir, 'cert.pem'), WECHATPAY_KEY_PATH: join(dir, 'key.pem') })
      expect(config.wechatPay).toMatchObject({ apiBase: 'https://api.mch.weixin.qq.com', mchId: '1900000109', corpId: 'ww1', agentId: 1000002, tls: { cert: 'CERT', key: 'KEY' } })
      expect(() => loadConfig({ ...base, ...pay, NODE_ENV: 'production', SESSION_SECRET: 'a3f1c9e07b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a', CREDENTIALS_KEY: 'aa'.repeat(32), WECHATPAY_API_BASE: 'http://127.0.0.1:1', WECHATPAY_CLIENT_CERT_STAND_IN: '1900000109' })).toThrow(/STAND_IN is for the emulator only/)
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
