import { AxiosError, AxiosHeaders } from 'axios'
import { describe, expect, it } from 'vitest'
import en from '../locales/en.json'
import zhCN from '../locales/zh-CN.json'
import { describeError, errorKinds, REQUEST_ID_HEADER } from './errors'

function httpError(status: number, message: string, requestId?: string): AxiosError {
  const config = { url: '/api/members', method: 'get', headers: new AxiosHeaders(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}) }
  return new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_REQUEST', config, undefined, {
    status,
    statusText: '',
    headers: {},
    config,
    data: { statusCode: status, error: 'x', message },
  })
}

describe('describeError', () => {
  it('maps the raw errors guides saw to kinds with a Chinese and an English message', () => {
    const cases: [unknown, string][] = [
      [{ errMsg: 'sendChatMessage:fail no permission', errCode: -1 }, 'wecomNoPermission'],
      [new AxiosError('Network Error', 'ERR_NETWORK'), 'network'],
      [new Error('boom'), 'unknown'],
      [httpError(400, 'querystring/q must NOT have more than 40 characters'), 'queryTooLong'],
      [httpError(400, 'body/memberId must be integer'), 'badInput'],
      [httpError(401, 'login required'), 'session'],
      [httpError(429, 'Rate limit exceeded'), 'rateLimited'],
      [httpError(500, 'internal error; see server log'), 'server'],
      [new AxiosError('timeout of 15000ms exceeded', 'ECONNABORTED'), 'timeout'],
      ['getContext:fail', 'wecomFailed'],
      ['Network Error', 'network'],
    ]
    for (const [err, kind] of cases) {
      const described = describeError(err)
      expect(described.kind, String(err)).toBe(kind)
      expect(zhCN.errors[described.kind]).toMatch(/[\u4E00-\u9FFF]/)
      expect(en.errors[described.kind]).toBeTruthy()
    }
    for (const kind of errorKinds) {
      expect(zhCN.errors[kind], kind).not.toMatch(/[a-z]{4,}/i)
      expect(en.errors[kind], kind).toBeTruthy()
    }
  })

  it('keeps the technical detail, with the request id, for support', () => {
    const detail = describeError(httpError(400, 'querystring/q must NOT have more than 40 characters', 'req-123')).detail
    expect(detail).toContain('HTTP 400')
    expect(detail).toContain('GET /api/members')
    expect(detail).toContain('querystring/q must NOT have more than 40 characters')
    expect(detail).toContain('request req-123')
    expect(describeError({ errMsg: 'sendChatMessage:fail no permission' }).detail).toBe('sendChatMessage:fail no permission')
  })
})
