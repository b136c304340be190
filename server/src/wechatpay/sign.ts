// WeChat Pay v2 signatures for 企业红包 (wecom-reference.md §5.1): `workwx_sign` over a fixed set of
// fields with the WeCom 企业支付 app secret, then `sign` over every non-empty field (workwx_sign
// included) with the merchant API v2 key. Both: sort keys, join `k=v` with `&`, MD5, upper-case hex.
import { createHash } from 'node:crypto'

export type PayFields = Record<string, string | number | undefined>

/** The fields `workwx_sign` covers for sendworkwxredpack, exactly (adding others breaks it). */
const WORKWX_SIGNED_FIELDS = ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'] as const

function signedString(fields: PayFields, include: (key: string) => boolean): string {
  return Object.keys(fields)
    .filter(key => include(key) && fields[key] !== undefined && fields[key] !== '')
    .sort()
    .map(key => `${key}=${fields[key]}`)
    .join('&')
}

const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase()

/** WeCom's signature: the seven fields above plus `&secret=<企业支付 app secret>`. */
export function workwxSign(fields: PayFields, paySecret: string): string {
  const covered = new Set<string>(WORKWX_SIGNED_FIELDS)
  return md5Upper(`${signedString(fields, key => covered.has(key))}&secret=${paySecret}`)
}

/** WeChat Pay's signature: every non-empty field but `sign`, plus `&key=<merchant API v2 key>`. */
export function paySign(fields: PayFields, apiKey: string): string {
  return md5Upper(`${signedString(fields, key => key !== 'sign')}&key=${apiKey}`)
}
