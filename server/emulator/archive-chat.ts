// Realistic archive content for the emulator: Chinese retail chats between guides and customers (for the
// demo, tests and `pnpm bench --only archive`), and one message of every type in reference §4.6.
import type { ArchiveMessageJson } from './archive.ts'
import { Rng } from '../src/lib/random.ts'

const PRODUCTS = ['羊绒衫', '羽绒服', '真丝围巾', '小白鞋', '牛仔裤', '风衣', '保湿面霜', '精华液', '连衣裙', '羊毛大衣', '运动卫衣', '皮质手袋']
const SIZES = ['S', 'M', 'L', 'XL', '160', '165', '170']
const CUSTOMER_LINES = [
  '你好，请问{p}还有{s}码吗？',
  '上次买的{p}很好穿，想再买一件',
  '{p}有没有别的颜色',
  '这个{p}现在有活动吗？',
  '周末去店里试一下{p}',
  '好的谢谢',
  '收到了，质量不错',
  '快递到哪里了？',
  '能帮我留一件{p}吗',
  '我的退款怎么还没到账？',
  '{p}起球了，可以退货吗',
  '再这样我要投诉了',
  '可以加你微信吗',
  '发票怎么开',
  '会员积分可以抵扣吗',
]
const GUIDE_LINES = [
  '您好，{p}{s}码还有货，给您留一件吗？',
  '亲，{p}这周会员价打八五折哦',
  '新到了几款{p}，给您发图看看',
  '好的，已经帮您登记了',
  '快递今天下午发出，单号稍后发您',
  '退款已经提交，1到3个工作日到账',
  '非常抱歉给您带来不便，我马上帮您处理',
  '欢迎周末来店里试穿',
  '这款{p}是今年的新款，面料很舒服',
  '您的积分可以在结账时抵扣',
  '{p}洗涤建议手洗或者干洗',
  '收到，谢谢您的支持',
  '生日月有专属礼券，记得来领哦',
]
/** Rare guide lines that rules look for (share a number, off-platform payment). */
const RISKY_GUIDE_LINES = ['直接转给我就行，不走平台更便宜', '我手机13812345678，有事打我', '加我微信号 shop_amy88 私聊']

export interface ChatParticipants {
  /** Guide userids. */
  guides: string[]
  /** Per guide, the external_userids of their customers. */
  customersOf: (guide: string) => string[]
}

export interface ChatOptions {
  count: number
  /** First message time (ms); messages are spread forward from here. */
  startMs: number
  /** Average gap between messages (ms). */
  gapMs: number
  seed: number
  /** Prefix of generated msgids (unique per run). */
  idPrefix?: string
}

function fill(template: string, pick: <T>(list: readonly T[]) => T): string {
  return template.replaceAll('{p}', pick(PRODUCTS)).replaceAll('{s}', pick(SIZES))
}

/** `count` text messages in 1:1 chats: a customer asks, the guide answers (sometimes late, sometimes never). */
export function generateChat(people: ChatParticipants, options: ChatOptions): ArchiveMessageJson[] {
  const random = new Rng(options.seed)
  const rng = () => random.next()
  const pick = <T>(list: readonly T[]): T => random.pick(list)
  const messages: ArchiveMessageJson[] = []
  let time = options.startMs
  const prefix = options.idPrefix ?? `msg${options.seed}`
  while (messages.length < options.count) {
    const guide = pick(people.guides)
    const customers = people.customersOf(guide)
    if (customers.length === 0)
      continue
    const customer = pick(customers)
    const turns = 1 + Math.floor(rng() * 4)
    for (let turn = 0; turn < turns && messages.length < options.count; turn++) {
      time += Math.floor(rng() * options.gapMs * 2)
      messages.push(text(`${prefix}_${messages.length}`, customer, guide, time, fill(pick(CUSTOMER_LINES), pick)))
      if (messages.length >= options.count || rng() < 0.1)
        continue
      time += Math.floor(rng() * options.gapMs)
      const line = rng() < 0.01 ? pick(RISKY_GUIDE_LINES) : fill(pick(GUIDE_LINES), pick)
      messages.push(text(`${prefix}_${messages.length}`, guide, customer, time, line))
    }
  }
  return messages
}

export function text(msgid: string, from: string, to: string, msgtime: number, content: string): ArchiveMessageJson {
  return { msgid, action: 'send', from, tolist: [to], roomid: '', msgtime, msgtype: 'text', text: { content } }
}

/** One message of each §4.6 type between `guide` and `customer` (media bodies name `sdkfileid`s the caller serves). */
export function everyType(guide: string, customer: string, msgtime: number, prefix: string): ArchiveMessageJson[] {
  const base = (n: number, msgtype: string, from = guide) => ({ msgid: `${prefix}_${msgtype}_${n}`, action: 'send', from, tolist: [from === guide ? customer : guide], roomid: '', msgtime: msgtime + n * 1000, msgtype })
  return [
    { ...base(0, 'text', customer), text: { content: '你好，我想问一下羊绒衫' } },
    { ...base(1, 'image'), image: { md5sum: '', filesize: 0, sdkfileid: `${prefix}_img` } },
    { ...base(2, 'voice', customer), voice: { md5sum: '', voice_size: 0, play_length: 3, sdkfileid: `${prefix}_voice` } },
    { ...base(3, 'video'), video: { md5sum: '', filesize: 0, play_length: 5, sdkfileid: `${prefix}_video` } },
    { ...base(4, 'file'), file: { md5sum: '', filename: '会员权益说明.pdf', fileext: 'pdf', filesize: 0, sdkfileid: `${prefix}_file` } },
    { ...base(5, 'link'), link: { title: '冬季新品上市', description: '羽绒服会员专享价', link_url: 'https://brand.example/new', image_url: 'https://brand.example/a.jpg' } },
    { ...base(6, 'card'), card: { corpname: '示例品牌', userid: guide } },
    { ...base(7, 'location'), location: { longitude: 121.47, latitude: 31.23, address: '上海市静安区南京西路1000号', title: '静安旗舰店', zoom: 15 } },
    { ...base(8, 'emotion', customer), emotion: { type: 2, width: 100, height: 100, imagesize: 0, md5sum: '', sdkfileid: `${prefix}_emotion` } },
    { ...base(9, 'weapp'), weapp: { title: '会员商城', description: '积分兑换', username: 'gh_123@app', displayname: '品牌商城' } },
    { ...base(10, 'chatrecord'), chatrecord: { title: '聊天记录', item: [{ type: 'ChatRecordText', msgtime, content: JSON.stringify({ content: '之前说好的尺码' }), from_chatroom: false }] } },
    { ...base(11, 'todo'), todo: { title: '回访', content: '周五回访试穿感受' } },
    { ...base(12, 'redpacket'), redpacket: { type: 1, wish: '恭喜发财，感谢支持', totalcnt: 1, totalamount: 888 } },
    { ...base(13, 'external_redpacket'), redpacket: { type: 1, wish: '新年快乐', totalcnt: 1, totalamount: 666 } },
    { ...base(14, 'meeting'), meeting: { topic: '新品视频导购', starttime: 1, endtime: 2, address: '', remarks: '', meetingtype: 102, meetingid: 1, status: 1 } },
    { ...base(15, 'docmsg'), doc: { title: '尺码对照表', link_url: 'https://doc.example', doc_creator: guide } },
    { ...base(16, 'markdown'), info: { content: '**会员日** 全场八折' } },
    { ...base(17, 'news'), info: { item: [{ title: '穿搭指南', description: '冬季叠穿', url: 'https://brand.example/g', picurl: '' }] } },
    { ...base(18, 'calendar'), calendar: { title: '到店试衣', creatorname: '导购', attendeename: ['顾客'], starttime: 1, endtime: 2, place: '静安旗舰店', remarks: '带上小票' } },
    { ...base(19, 'mixed'), mixed: { item: [{ type: 'text', content: JSON.stringify({ content: '这是搭配建议' }) }, { type: 'image', content: JSON.stringify({ md5sum: '', filesize: 0, sdkfileid: 'x' }) }] } },
    { ...base(20, 'vote'), votetitle: '喜欢哪个颜色', voteitem: ['驼色', '灰色'], votetype: 101, voteid: 'v1' },
    { ...base(21, 'collect'), collect: { room_name: '', creator: guide, create_time: '', title: '尺码登记', details: [] } },
    { ...base(22, 'sphfeed'), sphfeed: { feed_type: 4, sph_name: '品牌视频号', feed_desc: '秋冬穿搭直播回放' } },
    { ...base(23, 'meeting_voice_call'), voiceid: 'vc1', meeting_voice_call: { endtime: 1, sdkfileid: `${prefix}_call`, demofiledata: [], sharescreendata: [] } },
    { ...base(24, 'voip_doc_share'), voipid: 'vp1', voip_doc_share: { filename: '搭配.pptx', md5sum: '', filesize: 0, sdkfileid: `${prefix}_doc` } },
    { ...base(25, 'agree', customer), agree: { userid: customer, agree_time: msgtime } },
    { ...base(26, 'future_type_x'), future_type_x: { anything: 1 } },
    { msgid: `${prefix}_switch`, action: 'switch', time: msgtime + 27_000, user: guide },
  ]
}
