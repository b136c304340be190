// The archive's parts built from configuration, for app.ts: the source adapter, the keyring and the
// supervisors' WeCom app-message sender.
import type { AppConfig } from '../config.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { AppMessageSender } from './alerts.ts'
import type { ArchiveSource } from './source.ts'
import { createEmulatorArchiveSource } from './emulator-source.ts'
import { createArchiveKeyring } from './keys.ts'
import { createNativeArchiveSource } from './native-sdk.ts'

export function archiveSourceFrom(config: AppConfig): ArchiveSource | null {
  switch (config.archive.source) {
    case 'emulator':
      return createEmulatorArchiveSource({ baseUrl: config.wecom.apiBase, corpId: config.wecom.corpId, secret: config.archive.secret })
    case 'native':
      return createNativeArchiveSource()
    default:
      return null
  }
}

/** WeCom app messages (message/send) from the app's agent. */
export function appMessageSender(wecom: WecomClient): AppMessageSender {
  return {
    async sendText(touser, content) {
      await wecom.request({
        which: 'app',
        method: 'POST',
        path: '/cgi-bin/message/send',
        body: { touser: touser.join('|'), msgtype: 'text', agentid: wecom.agentId, text: { content } },
        // A repeat would send the message twice.
        idempotent: false,
      })
    },
  }
}

export function archiveParts(config: AppConfig, wecom: WecomClient, source?: ArchiveSource | null) {
  const resolved = source === undefined ? archiveSourceFrom(config) : source
  return {
    source: resolved,
    keyring: createArchiveKeyring(config.archive.privateKeys, { threads: config.archive.rsaThreads }),
    sourceName: config.wecom.corpId,
    pullLimit: config.archive.pullLimit,
    mediaDir: config.archive.mediaDir,
    sender: appMessageSender(wecom),
    consoleUrl: config.publicUrl,
  }
}
