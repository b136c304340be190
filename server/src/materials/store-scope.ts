// One rule for what the content libraries (materials, scripted replies) show in which store, and who may set it:
// an item without store rows is visible in every store, otherwise only in its stores; admins see everything;
// a store manager manages only what is visible in their store alone; guides manage nothing.
import type { SQL } from 'drizzle-orm'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { asc, inArray, sql } from 'drizzle-orm'
import { materials, materialStores, replies, replyStores, stores } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { badRequest, forbidden } from '../plugins/errors.ts'

/** The item table's id and its link table (item id, store id). */
const LINKS = {
  素材: { item: materials.id, table: materialStores, itemId: materialStores.materialId, storeId: materialStores.storeId },
  话术: { item: replies.id, table: replyStores, itemId: replyStores.replyId, storeId: replyStores.storeId },
} as const

export type StoreScopedLibrary = keyof typeof LINKS

export function storeScope(library: StoreScopedLibrary) {
  const link = LINKS[library]

  /** Visible in the session's store (undefined for admins: everything). */
  function visibleTo(session: Session): SQL | undefined {
    if (session.role === 'admin')
      return undefined
    const linked = qualified(link.itemId)
    return sql`(not exists (select 1 from ${link.table} where ${linked} = ${qualified(link.item)}) or exists (select 1 from ${link.table} where ${linked} = ${qualified(link.item)} and ${qualified(link.storeId)} = ${session.storeId ?? ''}))`
  }

  function requireManager(session: Session): void {
    if (session.role === 'guide')
      throw forbidden(`只有管理员和店长可以管理${library}`)
  }

  /** Each item's stores, sorted (empty = every store). */
  async function storeIdsOf(db: AsyncDbOrTx, ids: number[]): Promise<Map<number, string[]>> {
    const map = new Map<number, string[]>(ids.map(id => [id, []]))
    if (!ids.length)
      return map
    const rows = await db.select({ itemId: link.itemId, storeId: link.storeId }).from(link.table).where(inArray(link.itemId, ids)).orderBy(asc(link.storeId)).all()
    for (const row of rows)
      map.get(row.itemId)?.push(row.storeId)
    return map
  }

  /** The store list a save may set: a store manager's is always their own store; unknown ids are 400. */
  async function allowedStoreIds(db: AsyncDbOrTx, session: Session, requested: string[] | undefined): Promise<string[]> {
    if (session.role === 'supervisor') {
      if (!session.storeId)
        throw forbidden(`店长账号没有所属门店，不能管理${library}`)
      if (requested?.some(id => id !== session.storeId))
        throw forbidden(`店长只能把${library}设为本门店可见`)
      return [session.storeId]
    }
    const wanted = [...new Set(requested ?? [])]
    if (wanted.length) {
      const known = new Set((await db.select({ id: stores.id }).from(stores).where(inArray(stores.id, wanted)).all()).map(r => r.id))
      const unknown = wanted.filter(id => !known.has(id))
      if (unknown.length)
        throw badRequest(`门店不存在：${unknown.join('、')}`)
    }
    return wanted
  }

  return { visibleTo, requireManager, storeIdsOf, allowedStoreIds }
}
