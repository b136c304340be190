import type {
  CompleteSendRequest,
  ConversionReport,
  CreateSendRequest,
  JsSignature,
  JsSignatureRequest,
  Me,
  MemberContext,
  MemberList,
  MemberSendsToday,
  OrderPage,
  SendRecord,
  TodayList,
} from '@scrm/shared'
import axios, { isAxiosError } from 'axios'
import { REQUEST_ID_HEADER } from '../utils/errors'

/** Same-origin JSON API with the session cookie. */
export const http = axios.create({
  baseURL: '/',
  withCredentials: true,
  timeout: 15_000,
  headers: { Accept: 'application/json' },
})

// Every request carries an id the guide can quote from 详情 (and the server can log under).
http.interceptors.request.use((config) => {
  config.headers.set(REQUEST_ID_HEADER, crypto.randomUUID())
  return config
})

/** HTTP status of a failed call (0 = network / no response). */
export function errorStatus(err: unknown): number {
  return isAxiosError(err) ? (err.response?.status ?? 0) : 0
}

/** A human-readable message: the server's `message`, else the transport error. */
export function errorMessage(err: unknown): string {
  if (isAxiosError(err)) {
    const data: unknown = err.response?.data
    if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string')
      return data.message
    return err.message
  }
  if (err instanceof Error)
    return err.message
  if (err && typeof err === 'object' && 'errMsg' in err && typeof err.errMsg === 'string')
    return err.errMsg
  return String(err)
}

/** Where to send a browser without a session; `next` brings it back here. */
export function loginUrl(next = location.pathname + location.search): string {
  return `/api/auth/login?next=${encodeURIComponent(next)}`
}

export async function getMe(): Promise<Me> {
  return (await http.get<Me>('/api/me')).data
}

export async function logout(): Promise<void> {
  await http.post('/api/auth/logout')
}

export async function getJsSignature(body: JsSignatureRequest): Promise<JsSignature> {
  return (await http.post<JsSignature>('/api/wecom/js-signature', body)).data
}

export async function getMemberContext(externalUserId: string): Promise<MemberContext> {
  return (await http.get<MemberContext>('/api/members/context', { params: { externalUserId } })).data
}

export async function getOrders(memberId: number, cursor: string | null, limit = 10): Promise<OrderPage> {
  const params: Record<string, string | number> = { memberId, limit }
  if (cursor)
    params.cursor = cursor
  return (await http.get<OrderPage>('/api/orders', { params })).data
}

export async function listMembers(q: string, limit = 50, offset = 0): Promise<MemberList> {
  const params: Record<string, string | number> = { limit, offset }
  if (q.trim())
    params.q = q.trim()
  return (await http.get<MemberList>('/api/members', { params })).data
}

export async function createSend(body: CreateSendRequest): Promise<SendRecord> {
  return (await http.post<SendRecord>('/api/sends', body)).data
}

export async function completeSend(id: number, body: CompleteSendRequest): Promise<SendRecord> {
  return (await http.post<SendRecord>(`/api/sends/${id}/complete`, body)).data
}

export async function getMemberSendsToday(memberId: number): Promise<MemberSendsToday> {
  return (await http.get<MemberSendsToday>('/api/sends', { params: { memberId } })).data
}

export async function getToday(limit = 20): Promise<TodayList> {
  return (await http.get<TodayList>('/api/today', { params: { limit } })).data
}

export async function getConversionReport(): Promise<ConversionReport> {
  return (await http.get<ConversionReport>('/api/reports/conversion')).data
}
