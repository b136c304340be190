// What the WeCom emulator knows about "the corp": the same world the demo generator produces,
// expressed in WeCom's own shapes (userids, external_userids, corp tags, follow relations).

export interface EmulatorApp {
  agentId: number
  /** The self-built app's secret (OAuth, JS-SDK tickets, user/get). */
  secret: string
  /** Callback Token / EncodingAESKey of the app (WXBizMsgCrypt). */
  callbackToken: string
  encodingAesKey: string
  /** Where the emulator pushes encrypted callback events; empty = none registered. */
  callbackUrl: string
  /** Hosts allowed as OAuth redirect_uri (可信域名), e.g. `localhost:3000`. */
  trustedDomains: string[]
  /** Caller IPs allowed (企业可信IP); empty = any. */
  trustedIps: string[]
}

export interface EmulatorDepartment {
  id: number
  name: string
  parentId: number
}

export interface EmulatorUser {
  userid: string
  name: string
  department: number[]
  mainDepartment: number
  position: string
  gender: 0 | 1 | 2
  avatar: string
  /** 1 active, 2 disabled, 4 not activated, 5 left. */
  status: 1 | 2 | 4 | 5
  isLeaderInDept: (0 | 1)[]
  /** False for the member outside the app's visibility (→ 60011). */
  visibleToApp: boolean
  /** A 客户联系 member (follow user). */
  customerContact: boolean
}

export interface EmulatorFollow {
  userid: string
  remark: string
  description: string
  /** Seconds. */
  createtime: number
  tagIds: string[]
  addWay: number
  state: string
  remarkMobiles: string[]
}

export interface EmulatorExternalContact {
  externalUserid: string
  name: string
  avatar: string
  /** 1 WeChat user (wm…), 2 WeCom user (wo…). */
  type: 1 | 2
  gender: 0 | 1 | 2
  unionid: string
  corpName?: string
  follows: EmulatorFollow[]
}

export interface EmulatorTag {
  id: string
  name: string
  order: number
  createTime: number
  deleted?: boolean
}

export interface EmulatorTagGroup {
  groupId: string
  groupName: string
  order: number
  createTime: number
  deleted?: boolean
  tags: EmulatorTag[]
}

export interface WecomFixtures {
  corpId: string
  corpName: string
  app: EmulatorApp
  /** 客户联系 secret: its own token, allowed to call externalcontact APIs. */
  contactSecret: string
  departments: EmulatorDepartment[]
  users: EmulatorUser[]
  externalContacts: EmulatorExternalContact[]
  tagGroups: EmulatorTagGroup[]
}
