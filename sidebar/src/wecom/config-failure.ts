import type { JsConfigFailureReport, JsConfigFailureResult, JsTicketKind } from '@scrm/shared'
import { http } from '../api/client'

/** Tells the server WeCom refused our signature; it refreshes the ticket (rate-limited). */
export async function reportJsConfigFailure(body: JsConfigFailureReport): Promise<JsConfigFailureResult> {
  return (await http.post<JsConfigFailureResult>('/api/wecom/config-failure', body)).data
}

/** errCode / errMsg of a rejected config or agentConfig (a bridge result object, or an Error). */
function describeFailure(err: unknown): Pick<JsConfigFailureReport, 'errCode' | 'errMsg'> {
  const out: Pick<JsConfigFailureReport, 'errCode' | 'errMsg'> = {}
  if (err && typeof err === 'object') {
    if ('errCode' in err && typeof err.errCode === 'number' && Number.isInteger(err.errCode))
      out.errCode = err.errCode
    if ('errMsg' in err && typeof err.errMsg === 'string')
      out.errMsg = err.errMsg.slice(0, 300)
    else if (err instanceof Error)
      out.errMsg = err.message.slice(0, 300)
  }
  return out
}

/**
 * After config/agentConfig failed: report it, and when the server fetched a fresh ticket, run
 * the registration once more (the SDK re-signs because the failed task is no longer valid).
 * Resolves true when the retry succeeded; false leaves the page on its signature-error screen.
 */
export async function retryConfigAfterReport(kind: JsTicketKind, failure: unknown, ensureConfigReady: () => Promise<unknown>): Promise<boolean> {
  let result: JsConfigFailureResult
  try {
    result = await reportJsConfigFailure({ kind, ...describeFailure(failure) })
  }
  catch {
    return false
  }
  if (!result.refreshed)
    return false
  try {
    await ensureConfigReady()
    return true
  }
  catch {
    return false
  }
}
