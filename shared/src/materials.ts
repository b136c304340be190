import type { Static } from 'typebox'
import Type from 'typebox'
import { ChatMessage, SendRecord } from './sends.ts'

export const MaterialKind = Type.Enum(['image', 'video', 'file', 'link', 'miniprogram'])
export type MaterialKind = Static<typeof MaterialKind>
export const materialKindList = MaterialKind.enum as [MaterialKind, ...MaterialKind[]]

/** Kinds stored as a file and sent through a media/upload media id (the WeCom media type has the same name). */
export const fileMaterialKindList = ['image', 'video', 'file'] as const satisfies readonly MaterialKind[]
export type FileMaterialKind = typeof fileMaterialKindList[number]

/**
 * WeCom media/upload limits (官方文档「上传临时素材」): every file > 5 bytes; image ≤ 10 MB JPG/PNG,
 * video ≤ 10 MB MP4, file ≤ 20 MB of any type.
 */
export const MEDIA_MIN_BYTES = 6
export const mediaMaxBytes: Record<FileMaterialKind, number> = {
  image: 10 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
}

const HttpUrl = Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' })
/** A mini-program page path WeCom accepts: it must end in `.html` (a query may follow). */
const PagePath = Type.String({ minLength: 6, maxLength: 512, pattern: '^[^?#]+\\.html(?:\\?.*)?$' })
const StoreIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 })

export const MaterialGroup = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  sortOrder: Type.Integer(),
  materialCount: Type.Integer(),
})
export type MaterialGroup = Static<typeof MaterialGroup>

export const MaterialGroupInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 32 }),
  sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
})
export type MaterialGroupInput = Static<typeof MaterialGroupInput>

export const Material = Type.Object({
  id: Type.Integer(),
  kind: MaterialKind,
  groupId: Type.Union([Type.Integer(), Type.Null()]),
  groupName: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  description: Type.String(),
  linkUrl: Type.Union([Type.String(), Type.Null()]),
  coverUrl: Type.Union([Type.String(), Type.Null()]),
  pagePath: Type.Union([Type.String(), Type.Null()]),
  fileName: Type.Union([Type.String(), Type.Null()]),
  mimeType: Type.Union([Type.String(), Type.Null()]),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  /** Where the file can be viewed (same-origin, needs a session); null for links and cards. */
  fileUrl: Type.Union([Type.String(), Type.Null()]),
  /** Stores it is visible in; empty = every store. */
  storeIds: Type.Array(Type.String()),
  /** Delivered sends (status sent). */
  useCount: Type.Integer(),
  /** Opens of sent links through the redirect. */
  openCount: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
})
export type Material = Static<typeof Material>

export const MaterialList = Type.Object({
  items: Type.Array(Material),
  total: Type.Integer(),
})
export type MaterialList = Static<typeof MaterialList>

export const MaterialListQuery = Type.Object({
  /** Searched in title and description (case-insensitive substring; Chinese as written). */
  q: Type.Optional(Type.String({ maxLength: 64 })),
  kind: Type.Optional(MaterialKind),
  groupId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type MaterialListQuery = Static<typeof MaterialListQuery>

/** A link or a mini-program card (files come as multipart uploads with the same fields as form fields). */
export const CreateCardMaterial = Type.Union([
  Type.Object({
    kind: Type.Literal('link'),
    title: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 512 })),
    linkUrl: HttpUrl,
    coverUrl: HttpUrl,
    groupId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    storeIds: Type.Optional(StoreIds),
  }),
  Type.Object({
    kind: Type.Literal('miniprogram'),
    title: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 512 })),
    pagePath: PagePath,
    coverUrl: HttpUrl,
    groupId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    storeIds: Type.Optional(StoreIds),
  }),
])
export type CreateCardMaterial = Static<typeof CreateCardMaterial>

export const UpdateMaterial = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  description: Type.Optional(Type.String({ maxLength: 512 })),
  linkUrl: Type.Optional(HttpUrl),
  coverUrl: Type.Optional(HttpUrl),
  pagePath: Type.Optional(PagePath),
  groupId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  storeIds: Type.Optional(StoreIds),
})
export type UpdateMaterial = Static<typeof UpdateMaterial>

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const SendMaterialRequest = Type.Object({
  idempotencyKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  memberId: Type.Integer({ minimum: 1 }),
})
export type SendMaterialRequest = Static<typeof SendMaterialRequest>

/** The logged (pending) send and the message to hand to ww.sendChatMessage. */
export const MaterialSend = Type.Object({
  record: SendRecord,
  message: ChatMessage,
})
export type MaterialSend = Static<typeof MaterialSend>

/** A material sent to one member, with the customer's opens (links only). */
export const MemberMaterialSend = Type.Object({
  sendId: Type.Integer(),
  materialId: Type.Integer(),
  guideUserid: Type.String(),
  status: Type.String(),
  createdAt: Type.Integer(),
  openCount: Type.Integer(),
  lastOpenedAt: Type.Union([Type.Integer(), Type.Null()]),
})
export type MemberMaterialSend = Static<typeof MemberMaterialSend>

export const MemberMaterialSends = Type.Object({ sends: Type.Array(MemberMaterialSend) })
export type MemberMaterialSends = Static<typeof MemberMaterialSends>

export const MemberIdQuery = Type.Object({ memberId: Type.Integer({ minimum: 1 }) })

/** What the sidebar needs to build product cards: the brand's mini-program, when it has one. */
export const MaterialSettings = Type.Object({
  miniprogramAppid: Type.Union([Type.String(), Type.Null()]),
  /** How product cards go: to the brand's mini-program shop page, or as H5 link cards. */
  productCards: Type.Enum(['miniprogram', 'link']),
})
export type MaterialSettings = Static<typeof MaterialSettings>

/** A shop page path as WeCom wants it: `.html` at the end of the path, before any query (`a/b?x=1` → `a/b.html?x=1`). */
export function miniprogramPagePath(path: string): string {
  const [page = '', ...query] = path.split('?')
  const html = page.endsWith('.html') ? page : `${page}.html`
  return query.length ? `${html}?${query.join('?')}` : html
}

export const ProductCardQuery = Type.Object({ skuId: Type.String({ minLength: 1, maxLength: 64 }) })
