// Name and category dictionaries for the demo world: an apparel-and-beauty brand with three stores.
// Pure data; the generator (generator.ts) decides how it is combined.

export type Season = '春夏' | '秋冬' | '四季'

/**
 * `category` in the products table is the SECOND path segment (外套, 针织, 护肤 …): the first one
 * (服装/美妆) is too coarse to group purchases or preferences by, and the third (羽绒服, 精华 …) is the
 * `leaf` here, kept in category_path. (The schema comment says "top-level"; the second level is what
 * the guides and the recommender reason about, so it is the one stored.)
 */
export interface LeafCategory {
  top: '服装' | '美妆'
  category: string
  leaf: string
  /** How many SPUs of this leaf the catalog carries. */
  spus: number
  /** List price range in 元. */
  priceMin: number
  priceMax: number
  season: Season
  consumable: boolean
  /** Typical replenishment cycle in days for consumables bought on a rhythm. */
  cycleDays?: number
  kind: 'apparel' | 'accessory' | 'skincare' | 'makeup' | 'fragrance'
  prefixes: readonly string[]
  materials: readonly string[]
  noun: string
  /** Variant axis for non-apparel items (volumes, shades); apparel uses colour × size. */
  variants?: readonly string[]
}

const APPAREL_PREFIXES = ['廓形', '落肩', '修身', '宽松', '简约', '法式', '复古', '轻盈', '经典', '通勤', '都市', '极简']

export const LEAVES: readonly LeafCategory[] = [
  { top: '服装', category: '外套', leaf: '羽绒服', spus: 12, priceMin: 999, priceMax: 2999, season: '秋冬', consumable: false, kind: 'apparel', prefixes: ['轻薄', '连帽', '长款', '短款', '立领', '面包'], materials: ['白鹅绒', '白鸭绒', '防泼水'], noun: '羽绒服' },
  { top: '服装', category: '外套', leaf: '大衣', spus: 12, priceMin: 1299, priceMax: 2999, season: '秋冬', consumable: false, kind: 'apparel', prefixes: ['双面', '茧型', '双排扣', '系带', '长款', '落肩'], materials: ['羊毛', '羊绒', '羊驼毛', '粗花呢'], noun: '大衣' },
  { top: '服装', category: '外套', leaf: '风衣', spus: 10, priceMin: 899, priceMax: 1999, season: '四季', consumable: false, kind: 'apparel', prefixes: ['经典', '双排扣', '中长款', '廓形', '英伦'], materials: ['棉质', '防风', '垂感'], noun: '风衣' },
  { top: '服装', category: '外套', leaf: '西装外套', spus: 8, priceMin: 899, priceMax: 1899, season: '四季', consumable: false, kind: 'apparel', prefixes: ['一粒扣', '宽松', '修身', '通勤', '垫肩'], materials: ['羊毛混纺', '醋酸', '亚麻'], noun: '西装外套' },
  { top: '服装', category: '外套', leaf: '夹克', spus: 8, priceMin: 899, priceMax: 1599, season: '秋冬', consumable: false, kind: 'apparel', prefixes: ['短款', '机车', '工装', '飞行员', '立领'], materials: ['皮革', '灯芯绒', '牛仔'], noun: '夹克' },
  { top: '服装', category: '针织', leaf: '针织衫', spus: 14, priceMin: 399, priceMax: 899, season: '秋冬', consumable: false, kind: 'apparel', prefixes: APPAREL_PREFIXES, materials: ['羊毛', '棉线', '马海毛', '美利奴'], noun: '针织衫' },
  { top: '服装', category: '针织', leaf: '羊绒衫', spus: 10, priceMin: 899, priceMax: 1599, season: '秋冬', consumable: false, kind: 'apparel', prefixes: ['圆领', '高领', 'V领', '半高领', '基础'], materials: ['山羊绒', '双股羊绒'], noun: '羊绒衫' },
  { top: '服装', category: '针织', leaf: '开衫', spus: 10, priceMin: 399, priceMax: 999, season: '四季', consumable: false, kind: 'apparel', prefixes: ['短款', '长款', '小香风', 'V领', '宽松'], materials: ['羊毛', '棉', '天丝'], noun: '开衫' },
  { top: '服装', category: '衬衫', leaf: '衬衫', spus: 14, priceMin: 299, priceMax: 699, season: '四季', consumable: false, kind: 'apparel', prefixes: APPAREL_PREFIXES, materials: ['真丝', '棉', '亚麻', '醋酸'], noun: '衬衫' },
  { top: '服装', category: '衬衫', leaf: 'T恤', spus: 16, priceMin: 129, priceMax: 299, season: '春夏', consumable: false, kind: 'apparel', prefixes: ['圆领', '短袖', '宽松', '基础', '印花', '字母'], materials: ['新疆棉', '莫代尔', '丝光棉'], noun: 'T恤' },
  { top: '服装', category: '连衣裙', leaf: '连衣裙', spus: 22, priceMin: 499, priceMax: 1599, season: '春夏', consumable: false, kind: 'apparel', prefixes: ['法式', '碎花', '收腰', '吊带', '衬衫式', '长款', '泡泡袖'], materials: ['雪纺', '真丝', '棉麻', '醋酸'], noun: '连衣裙' },
  { top: '服装', category: '连衣裙', leaf: '半身裙', spus: 12, priceMin: 299, priceMax: 899, season: '春夏', consumable: false, kind: 'apparel', prefixes: ['A字', '百褶', '包臀', '鱼尾', '高腰'], materials: ['羊毛', '缎面', '棉麻', '针织'], noun: '半身裙' },
  { top: '服装', category: '裤装', leaf: '牛仔裤', spus: 12, priceMin: 399, priceMax: 899, season: '四季', consumable: false, kind: 'apparel', prefixes: ['直筒', '阔腿', '高腰', '微喇', '锥形'], materials: ['弹力牛仔', '水洗牛仔'], noun: '牛仔裤' },
  { top: '服装', category: '裤装', leaf: '西裤', spus: 10, priceMin: 499, priceMax: 999, season: '四季', consumable: false, kind: 'apparel', prefixes: ['九分', '直筒', '垂感', '通勤', '烟管'], materials: ['羊毛混纺', '醋酸', '三醋酸'], noun: '西裤' },
  { top: '服装', category: '裤装', leaf: '阔腿裤', spus: 10, priceMin: 399, priceMax: 899, season: '春夏', consumable: false, kind: 'apparel', prefixes: ['高腰', '垂感', '休闲', '拖地'], materials: ['天丝', '亚麻', '冰丝'], noun: '阔腿裤' },
  { top: '服装', category: '配饰', leaf: '围巾', spus: 8, priceMin: 299, priceMax: 1299, season: '秋冬', consumable: false, kind: 'accessory', prefixes: ['格纹', '纯色', '流苏', '双面'], materials: ['羊绒', '羊毛', '真丝'], noun: '围巾' },
  { top: '服装', category: '配饰', leaf: '包袋', spus: 8, priceMin: 699, priceMax: 2999, season: '四季', consumable: false, kind: 'accessory', prefixes: ['托特', '腋下', '斜挎', '水桶', '迷你'], materials: ['牛皮', '羊皮', '帆布'], noun: '包' },
  { top: '服装', category: '配饰', leaf: '腰带', spus: 6, priceMin: 199, priceMax: 599, season: '四季', consumable: false, kind: 'accessory', prefixes: ['细款', '宽版', '针扣', '编织'], materials: ['牛皮', '漆皮'], noun: '腰带' },
  { top: '服装', category: '配饰', leaf: '袜子', spus: 6, priceMin: 39, priceMax: 129, season: '四季', consumable: true, cycleDays: 90, kind: 'accessory', prefixes: ['中筒', '船袜', '堆堆', '加厚'], materials: ['精梳棉', '羊毛'], noun: '袜（三双装）', variants: ['均码'] },
  { top: '服装', category: '配饰', leaf: '内衣', spus: 8, priceMin: 159, priceMax: 399, season: '四季', consumable: true, cycleDays: 120, kind: 'accessory', prefixes: ['无痕', '无钢圈', '云朵', '舒适'], materials: ['莫代尔', '蚕丝', '棉'], noun: '内衣' },
  { top: '美妆', category: '护肤', leaf: '洁面', spus: 10, priceMin: 128, priceMax: 380, season: '四季', consumable: true, cycleDays: 60, kind: 'skincare', prefixes: ['氨基酸', '净透', '温和', '控油', '泡沫'], materials: ['氨基酸', '白泥', '茶树'], noun: '洁面乳', variants: ['100ml', '150ml'] },
  { top: '美妆', category: '护肤', leaf: '精华', spus: 14, priceMin: 380, priceMax: 1280, season: '四季', consumable: true, cycleDays: 30, kind: 'skincare', prefixes: ['烟酰胺焕亮', '玻色因紧致', '积雪草修护', '视黄醇抗老', '维C亮白', '二裂酵母'], materials: ['烟酰胺', '玻色因', '积雪草', '视黄醇', '维C'], noun: '精华液', variants: ['30ml', '50ml'] },
  { top: '美妆', category: '护肤', leaf: '面霜', spus: 12, priceMin: 420, priceMax: 1580, season: '四季', consumable: true, cycleDays: 45, kind: 'skincare', prefixes: ['神经酰胺', '胶原', '水光', '屏障修护', '御龄'], materials: ['神经酰胺', '胶原蛋白', '角鲨烷'], noun: '面霜', variants: ['30g', '50g'] },
  { top: '美妆', category: '护肤', leaf: '面膜', spus: 10, priceMin: 129, priceMax: 398, season: '四季', consumable: true, cycleDays: 45, kind: 'skincare', prefixes: ['补水', '舒缓', '清洁', '睡眠', '提亮'], materials: ['玻尿酸', '泥膜', '积雪草'], noun: '面膜', variants: ['5片装', '10片装'] },
  { top: '美妆', category: '护肤', leaf: '防晒', spus: 8, priceMin: 168, priceMax: 420, season: '春夏', consumable: true, cycleDays: 40, kind: 'skincare', prefixes: ['清透', '水感', '户外', '素颜'], materials: ['物理防晒', '化学防晒'], noun: '防晒乳 SPF50+', variants: ['40ml', '60ml'] },
  { top: '美妆', category: '护肤', leaf: '爽肤水', spus: 8, priceMin: 198, priceMax: 560, season: '四季', consumable: true, cycleDays: 50, kind: 'skincare', prefixes: ['保湿', '收敛', '精粹', '湿敷'], materials: ['玻尿酸', '金缕梅', '发酵'], noun: '柔肤水', variants: ['150ml', '200ml'] },
  { top: '美妆', category: '彩妆', leaf: '口红', spus: 10, priceMin: 260, priceMax: 420, season: '四季', consumable: true, cycleDays: 90, kind: 'makeup', prefixes: ['丝绒', '水光', '哑光', '润唇'], materials: ['丝绒', '滋润'], noun: '唇膏', variants: ['#01 正红', '#02 豆沙', '#03 枫叶棕', '#04 奶茶', '#05 珊瑚', '#06 玫瑰'] },
  { top: '美妆', category: '彩妆', leaf: '粉底', spus: 8, priceMin: 320, priceMax: 690, season: '四季', consumable: true, cycleDays: 75, kind: 'makeup', prefixes: ['持妆', '轻透', '养肤', '柔雾'], materials: ['粉底液', '气垫'], noun: '粉底', variants: ['象牙白', '自然色', '小麦色'] },
  { top: '美妆', category: '香氛', leaf: '香水', spus: 8, priceMin: 580, priceMax: 1580, season: '四季', consumable: false, kind: 'fragrance', prefixes: ['晨雾', '雪松', '白茶', '无花果', '鸢尾', '橙花'], materials: ['木质调', '花香调', '柑橘调'], noun: '淡香水', variants: ['30ml', '50ml', '100ml'] },
  { top: '美妆', category: '香氛', leaf: '香薰蜡烛', spus: 4, priceMin: 299, priceMax: 599, season: '秋冬', consumable: true, cycleDays: 60, kind: 'fragrance', prefixes: ['琥珀', '檀木', '无花果', '晚香玉'], materials: ['大豆蜡'], noun: '香薰蜡烛', variants: ['180g'] },
]

/** Second-level categories (the `category` column) in display order. */
export const CATEGORIES = [...new Set(LEAVES.map(l => l.category))]

export const APPAREL_COLORS = ['黑色', '白色', '米白', '燕麦色', '驼色', '卡其', '藏青', '灰色', '酒红', '雾霾蓝', '浅粉', '墨绿'] as const
export const APPAREL_SIZES = ['S', 'M', 'L', 'XL'] as const
export const STYLES = ['通勤', '休闲', '轻奢'] as const
export const SKIN_EFFECTS = ['保湿', '修护', '提亮', '抗老', '控油'] as const

/**
 * Items bought together (same basket) or soon after each other: the co-purchase signal a
 * recommender can learn. Keyed by leaf.
 */
export const COMPLEMENTS: Readonly<Record<string, readonly string[]>> = {
  风衣: ['针织衫', '西裤'],
  大衣: ['围巾', '羊绒衫'],
  羽绒服: ['围巾', '针织衫'],
  西装外套: ['衬衫', '西裤'],
  夹克: ['T恤', '牛仔裤'],
  针织衫: ['半身裙'],
  羊绒衫: ['围巾'],
  衬衫: ['西裤'],
  T恤: ['牛仔裤', '袜子'],
  连衣裙: ['腰带', '开衫'],
  半身裙: ['针织衫'],
  牛仔裤: ['T恤'],
  洁面: ['精华', '爽肤水'],
  精华: ['面霜'],
  面霜: ['精华'],
  爽肤水: ['面霜'],
  防晒: ['洁面'],
  粉底: ['口红'],
  口红: ['香水'],
  内衣: ['袜子'],
}

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖', '田', '董', '潘', '袁', '蒋', '蔡', '余', '杜', '叶', '程', '魏', '苏', '吕', '丁', '沈', '任', '姚', '卢', '钟', '姜', '崔', '谭', '陆', '范', '汪', '廖', '石', '金', '韦', '贾', '夏', '付', '方', '邹', '熊', '白', '孟', '秦', '邱', '侯', '江', '尹', '薛', '闫', '段', '雷', '龙', '黎', '史', '陶', '贺', '顾', '毛', '郝', '龚', '邵', '万', '钱', '严', '欧阳', '上官', '司马']
export const FEMALE_GIVEN = ['静', '丽', '敏', '婷', '雪', '琳', '颖', '洁', '倩', '璐', '欣怡', '梓涵', '诗琪', '雨萱', '思彤', '佳怡', '一诺', '可馨', '晓雯', '慧敏', '丹丹', '燕', '萍', '玲', '霞', '芳', '娜', '莉', '蕾', '悦', '瑶', '嘉怡', '梦洁', '若曦', '安琪', '子涵', '晨曦', '雅琴', '美琳', '秀英', '海燕', '文静', '紫萱', '思雨', '诗涵', '欣然', '语嫣', '梓萱', '沐晴', '清妍']
export const MALE_GIVEN = ['伟', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '浩然', '子轩', '宇航', '俊杰', '博文', '一鸣', '志强', '建华', '文博', '天佑', '晨阳', '思远', '家豪', '泽宇', '嘉懿']

export const CITIES_BY_STORE: Readonly<Record<string, readonly string[]>> = {
  S01: ['上海', '上海', '上海', '苏州', '无锡', '南京', '宁波'],
  S02: ['杭州', '杭州', '杭州', '宁波', '绍兴', '嘉兴', '温州'],
  S03: ['北京', '北京', '北京', '天津', '石家庄', '济南', '沈阳'],
}

export const STORES = [
  { id: 'S01', name: '上海南京西路店', city: '上海', wecomDepartmentId: 2, code: 'sh' },
  { id: 'S02', name: '杭州湖滨店', city: '杭州', wecomDepartmentId: 3, code: 'hz' },
  { id: 'S03', name: '北京三里屯店', city: '北京', wecomDepartmentId: 4, code: 'bj' },
] as const

export const LEVELS = ['普通', '银卡', '金卡', '黑金'] as const
export type Level = typeof LEVELS[number]
/** Level from the paid amount (分) over the generated history. */
export const LEVEL_THRESHOLDS: readonly [Level, number][] = [['黑金', 2_000_000], ['金卡', 800_000], ['银卡', 200_000], ['普通', 0]]

export interface TagGroupSpec {
  name: string
  tags: readonly string[]
  /** A WeCom rule-group (策略) tag group rather than a plain corp tag group. */
  rule?: boolean
}

export const TAG_GROUPS: readonly TagGroupSpec[] = [
  { name: '客户等级', tags: LEVELS },
  { name: '兴趣偏好', tags: ['护肤', '彩妆', '通勤', '休闲', '轻奢'] },
  { name: '来源渠道', tags: ['门店', '直播', '小程序'] },
  { name: '规则组·高价值', tags: ['高价值客户'], rule: true },
]

export interface ReplySpec { title: string, content: string }

export const REPLY_GROUPS: readonly { name: string, replies: readonly ReplySpec[] }[] = [
  {
    name: '开场问候',
    replies: [
      { title: '添加好友欢迎', content: '{{称呼}}您好，我是{{门店}}的导购{{导购}}，很高兴认识您～以后新品上架、会员活动我都会第一时间告诉您，有任何穿搭或护肤问题随时找我哦！' },
      { title: '到店后问候', content: '{{称呼}}，今天谢谢您来{{门店}}逛逛～试穿的那几件我都帮您记下了，回去想好了随时跟我说，我给您留货。' },
      { title: '久未联系问候', content: '{{称呼}}好久不见呀！最近{{门店}}上了不少新款，您有空可以过来看看，我是{{导购}}，到了提前跟我说一声我给您准备好。' },
      { title: '工作时间说明', content: '{{称呼}}您好，我的在线时间是每天10:00-22:00，晚上消息我看到会第二天一早回复您，请见谅～' },
      { title: '交接问候', content: '{{称呼}}您好，我是{{门店}}的{{导购}}，之前服务您的同事调岗了，以后由我来为您服务。您之前的尺码和喜好我都了解过啦，有需要随时找我～' },
      { title: '生日前问候', content: '{{称呼}}，这个月是您的生日月哦～会员生日礼已经帮您准备好了，来{{门店}}的时候记得找{{导购}}领取！' },
      { title: '感谢回复', content: '收到啦{{称呼}}，谢谢您的耐心～我这边确认好马上回复您。' },
      { title: '节后回归问候', content: '{{称呼}}，假期过得开心吗？{{门店}}今天恢复正常营业啦，有需要随时找{{导购}}。' },
    ],
  },
  {
    name: '新品推荐',
    replies: [
      { title: '秋冬大衣上新', content: '{{称呼}}，今年秋冬的双面羊绒大衣到店了，驼色和燕麦色都特别显气质，您的尺码我先帮您留了一件，周末要不要来{{门店}}试试？' },
      { title: '春夏连衣裙上新', content: '{{称呼}}，春夏新款连衣裙上架啦～法式碎花和衬衫式两个系列都很适合通勤，我挑了几款适合您的发您看看。' },
      { title: '羊绒针织推荐', content: '天气转凉了{{称呼}}，新到的羊绒衫手感特别软糯，配您上次买的大衣刚好，要不要我拍几张细节图给您？' },
      { title: '基础款补货', content: '{{称呼}}，您之前问的那款基础T恤补货啦，白色和黑色都有您的码，需要的话我帮您下单～' },
      { title: '精华新品', content: '{{称呼}}，我们新出的修护精华主打屏障修护，换季敏感的时候用特别合适，可以先给您寄一份小样试试。' },
      { title: '香氛新品', content: '{{称呼}}，新到的白茶香调淡香水很清新，适合通勤，来{{门店}}可以先试香哦～' },
      { title: '搭配推荐', content: '{{称呼}}，您上次买的风衣搭这款针织衫和西裤会很好看，我做了一套搭配图给您参考～' },
      { title: '限量款提醒', content: '{{称呼}}，这款是限量款，{{门店}}只到了几件，您喜欢的话我先帮您预留到周日。' },
      { title: '新品小样', content: '{{称呼}}，新品试用装到了，下次来店里找{{导购}}领一份，用得好再考虑正装～' },
    ],
  },
  {
    name: '售后服务',
    replies: [
      { title: '物流查询', content: '{{称呼}}您好，您的订单已经发货了，快递单号我发您，预计1-3天送达，有问题随时找我。' },
      { title: '退换货说明', content: '{{称呼}}，商品在不影响二次销售的情况下7天内可以无理由退换，吊牌请保留好；门店购买的也可以在{{门店}}直接办理。' },
      { title: '尺码不合适', content: '不好意思{{称呼}}，尺码不合适给您添麻烦了，您方便的时候带过来{{门店}}，我提前把合适的尺码给您准备好。' },
      { title: '洗护说明', content: '{{称呼}}，羊绒和羊毛的衣服建议干洗或冷水手洗，平铺晾干，不要悬挂，这样不容易变形哦。' },
      { title: '质量问题致歉', content: '{{称呼}}，非常抱歉给您带来不好的体验！您把问题处拍照发我，我马上帮您申请处理，一定给您满意的答复。' },
      { title: '退款进度', content: '{{称呼}}，您的退款已经提交，一般1-3个工作日原路退回，到账了麻烦跟我说一声～' },
      { title: '修改地址', content: '{{称呼}}，订单还没发出的话可以改地址的，您把新地址发我，我这边马上帮您改。' },
      { title: '维修服务', content: '{{称呼}}，包袋和皮具我们提供免费保养服务，您可以送到{{门店}}，大约一周可以取。' },
    ],
  },
  {
    name: '活动通知',
    replies: [
      { title: '会员日', content: '{{称呼}}，本周六是会员日，全场会员95折，金卡以上额外积分翻倍，{{导购}}在{{门店}}等您～' },
      { title: '双11预告', content: '{{称呼}}，双11活动提前告诉您：满1000减100，可叠加会员折扣，您收藏的那几款我都帮您关注着库存。' },
      { title: '618预告', content: '{{称呼}}，618年中大促来啦，护肤品套装特别划算，您常用的精华和面霜有组合价，需要我帮您算一下吗？' },
      { title: '积分到期提醒', content: '{{称呼}}，您有一部分积分月底就到期了，可以在{{门店}}或小程序兑换礼品，别浪费哦～' },
      { title: '直播预告', content: '{{称呼}}，今晚8点品牌直播间有秋冬新品专场，会有专属优惠券，记得来看～' },
      { title: '门店沙龙', content: '{{称呼}}，下周六下午{{门店}}有一场穿搭沙龙，名额有限，您有兴趣的话我帮您报名。' },
      { title: '满赠活动', content: '{{称呼}}，这周护肤品满800送面膜一盒，您的面膜应该快用完了，可以一起带上～' },
      { title: '升级提醒', content: '{{称呼}}，您再消费一点就可以升级金卡啦，金卡全年享9折和生日礼，{{导购}}帮您留意着～' },
    ],
  },
  {
    name: '护肤建议',
    replies: [
      { title: '换季护肤', content: '{{称呼}}，换季皮肤容易敏感，建议这段时间精简护肤，洁面用温和的氨基酸款，精华选修护类的会更稳。' },
      { title: '精华使用方法', content: '{{称呼}}，精华建议在爽肤水之后使用，取2-3滴在掌心温热后按压上脸，早晚都可以用。' },
      { title: '防晒提醒', content: '{{称呼}}，最近紫外线很强，出门记得提前15分钟涂防晒，户外的话两小时补涂一次哦。' },
      { title: '面膜频率', content: '{{称呼}}，补水面膜一周2-3次就够了，敷15分钟左右就取下来，不要敷太久反而会吸走水分。' },
      { title: '视黄醇建立耐受', content: '{{称呼}}，视黄醇类精华刚开始建议隔天晚上用，先建立耐受，白天一定做好防晒。' },
      { title: '回购提醒', content: '{{称呼}}，算算时间您的精华应该快用完了，要不要我帮您留一瓶？这次还有会员价。' },
      { title: '油皮建议', content: '{{称呼}}，油皮夏天可以换成清爽的乳液，洁面用控油款，一周做一次清洁面膜就很好。' },
      { title: '干皮建议', content: '{{称呼}}，干皮秋冬建议面霜换成滋润型的，晚上可以厚涂当睡眠面膜用。' },
      { title: '敏感肌建议', content: '{{称呼}}，敏感肌先不要叠加太多功效产品，积雪草修护系列比较温和，可以先试小样。' },
    ],
  },
  {
    name: '节日关怀',
    replies: [
      { title: '春节祝福', content: '{{称呼}}，新春快乐！感谢您这一年对{{门店}}的支持，祝您新的一年美美的、顺顺利利～ —— {{导购}}' },
      { title: '中秋祝福', content: '{{称呼}}，中秋快乐！月圆人团圆，祝您和家人幸福安康～' },
      { title: '妇女节祝福', content: '{{称呼}}，女神节快乐！愿您永远自信闪耀，{{门店}}为您准备了节日小礼物，来店可领取～' },
      { title: '母亲节关怀', content: '{{称呼}}，母亲节快到了，如果想给妈妈挑礼物，羊绒围巾和护肤套装都很受欢迎，我可以帮您包装好。' },
      { title: '生日祝福', content: '{{称呼}}，生日快乐！🎂 愿您每一天都被温柔以待，生日礼已经为您准备好了～' },
      { title: '天气转凉关怀', content: '{{称呼}}，这几天降温了，出门记得多穿点，别着凉哦～' },
      { title: '圣诞祝福', content: '{{称呼}}，圣诞快乐！{{门店}}布置了圣诞树，路过可以来拍照打卡～' },
      { title: '七夕祝福', content: '{{称呼}}，七夕快乐～愿您被爱包围，香氛礼盒现在有节日包装，送人自用都合适。' },
    ],
  },
]

export const GUIDE_NAMES = ['林晓雯', '陈佳怡', '王思彤', '张雨萱', '刘梦洁', '杨诗琪', '赵可馨', '黄一诺', '周子涵', '吴欣然', '徐静', '孙丽', '马婷', '朱倩', '胡颖', '郭璐', '何瑶', '罗悦', '高蕾', '郑娜', '梁芳', '谢燕', '宋嘉怡', '唐若曦', '许安琪', '韩晨曦', '冯雅琴', '邓美琳', '曹文静', '彭紫萱']
export const SUPERVISOR_NAMES: Readonly<Record<string, string>> = { S01: '沈慧敏', S02: '叶秀英', S03: '苏海燕' }
export const ADMIN_NAME = '程思远'

export const CORP_NAME = '衣美生活服饰美妆（演示）'
