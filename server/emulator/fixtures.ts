// What the WeCom emulator knows about "the corp": the same world the demo generator produces,
// expressed in WeCom's own shapes (userids, external_userids, corp tags, follow relations).

import type { EmulatorPersonalTag } from './tags.ts'

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
  /**
   * Listed under 客户联系 → 可调用接口的应用, so its own token may call externalcontact/* APIs
   * (absent = true). When false, WeCom answers those calls with 48002.
   */
  customerContactApi?: boolean
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
  /**
   * Holds an interop licence (互通账号, absent = true). Without one, batch/get_by_user lists the
   * member in fail_info.unlicensed_userid_list (or answers 701008 when every requested member lacks it).
   */
  interopLicensed?: boolean
}

export interface EmulatorFollow {
  userid: string
  remark: string
  description: string
  /** Seconds. */
  createtime: number
  tagIds: string[]
  /** The guide's personal tags (type 2 in externalcontact/get; see tags.ts). */
  personalTags?: EmulatorPersonalTag[]
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
  /** The app that added this tag (absent = the group's creator). */
  createdByAgentId?: number
  id: string
  name: string
  order: number
  createTime: number
  deleted?: boolean
}

export interface EmulatorTagGroup {
  /**
   * The agentid of the app that created this group and its tags (absent = the admin console or
   * another app). An app's token may edit/delete only its own groups and tags; for a rule-group
   * (规则组) group it is the app that created the rule group, the only app whose token may use
   * its tags in mark_tag.
   */
  createdByAgentId?: number
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
  /**
   * 客户联系 system secret. Its token is accepted by externalcontact APIs only when the corp
   * existed before 2023-12-01 (see corpCreatedAfter20231201); new integrations use the app's token.
   */
  contactSecret: string
  /**
   * The corp was created on/after 2023-12-01 (absent = false): WeCom then refuses the 客户联系
   * system secret's token on externalcontact APIs with 48002 ("从2023年12月1日0点起，不再支持通过系统应用
   * secret调用接口，存量企业暂不受影响").
   */
  corpCreatedAfter20231201?: boolean
  /** 会话内容存档 secret (its token may call msgaudit/*); absent = archiving not enabled. */
  archiveSecret?: string
  departments: EmulatorDepartment[]
  users: EmulatorUser[]
  externalContacts: EmulatorExternalContact[]
  tagGroups: EmulatorTagGroup[]
}
