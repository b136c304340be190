// The material library (素材库): admins and store managers keep images, videos, files, links and mini-program
// cards, grouped and visible per store; guides send them into the chat with the real message types.
import type { ChatMessage, CreateCardMaterial, FileMaterialKind, Material, MaterialGroup, MaterialGroupInput, MaterialList, MaterialListQuery, MaterialSend, MemberMaterialSends, SendMaterialRequest, UpdateMaterial } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { MaterialStorage } from './storage.ts'
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import { fileMaterialKindList, formatFen, miniprogramPagePath } from '@scrm/shared'
import { and, asc, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { requireAdmin, requireMemberAccess } from '../auth/access.ts'
import { materialGroups, materialMedia, materialOpens, materials, materialSends, materialStores, products, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { badRequest, conflict, forbidden, notFound } from '../plugins/errors.ts'
import { createSend } from '../sends/service.ts'
import { storeScope } from './store-scope.ts'

/** WeCom keeps a temporary media id 3 days. */
export const MEDIA_TTL_MS = 3 * 86_400_000
/** A cached media id with less life than this left is uploaded again before it is sent. */
const MEDIA_REFRESH_MARGIN_MS = 12 * 3_600_000
/** The refresh job keeps media ids alive only for materials sent this recently; others lapse and are uploaded on demand. */
const MEDIA_KEEP_WARM_MS = 7 * 86_400_000

export interface MaterialDeps {
  database: Database
  wecom: Pick<WecomClient, 'uploadMedia'>
  storage: MaterialStorage
  /** Public origin for the link redirect (config.publicUrl). */
  publicUrl: string
  /** The brand's corp-linked mini-program appid; '' = none. */
  miniprogramAppid: string
  /** Products go as mini-program cards to their shop page (else as link cards). */
  productCardsAsMiniprogram: boolean
  /** Key for the link tokens (derived from the session secret). */
  linkKey: Buffer
  now: () => number
}

export function linkKeyFrom(sessionSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionSecret, 'scrm materials', 'material link token', 32))
}

type MaterialRow = typeof materials.$inferSelect

const isFileKind = (kind: string): kind is FileMaterialKind => (fileMaterialKindList as readonly string[]).includes(kind)

// ── Visibility and management rights ──

const { visibleTo, requireManager, storeIdsOf, allowedStoreIds } = storeScope('素材')

async function requireGroup(db: AsyncDbOrTx, groupId: number | null | undefined): Promise<void> {
  if (groupId != null && !(await db.select({ id: materialGroups.id }).from(materialGroups).where(eq(materialGroups.id, groupId)).get()))
    throw badRequest(`素材分组 ${groupId} 不存在`)
}

/** The material if the session may see it (archived ones are gone), else 404. */
async function visibleMaterial(db: AsyncDbOrTx, session: Session, id: number): Promise<MaterialRow> {
  const row = await db.select().from(materials).where(and(eq(materials.id, id), isNull(materials.archivedAt), visibleTo(session))).get()
  if (!row)
    throw notFound(`素材 ${id} 不存在`, { reason: 'material_not_found' })
  return row
}

/** The material if the session may change it: 404 when not visible, 403 when visible but not theirs to manage. */
async function manageableMaterial(db: AsyncDbOrTx, session: Session, id: number): Promise<MaterialRow> {
  requireManager(session)
  const row = await visibleMaterial(db, session, id)
  if (session.role === 'supervisor') {
    const storeIds = (await storeIdsOf(db, [id])).get(id) ?? []
    if (storeIds.length !== 1 || storeIds[0] !== session.storeId)
      throw forbidden('这条素材不只在本门店可见，只有管理员可以修改')
  }
  return row
}

// ── Reading ──

const useCount = sql<number>`(select count(*) from ${materialSends} join ${sends} on ${qualified(sends.id)} = ${qualified(materialSends.sendId)} where ${qualified(materialSends.materialId)} = ${qualified(materials.id)} and ${qualified(sends.status)} = 'sent')`
const openCount = sql<number>`(select count(*) from ${materialOpens} where ${qualified(materialOpens.materialId)} = ${qualified(materials.id)})`

function toMaterial(row: MaterialRow & { groupName: string | null, useCount: number, openCount: number }, storeIds: string[]): Material {
  return {
    id: row.id,
    kind: row.kind,
    groupId: row.groupId,
    groupName: row.groupName,
    title: row.title,
    description: row.description,
    linkUrl: row.linkUrl,
    coverUrl: row.coverUrl,
    pagePath: row.pagePath,
    fileName: row.fileName,
    mimeType: row.mimeType,
    sizeBytes: row.sizeBytes,
    fileUrl: row.contentHash ? `/api/materials/${row.id}/file` : null,
    storeIds,
    useCount: Number(row.useCount),
    openCount: Number(row.openCount),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  }
}

/** `%q%` for a LIKE with `\` as the escape character. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[%_\\]/g, c => `\\${c}`)}%`
}

export async function listMaterials(db: AsyncDbOrTx, session: Session, query: MaterialListQuery): Promise<MaterialList> {
  const q = query.q?.trim()
  const pattern = q ? containsPattern(q) : null
  const where = and(
    isNull(materials.archivedAt),
    visibleTo(session),
    query.kind ? eq(materials.kind, query.kind) : undefined,
    query.groupId ? eq(materials.groupId, query.groupId) : undefined,
    // Case-insensitive on both dialects (lower() is portable); Chinese matches as written.
    pattern ? or(sql`lower(${materials.title}) like lower(${pattern}) escape '\\'`, sql`lower(${materials.description}) like lower(${pattern}) escape '\\'`) : undefined,
  )
  const rows = await db.select({
    material: materials,
    groupName: materialGroups.name,
    useCount,
    openCount,
  }).from(materials).leftJoin(materialGroups, eq(materialGroups.id, materials.groupId)).where(where).orderBy(desc(materials.createdAt), desc(materials.id)).limit(query.limit ?? 50).offset(query.offset ?? 0).all()
  const total = (await db.select({ n: sql<number>`count(*)` }).from(materials).where(where).get())?.n ?? 0
  const storeIds = await storeIdsOf(db, rows.map(r => r.material.id))
  return {
    items: rows.map(r => toMaterial({ ...r.material, groupName: r.groupName, useCount: r.useCount, openCount: r.openCount }, storeIds.get(r.material.id) ?? [])),
    total: Number(total),
  }
}

export async function getMaterial(db: AsyncDbOrTx, session: Session, id: number): Promise<Material> {
  // One read: visible to the session (not archived) and with its group and counts.
  const row = await db.select({ material: materials, groupName: materialGroups.name, useCount, openCount }).from(materials).leftJoin(materialGroups, eq(materialGroups.id, materials.groupId)).where(and(eq(materials.id, id), isNull(materials.archivedAt), visibleTo(session))).get()
  if (!row)
    throw notFound(`素材 ${id} 不存在`, { reason: 'material_not_found' })
  return toMaterial({ ...row.material, groupName: row.groupName, useCount: row.useCount, openCount: row.openCount }, (await storeIdsOf(db, [id])).get(id) ?? [])
}

/** The bytes of a file material the session may see. */
export async function materialFile(deps: Pick<MaterialDeps, 'database' | 'storage'>, session: Session, id: number): Promise<{ bytes: Buffer, mimeType: string, fileName: string }> {
  const row = await visibleMaterial(deps.database.db, session, id)
  if (!row.contentHash)
    throw notFound(`素材 ${id} 没有文件`, { reason: 'material_without_file' })
  return { bytes: await deps.storage.get(row.contentHash), mimeType: row.mimeType ?? 'application/octet-stream', fileName: row.fileName ?? 'file' }
}

// ── Writing ──

export interface FileUpload {
  kind: FileMaterialKind
  title: string
  description: string
  groupId: number | null
  storeIds: string[] | undefined
  fileName: string
  mimeType: string
  bytes: Buffer
}

async function insertMaterial(db: AsyncDbOrTx, session: Session, values: Omit<typeof materials.$inferInsert, 'createdBy' | 'createdAt' | 'updatedAt'>, storeIds: string[], now: number): Promise<number> {
  const row = (await db.insert(materials).values({ ...values, createdBy: session.userid, createdAt: now, updatedAt: now }).returning({ id: materials.id }).get())!
  if (storeIds.length)
    await db.insert(materialStores).values(storeIds.map(storeId => ({ materialId: row.id, storeId }))).run()
  return row.id
}

/** A file material: the caller has checked type and size (storage.checkUpload) and stored the bytes. */
export async function createFileMaterial(database: Database, session: Session, upload: Omit<FileUpload, 'bytes'> & { contentHash: string, sizeBytes: number }, now: number): Promise<number> {
  requireManager(session)
  return database.db.transaction(async (tx) => {
    await requireGroup(tx, upload.groupId)
    const storeIds = await allowedStoreIds(tx, session, upload.storeIds)
    return insertMaterial(tx, session, {
      kind: upload.kind,
      groupId: upload.groupId,
      title: upload.title,
      description: upload.description,
      contentHash: upload.contentHash,
      fileName: upload.fileName,
      mimeType: upload.mimeType,
      sizeBytes: upload.sizeBytes,
    }, storeIds, now)
  })
}

export async function createCardMaterial(deps: Pick<MaterialDeps, 'database' | 'miniprogramAppid'>, session: Session, input: CreateCardMaterial, now: number): Promise<number> {
  requireManager(session)
  if (input.kind === 'miniprogram' && !deps.miniprogramAppid)
    throw badRequest('品牌还没有配置关联企业微信的小程序（WECOM_MINIPROGRAM_APPID），不能添加小程序卡片')
  return deps.database.db.transaction(async (tx) => {
    await requireGroup(tx, input.groupId)
    const storeIds = await allowedStoreIds(tx, session, input.storeIds)
    return insertMaterial(tx, session, {
      kind: input.kind,
      groupId: input.groupId ?? null,
      title: input.title,
      description: input.description ?? '',
      linkUrl: input.kind === 'link' ? input.linkUrl : null,
      coverUrl: input.coverUrl,
      pagePath: input.kind === 'miniprogram' ? input.pagePath : null,
    }, storeIds, now)
  })
}

export async function updateMaterial(database: Database, session: Session, id: number, input: UpdateMaterial, now: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    const row = await manageableMaterial(tx, session, id)
    if (input.linkUrl !== undefined && row.kind !== 'link')
      throw badRequest('只有链接素材有链接地址')
    if (input.pagePath !== undefined && row.kind !== 'miniprogram')
      throw badRequest('只有小程序卡片有页面路径')
    if (input.coverUrl !== undefined && row.kind !== 'link' && row.kind !== 'miniprogram')
      throw badRequest('只有链接和小程序卡片有封面')
    if (input.title !== undefined && row.kind === 'miniprogram' && input.title.length > 64)
      throw badRequest('小程序卡片标题最多 64 个字')
    await requireGroup(tx, input.groupId)
    await tx.update(materials).set({
      title: input.title,
      description: input.description,
      linkUrl: input.linkUrl,
      coverUrl: input.coverUrl,
      pagePath: input.pagePath,
      groupId: input.groupId,
      updatedAt: now,
    }).where(eq(materials.id, id)).run()
    if (input.storeIds !== undefined) {
      const storeIds = await allowedStoreIds(tx, session, input.storeIds)
      await tx.delete(materialStores).where(eq(materialStores.materialId, id)).run()
      if (storeIds.length)
        await tx.insert(materialStores).values(storeIds.map(storeId => ({ materialId: id, storeId }))).run()
    }
  })
}

/** Takes a material out of the library; sends that carried it keep pointing at it. */
export async function archiveMaterial(database: Database, session: Session, id: number, now: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await manageableMaterial(tx, session, id)
    await tx.update(materials).set({ archivedAt: now, updatedAt: now }).where(eq(materials.id, id)).run()
  })
}

// ── Groups ──

export async function listMaterialGroups(db: AsyncDbOrTx, session: Session): Promise<MaterialGroup[]> {
  const scope = visibleTo(session)
  const count = sql<number>`(select count(*) from ${materials} where ${qualified(materials.groupId)} = ${qualified(materialGroups.id)} and ${qualified(materials.archivedAt)} is null${scope ? sql` and ${scope}` : sql``})`
  const rows = await db.select({ id: materialGroups.id, name: materialGroups.name, sortOrder: materialGroups.sortOrder, materialCount: count }).from(materialGroups).orderBy(asc(materialGroups.sortOrder), asc(materialGroups.id)).all()
  return rows.map(r => ({ ...r, materialCount: Number(r.materialCount) }))
}

export async function saveMaterialGroup(database: Database, session: Session, id: number | null, input: MaterialGroupInput, now: number): Promise<MaterialGroup> {
  requireAdmin(session, '只有管理员可以管理素材分组')
  return database.db.transaction(async (tx) => {
    const clash = await tx.select({ id: materialGroups.id }).from(materialGroups).where(eq(materialGroups.name, input.name)).get()
    if (clash && clash.id !== id)
      throw conflict(`素材分组「${input.name}」已存在`)
    const row = id === null
      ? await tx.insert(materialGroups).values({ name: input.name, sortOrder: input.sortOrder ?? 0, createdAt: now }).returning().get()
      : await tx.update(materialGroups).set({ name: input.name, sortOrder: input.sortOrder }).where(eq(materialGroups.id, id)).returning().get()
    if (!row)
      throw notFound(`素材分组 ${id} 不存在`)
    return { id: row.id, name: row.name, sortOrder: row.sortOrder, materialCount: 0 }
  })
}

export async function deleteMaterialGroup(database: Database, session: Session, id: number): Promise<void> {
  requireAdmin(session, '只有管理员可以管理素材分组')
  await database.db.transaction(async (tx) => {
    if (!(await tx.select({ id: materialGroups.id }).from(materialGroups).where(eq(materialGroups.id, id)).get()))
      throw notFound(`素材分组 ${id} 不存在`)
    // Archived materials keep their group for the record; only live ones block the deletion.
    if (await tx.select({ id: materials.id }).from(materials).where(and(eq(materials.groupId, id), isNull(materials.archivedAt))).get())
      throw conflict('分组里还有素材，先移走或删除它们')
    await tx.update(materials).set({ groupId: null }).where(eq(materials.groupId, id)).run()
    await tx.delete(materialGroups).where(eq(materialGroups.id, id)).run()
  })
}

// ── Sending ──

/** `<idempotencyKey>.<mac>`: names the send without a lookup table and cannot be guessed or forged. */
function linkToken(key: Buffer, idempotencyKey: string): string {
  return `${idempotencyKey}.${createHmac('sha256', key).update(`material-open:${idempotencyKey}`).digest('base64url').slice(0, 22)}`
}

function verifyLinkToken(key: Buffer, token: string): string | null {
  const dot = token.lastIndexOf('.')
  if (dot <= 0)
    return null
  const idempotencyKey = token.slice(0, dot)
  const expected = Buffer.from(linkToken(key, idempotencyKey))
  const given = Buffer.from(token)
  return expected.length === given.length && timingSafeEqual(expected, given) ? idempotencyKey : null
}

/**
 * A media id for a file material that lives at least MEDIA_REFRESH_MARGIN_MS more: the cached one, or a
 * fresh media/upload (cached for every guide). Two guides racing both upload; either id is valid.
 */
async function ensureMediaId(deps: MaterialDeps, row: MaterialRow): Promise<string> {
  const now = deps.now()
  const cached = await deps.database.db.select().from(materialMedia).where(eq(materialMedia.materialId, row.id)).get()
  if (cached && cached.contentHash === row.contentHash && cached.expiresAt - now > MEDIA_REFRESH_MARGIN_MS)
    return cached.mediaId
  return uploadMaterialMedia(deps, row)
}

async function uploadMaterialMedia(deps: MaterialDeps, row: MaterialRow): Promise<string> {
  if (!row.contentHash || !isFileKind(row.kind))
    throw new Error(`material ${row.id} has no file`)
  const bytes = await deps.storage.get(row.contentHash)
  const uploaded = await deps.wecom.uploadMedia({ type: row.kind, fileName: row.fileName ?? 'file', contentType: row.mimeType ?? 'application/octet-stream', bytes })
  const values = { contentHash: row.contentHash, mediaId: uploaded.mediaId, uploadedAt: uploaded.createdAt, expiresAt: uploaded.createdAt + MEDIA_TTL_MS }
  await deps.database.db.insert(materialMedia).values({ materialId: row.id, ...values }).onConflictDoUpdate({ target: materialMedia.materialId, set: values }).run()
  return uploaded.mediaId
}

/** The exact ww.sendChatMessage payload for a material (reference §1.6). */
async function messageFor(deps: MaterialDeps, row: MaterialRow, idempotencyKey: string): Promise<ChatMessage> {
  switch (row.kind) {
    case 'image':
      return { msgtype: 'image', image: { mediaid: await ensureMediaId(deps, row) } }
    case 'video':
      return { msgtype: 'video', video: { mediaid: await ensureMediaId(deps, row) } }
    case 'file':
      return { msgtype: 'file', file: { mediaid: await ensureMediaId(deps, row) } }
    case 'link':
      return {
        msgtype: 'news',
        news: {
          // Through our redirect, so the open is recorded against this send and member.
          link: `${deps.publicUrl}/api/materials/open/${linkToken(deps.linkKey, idempotencyKey)}`,
          title: row.title.slice(0, 128),
          desc: row.description.slice(0, 512),
          imgUrl: row.coverUrl!,
        },
      }
    case 'miniprogram':
      if (!deps.miniprogramAppid)
        throw conflict('品牌还没有配置关联企业微信的小程序（WECOM_MINIPROGRAM_APPID），小程序卡片暂时不能发送', { reason: 'miniprogram_not_configured' })
      return { msgtype: 'miniprogram', miniprogram: { appid: deps.miniprogramAppid, title: row.title.slice(0, 64), imgUrl: row.coverUrl!, page: row.pagePath! } }
  }
}

/**
 * Logs a material send as pending (the sends flow: idempotent on the client's key) and returns the message for
 * ww.sendChatMessage. A retry with the same key returns the logged send and its message unchanged.
 */
export async function sendMaterial(deps: MaterialDeps, session: Session, materialId: number, request: SendMaterialRequest): Promise<{ send: MaterialSend, created: boolean }> {
  const db = deps.database.db
  const existing = await db.select({ send: sends, materialId: materialSends.materialId }).from(sends).leftJoin(materialSends, eq(materialSends.sendId, sends.id)).where(eq(sends.idempotencyKey, request.idempotencyKey)).get()
  if (existing) {
    if (existing.send.guideUserid !== session.userid || existing.send.memberId !== request.memberId || existing.materialId !== materialId)
      throw conflict(`idempotencyKey ${request.idempotencyKey} was already used for a different send`, { reason: 'send_key_reused' })
    const { record } = await createSend(db, session, { idempotencyKey: request.idempotencyKey, memberId: request.memberId, message: existing.send.payload as ChatMessage }, existing.send.createdAt)
    return { send: { record, message: existing.send.payload as ChatMessage }, created: false }
  }
  const row = await visibleMaterial(db, session, materialId)
  // Before any upload: a member the guide does not serve gets nothing sent to WeCom.
  await requireMemberAccess(db, session, request.memberId)
  const message = await messageFor(deps, row, request.idempotencyKey)
  return db.transaction(async (tx) => {
    const { record, created } = await createSend(tx, session, { idempotencyKey: request.idempotencyKey, memberId: request.memberId, message }, deps.now())
    if (created)
      await tx.insert(materialSends).values({ sendId: record.id, materialId }).run()
    return { send: { record, message }, created }
  })
}

/** Records a customer opening a sent link; returns where to send them, or null for a bad token. */
export async function openLink(deps: Pick<MaterialDeps, 'database' | 'linkKey' | 'now'>, token: string): Promise<string | null> {
  const idempotencyKey = verifyLinkToken(deps.linkKey, token)
  if (!idempotencyKey)
    return null
  const db = deps.database.db
  const row = await db.select({ sendId: sends.id, memberId: sends.memberId, materialId: materials.id, linkUrl: materials.linkUrl })
    .from(sends)
    .innerJoin(materialSends, eq(materialSends.sendId, sends.id))
    .innerJoin(materials, eq(materials.id, materialSends.materialId))
    .where(eq(sends.idempotencyKey, idempotencyKey))
    .get()
  if (!row?.linkUrl)
    return null
  await db.insert(materialOpens).values({ sendId: row.sendId, materialId: row.materialId, memberId: row.memberId, openedAt: deps.now() }).run()
  return row.linkUrl
}

/** The materials sent to a member (by anyone), newest first, with the customer's opens. */
export async function memberMaterialSends(db: AsyncDbOrTx, session: Session, memberId: number): Promise<MemberMaterialSends> {
  await requireMemberAccess(db, session, memberId)
  const opens = sql<number>`(select count(*) from ${materialOpens} where ${qualified(materialOpens.sendId)} = ${qualified(sends.id)})`
  const lastOpenedAt = sql<number | null>`(select max(${qualified(materialOpens.openedAt)}) from ${materialOpens} where ${qualified(materialOpens.sendId)} = ${qualified(sends.id)})`
  const rows = await db.select({
    sendId: sends.id,
    materialId: materialSends.materialId,
    guideUserid: sends.guideUserid,
    status: sends.status,
    createdAt: sends.createdAt,
    openCount: opens,
    lastOpenedAt,
  }).from(materialSends).innerJoin(sends, eq(sends.id, materialSends.sendId)).where(eq(sends.memberId, memberId)).orderBy(desc(sends.createdAt), desc(sends.id)).limit(200).all()
  return { sends: rows.map(r => ({ ...r, openCount: Number(r.openCount), lastOpenedAt: r.lastOpenedAt === null ? null : Number(r.lastOpenedAt) })) }
}

/**
 * The refresh job: media ids lapsing within MEDIA_REFRESH_MARGIN_MS are uploaded again when their material was
 * sent in the last MEDIA_KEEP_WARM_MS (so the next send is instant); others are dropped and uploaded on demand.
 */
export async function refreshExpiringMedia(deps: MaterialDeps): Promise<{ refreshed: number, dropped: number }> {
  const now = deps.now()
  const db = deps.database.db
  const due = await db.select({ material: materials, lastSentAt: sql<number | null>`(select max(${qualified(sends.createdAt)}) from ${materialSends} join ${sends} on ${qualified(sends.id)} = ${qualified(materialSends.sendId)} where ${qualified(materialSends.materialId)} = ${qualified(materials.id)})` })
    .from(materialMedia)
    .innerJoin(materials, eq(materials.id, materialMedia.materialId))
    .where(lt(materialMedia.expiresAt, now + MEDIA_REFRESH_MARGIN_MS))
    .orderBy(asc(materialMedia.expiresAt))
    .all()
  let refreshed = 0
  let dropped = 0
  for (const { material, lastSentAt } of due) {
    if (material.archivedAt === null && lastSentAt !== null && Number(lastSentAt) >= now - MEDIA_KEEP_WARM_MS) {
      await uploadMaterialMedia(deps, material)
      refreshed++
    }
    else {
      await db.delete(materialMedia).where(and(eq(materialMedia.materialId, material.id), lt(materialMedia.expiresAt, now + MEDIA_REFRESH_MARGIN_MS))).run()
      dropped++
    }
  }
  return { refreshed, dropped }
}

/**
 * A product as a chat card: a mini-program card to the brand's own shop page when the brand has a mini-program and
 * the product a page in it, else the H5 link card.
 */
export async function productCard(db: AsyncDbOrTx, skuId: string, miniprogramAppid: string | null): Promise<ChatMessage> {
  const product = await db.select({ name: products.name, price: products.price, imageUrl: products.imageUrl, linkUrl: products.linkUrl, page: products.miniprogramPage }).from(products).where(eq(products.skuId, skuId)).get()
  if (!product)
    throw notFound(`商品 ${skuId} 不存在`, { reason: 'product_not_found' })
  if (miniprogramAppid && product.page && /^https?:\/\//.test(product.imageUrl))
    return { msgtype: 'miniprogram', miniprogram: { appid: miniprogramAppid, title: product.name.slice(0, 64), imgUrl: product.imageUrl, page: miniprogramPagePath(product.page) } }
  return { msgtype: 'news', news: { link: product.linkUrl, title: product.name.slice(0, 128), desc: formatFen(product.price), imgUrl: product.imageUrl } }
}
