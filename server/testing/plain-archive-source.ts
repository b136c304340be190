// An archive source whose items are plain JSON, for tests of what ingest does with messages: the keys and the
// cipher (tested in archive.test.ts against the emulator) are not what those tests are about.
import type { ArchiveMessageJson } from '../emulator/archive.ts'
import type { ArchiveKeyring } from '../src/archive/keys.ts'
import type { ArchiveSource, ChatDataItem } from '../src/archive/source.ts'

/** A source serving `messages` (seq 1…n, more with `append`), every customer agreeing to archiving. */
export function plainArchiveSource(messages: ArchiveMessageJson[]): { source: ArchiveSource, keyring: ArchiveKeyring, append: (more: ArchiveMessageJson[]) => void } {
  const items: ChatDataItem[] = []
  const append = (more: ArchiveMessageJson[]) => {
    for (const message of more)
      items.push({ seq: items.length + 1, msgid: message.msgid, publickey_ver: 1, encrypt_random_key: '', encrypt_chat_msg: JSON.stringify(message) })
  }
  append(messages)
  return {
    source: {
      getChatData: async (seq, limit) => items.filter(item => item.seq > seq).slice(0, limit),
      decryptData: async (_key, message) => message,
      getMediaData: async () => { throw new Error('no media here') },
      checkSingleAgree: async pairs => pairs.map(pair => ({ ...pair, status: 'Default_Agree' as const })),
    },
    keyring: { openRandomKeys: async requests => requests.map(() => ({ randomKey: 'plain' })), close: async () => {} },
    append,
  }
}
