// What we read out of a decrypted message (reference §4.6): the text to show and search, and the media to
// fetch. Every type is stored with its body as sent; a type we do not know is stored raw with no text.
import type { ArchiveSearchableType, ArchiveSender } from '@scrm/shared'

export interface DecodedMessage {
  msgid: string
  action: string
  msgtype: string
  from: string
  tolist: string[]
  roomid: string
  msgtime: number
  body: Record<string, unknown>
  content: string
  media: { sdkfileid: string, md5: string, ext: string } | null
  /** For `revoke`: the recalled message. */
  recalls: string | null
  /** For `agree` / `disagree`: the customer whose consent changed. */
  consent: { externalUserid: string, agree: boolean } | null
}

type Json = Record<string, unknown>
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '')
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : {})
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const join = (...parts: string[]) => parts.filter(Boolean).join(' ')

/** External contacts (customers) are `wm…` (WeChat) or `wo…` (another corp's WeCom user); bots too. */
export function isExternalId(id: string): boolean {
  return /^w[mo]/.test(id)
}

export function senderOf(message: Pick<DecodedMessage, 'action' | 'from'>): ArchiveSender {
  if (message.action === 'switch')
    return 'system'
  return isExternalId(message.from) ? 'customer' : 'staff'
}

/** `content` of a chatrecord / mixed item is itself a JSON string. */
function innerContent(raw: unknown): Json {
  if (typeof raw !== 'string')
    return obj(raw)
  try {
    return obj(JSON.parse(raw))
  }
  catch {
    return { content: raw }
  }
}

/** The text of each type that has one (`body` is the message's own object, e.g. `message.text`): the searchable types. */
const TEXT_OF: Record<ArchiveSearchableType, (body: Json, message: Json) => string> = {
  text: body => str(body.content),
  link: body => join(str(body.title), str(body.description)),
  file: body => str(body.filename),
  card: body => join(str(body.corpname), str(body.userid)),
  location: body => join(str(body.title), str(body.address)),
  weapp: body => join(str(body.title), str(body.description), str(body.displayname)),
  todo: body => join(str(body.title), str(body.content)),
  redpacket: (_, message) => str(obj(message.redpacket).wish),
  external_redpacket: (_, message) => str(obj(message.redpacket).wish),
  meeting: body => str(body.topic),
  docmsg: (_, message) => str(obj(message.doc).title),
  markdown: (_, message) => str(obj(message.info).content),
  news: (_, message) => arr(obj(message.info).item).map(item => join(str(obj(item).title), str(obj(item).description))).join(' '),
  calendar: body => join(str(body.title), str(body.place), str(body.remarks)),
  collect: body => str(body.title),
  sphfeed: body => str(body.feed_desc),
  vote: (body, message) => join(str(message.votetitle ?? body.votetitle), ...arr(message.voteitem ?? body.voteitem).map(str)),
  chatrecord: body => join(str(body.title), ...arr(body.item).map(item => str(innerContent(obj(item).content).content))),
  mixed: body => arr(body.item).map((item) => {
    const part = obj(item)
    return str(part.type) === 'text' ? str(innerContent(part.content).content) : ''
  }).filter(Boolean).join(' '),
}

function textOf(msgtype: string, message: Json): string {
  const read = Object.hasOwn(TEXT_OF, msgtype) ? TEXT_OF[msgtype as ArchiveSearchableType] : undefined
  return read ? read(obj(message[msgtype]), message) : ''
}

const MEDIA_EXT: Record<string, string> = { image: 'jpg', voice: 'amr', video: 'mp4', meeting_voice_call: 'amr' }

function mediaOf(msgtype: string, message: Json): DecodedMessage['media'] {
  const body = obj(message[msgtype])
  const sdkfileid = str(body.sdkfileid)
  if (!sdkfileid)
    return null
  let ext = MEDIA_EXT[msgtype] ?? 'bin'
  if (msgtype === 'file')
    ext = str(body.fileext).replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 10) || 'bin'
  else if (msgtype === 'emotion')
    ext = body.type === 1 ? 'gif' : 'png'
  else if (msgtype === 'voip_doc_share')
    ext = str(body.filename).split('.').pop()?.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 10) || 'bin'
  return { sdkfileid, md5: str(body.md5sum), ext }
}

export class MessageFormatError extends Error {}

/** Reads a decrypted message; throws MessageFormatError when it lacks what every message has. */
export function decodeMessage(message: Json): DecodedMessage {
  const msgid = str(message.msgid)
  const action = str(message.action)
  if (!msgid || !action)
    throw new MessageFormatError('message without msgid or action')
  // A switch log has no msgtype: {msgid, action: "switch", time, user}.
  if (action === 'switch') {
    return { msgid, action, msgtype: 'switch', from: str(message.user), tolist: [], roomid: '', msgtime: Number(message.time) || 0, body: message, content: '', media: null, recalls: null, consent: null }
  }
  const msgtype = str(message.msgtype) || 'unknown'
  const msgtime = Number(message.msgtime)
  if (!Number.isFinite(msgtime))
    throw new MessageFormatError('message without msgtime')
  const agree = msgtype === 'agree' || msgtype === 'disagree'
  return {
    msgid,
    action,
    msgtype,
    from: str(message.from),
    tolist: arr(message.tolist).map(str).filter(Boolean),
    roomid: str(message.roomid),
    msgtime,
    body: message,
    content: textOf(msgtype, message).slice(0, 10_000),
    media: mediaOf(msgtype, message),
    recalls: msgtype === 'revoke' ? str(obj(message.revoke).pre_msgid) || null : null,
    consent: agree ? { externalUserid: str(obj(message[msgtype]).userid), agree: msgtype === 'agree' } : null,
  }
}

/** Strips control characters some payloads carry before JSON.parse (reference §4.4). */
export function parseMessageJson(text: string): Json {
  // eslint-disable-next-line no-control-regex -- removing control bytes is the point
  const parsed: unknown = JSON.parse(text.replace(/[\u0000-\u001F]/g, ''))
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new MessageFormatError('message JSON is not an object')
  return parsed as Json
}
