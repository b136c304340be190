// Raw WeCom response shapes (snake_case, as sent — reference §2). Optional fields are ones WeCom
// omits depending on app age, contact type or corp settings.

export interface WecomEnvelope {
  errcode: number
  errmsg: string
}

export interface WecomUser {
  userid: string
  name: string
  department: number[]
  main_department?: number
  order?: number[]
  position?: string
  mobile?: string
  /** WeCom sends "0" | "1" | "2" (string) here. */
  gender?: string
  email?: string
  avatar?: string
  thumb_avatar?: string
  /** 1 active, 2 disabled, 4 not activated, 5 left. */
  status?: number
  enable?: number
  alias?: string
  is_leader_in_dept?: number[]
  direct_leader?: string[]
  open_userid?: string
  external_profile?: unknown
}

export interface WecomDepartment {
  id: number
  name: string
  name_en?: string
  parentid: number
  order?: number
  department_leader?: string[]
}

export interface ExternalContactTag {
  group_name: string
  tag_name: string
  /** Absent for personal tags (type 2). */
  tag_id?: string
  /** 1 corp tag, 2 member's personal tag, 3 rule-group tag. */
  type: 1 | 2 | 3
}

export interface ExternalContactFollowUser {
  userid: string
  remark: string
  description: string
  /** Seconds. */
  createtime: number
  tags?: ExternalContactTag[]
  remark_corp_name?: string
  remark_mobiles?: string[]
  oper_userid?: string
  add_way?: number
  state?: string
  wechat_channels?: { nickname: string, source: number }
}

export interface ExternalContactProfile {
  external_userid: string
  name: string
  avatar?: string
  /** 1 WeChat user, 2 WeCom user of another corp. */
  type: 1 | 2
  gender?: 0 | 1 | 2
  unionid?: string
  position?: string
  corp_name?: string
  corp_full_name?: string
  external_profile?: unknown
}

export interface ExternalContactDetail {
  external_contact: ExternalContactProfile
  /** All follow users, merged over every cursor page. */
  follow_user: ExternalContactFollowUser[]
}

export interface ExternalContactFollowInfo {
  userid: string
  remark: string
  description: string
  createtime: number
  /** Corp and rule-group tag ids only. */
  tag_id: string[]
  remark_corp_name?: string
  remark_mobiles?: string[]
  oper_userid?: string
  add_way?: number
  state?: string
  wechat_channels?: { nickname: string, source: number }
}

export interface BatchExternalContact {
  external_contact: ExternalContactProfile
  follow_info: ExternalContactFollowInfo
}

export interface BatchGetByUserPage {
  external_contact_list: BatchExternalContact[]
  /** '' on the last page. */
  next_cursor: string
  fail_info?: { unlicensed_userid_list?: string[] }
}

export interface CorpTag {
  id: string
  name: string
  create_time: number
  order: number
  deleted?: boolean
}

export interface CorpTagGroup {
  group_id: string
  group_name: string
  create_time: number
  order: number
  deleted?: boolean
  tag: CorpTag[]
}
