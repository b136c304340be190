import type { AppConfig } from '../config.ts'
import type { AsyncDb } from '../db/port.ts'
import type { RedPacketDeps } from './service.ts'
import { createWechatPayClient } from '../wechatpay/client.ts'

/** The red-packet service's dependencies from the app's configuration (no pay client when unconfigured). */
export function redPacketDepsFromConfig(config: AppConfig, db: AsyncDb, wecom: RedPacketDeps['wecom'], now: () => number): RedPacketDeps {
  return {
    db,
    pay: config.wechatPay ? createWechatPayClient(config.wechatPay) : null,
    mchId: config.wechatPay?.mchId ?? '',
    wecom,
    now,
  }
}
