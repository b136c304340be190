// A small, fixed WeCom world for tests (emulator, WeCom client, auth, tags…). Every call returns
// a fresh deep copy, so tests may mutate it freely.
//
//   corp      ww0000000000000001 「模拟品牌零售」, app agentId 1000002
//   secrets   app TEST_FIXTURE_SECRETS.app, 客户联系 TEST_FIXTURE_SECRETS.contact (a corp created
//             after 2023-12-01: the contact secret's token is refused by externalcontact APIs)
//   depts     1 模拟品牌 ─ 2 华东大区 ─ 3 上海南京西路店, 4 杭州湖滨店; 5 总部 (under 1)
//   members   guide01, guide02 (store 3), guide03 (store 4)   导购, 客户联系 members
//             super01 (dept 2, leader)                         督导, 客户联系 member
//             admin01 (dept 5)                                  品牌管理员, not 客户联系
//             disabled01 (store 3, status 2)                    停用
//             hidden01 (store 4, outside the app's visibility)  → user/get 60011
//   customers wmCust0001 (guide01 + guide02, tags 金卡 + 连衣裙 + rule tag)
//             wmCust0002 (guide01, tag 银卡), wmCust0003 (guide03, no tags)
//             woPartner0001 (WeCom user of another corp, guide02)
//             wmOrphan0001 (followed only by hidden01 → externalcontact/get 84061)
//   tags      etGroupLevel 会员等级 {etTagGold 金卡, etTagSilver 银卡}
//             etGroupPref 偏好品类 {etTagDress 连衣裙, etTagShoes 鞋履}
//             etRuleGroupActive 活跃度(规则组) {etRuleTagActive30 近30天活跃} — rule-group (type 3),
//             created by another app; the console groups are not our app's to edit or delete
//   OAuth     trusted redirect hosts: localhost, 127.0.0.1, sidebar.example.test

import type { EmulatorFollow, EmulatorUser, WecomFixtures } from './fixtures.ts'

export const TEST_CORP_ID = 'ww0000000000000001'
export const TEST_AGENT_ID = 1000002
export const TEST_FIXTURE_SECRETS = {
  app: 'EMU_APP_SECRET_0000000000000000000000000001',
  contact: 'EMU_CONTACT_SECRET_000000000000000000000001',
} as const
/** Callback Token / EncodingAESKey of the app: the vector of reference §3.2. */
export const TEST_CALLBACK = {
  token: 'emuToken',
  encodingAesKey: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
} as const

const T0 = 1_700_000_000 // 2023-11-14, seconds

function user(userid: string, name: string, dept: number, position: string, extra: Partial<EmulatorUser> = {}): EmulatorUser {
  return {
    userid,
    name,
    department: [dept],
    mainDepartment: dept,
    position,
    gender: 2,
    avatar: `https://wework.qpic.cn/emu/${userid}/0`,
    status: 1,
    isLeaderInDept: [0],
    visibleToApp: true,
    customerContact: true,
    ...extra,
  }
}

function follow(userid: string, createtime: number, tagIds: string[] = [], extra: Partial<EmulatorFollow> = {}): EmulatorFollow {
  return { userid, remark: '', description: '', createtime, tagIds, addWay: 1, state: '', remarkMobiles: [], ...extra }
}

export function makeTestFixtures(): WecomFixtures {
  return {
    corpId: TEST_CORP_ID,
    corpName: '模拟品牌零售',
    app: {
      agentId: TEST_AGENT_ID,
      secret: TEST_FIXTURE_SECRETS.app,
      callbackToken: TEST_CALLBACK.token,
      encodingAesKey: TEST_CALLBACK.encodingAesKey,
      callbackUrl: '',
      trustedDomains: ['localhost', '127.0.0.1', 'sidebar.example.test'],
      trustedIps: [],
    },
    contactSecret: TEST_FIXTURE_SECRETS.contact,
    corpCreatedAfter20231201: true,
    departments: [
      { id: 1, name: '模拟品牌', parentId: 0 },
      { id: 2, name: '华东大区', parentId: 1 },
      { id: 3, name: '上海南京西路店', parentId: 2 },
      { id: 4, name: '杭州湖滨店', parentId: 2 },
      { id: 5, name: '总部', parentId: 1 },
    ],
    users: [
      user('guide01', '王小美', 3, '导购'),
      user('guide02', '李佳', 3, '导购'),
      user('guide03', '陈晨', 4, '导购', { gender: 1 }),
      user('super01', '张督导', 2, '区域督导', { isLeaderInDept: [1], gender: 1 }),
      user('admin01', '周管理', 5, '品牌管理员', { customerContact: false }),
      user('disabled01', '赵离职', 3, '导购', { status: 2 }),
      user('hidden01', '孙不可见', 4, '导购', { visibleToApp: false }),
    ],
    externalContacts: [
      {
        externalUserid: 'wmCust0001',
        name: '林女士',
        avatar: 'https://wx.qlogo.cn/emu/wmCust0001/0',
        type: 1,
        gender: 2,
        unionid: 'oEmuUnion0001',
        follows: [
          follow('guide01', T0, ['etTagGold', 'etTagDress', 'etRuleTagActive30'], { remark: '林姐-金卡', state: 'store_3', remarkMobiles: ['13800000001'] }),
          follow('guide02', T0 + 86_400, ['etTagDress'], { addWay: 201 }),
        ],
      },
      {
        externalUserid: 'wmCust0002',
        name: '黄先生',
        avatar: 'https://wx.qlogo.cn/emu/wmCust0002/0',
        type: 1,
        gender: 1,
        unionid: '',
        follows: [follow('guide01', T0 + 3600, ['etTagSilver'], { state: 'store_3' })],
      },
      {
        externalUserid: 'wmCust0003',
        name: '吴同学',
        avatar: 'https://wx.qlogo.cn/emu/wmCust0003/0',
        type: 1,
        gender: 0,
        unionid: '',
        follows: [follow('guide03', T0 + 7200, [], { addWay: 2 })],
      },
      {
        externalUserid: 'woPartner0001',
        name: '郑采购',
        avatar: 'https://wework.qpic.cn/emu/woPartner0001/0',
        type: 2,
        gender: 1,
        unionid: '',
        corpName: '合作伙伴公司',
        follows: [follow('guide02', T0 + 10_800, ['etTagShoes'], { addWay: 3 })],
      },
      {
        externalUserid: 'wmOrphan0001',
        name: '钱女士',
        avatar: 'https://wx.qlogo.cn/emu/wmOrphan0001/0',
        type: 1,
        gender: 2,
        unionid: '',
        follows: [follow('hidden01', T0)],
      },
    ],
    tagGroups: [
      {
        groupId: 'etGroupLevel',
        groupName: '会员等级',
        order: 300,
        createTime: T0,
        tags: [
          { id: 'etTagGold', name: '金卡', order: 2, createTime: T0 },
          { id: 'etTagSilver', name: '银卡', order: 1, createTime: T0 },
        ],
      },
      {
        groupId: 'etGroupPref',
        groupName: '偏好品类',
        order: 200,
        createTime: T0,
        tags: [
          { id: 'etTagDress', name: '连衣裙', order: 0, createTime: T0 },
          { id: 'etTagShoes', name: '鞋履', order: 0, createTime: T0 },
        ],
      },
      {
        // RULE_TAG_GROUP_PREFIX ('etRule') marks a rule-group (规则组) tag group; another app
        // (agentid 1000009) created its rule group, so our app may not use its tags in mark_tag.
        createdByAgentId: 1000009,
        groupId: 'etRuleGroupActive',
        groupName: '活跃度(规则组)',
        order: 100,
        createTime: T0,
        tags: [{ id: 'etRuleTagActive30', name: '近30天活跃', order: 0, createTime: T0 }],
      },
    ],
  }
}
