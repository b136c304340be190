// The admin's red-packet settings (limits, presets, reasons) and per-store monthly budgets.
import type { RedPacketSettings, RedPacketSettingsPage, UpdateStoreBudgetsRequest } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { asc, eq, inArray } from 'drizzle-orm'
import { requireAdmin } from '../auth/access.ts'
import { redPacketSettings, redPacketStoreBudgets, stores } from '../db/schema.ts'
import { badRequest } from '../plugins/errors.ts'
import { loadSettings } from './service.ts'

const SETTINGS_REFUSAL = 'red-packet limits and budgets are set by an admin'

export async function settingsPage(db: AsyncDbOrTx, session: Session): Promise<RedPacketSettingsPage> {
  requireAdmin(session, SETTINGS_REFUSAL)
  const rows = await db.select({ storeId: stores.id, storeName: stores.name, monthFen: redPacketStoreBudgets.monthFen })
    .from(stores)
    .leftJoin(redPacketStoreBudgets, eq(redPacketStoreBudgets.storeId, stores.id))
    .orderBy(asc(stores.id))
    .all()
  return { settings: await loadSettings(db), storeBudgets: rows }
}

/** Checks the rules the schema cannot express; names the field. */
function settingsProblem(s: RedPacketSettings): string | undefined {
  if (s.minFen > s.maxFen)
    return 'minFen must not exceed maxFen'
  const outside = s.presetsFen.find(p => p < s.minFen || p > s.maxFen)
  if (outside !== undefined)
    return `presetsFen: ${outside} is outside minFen–maxFen`
  const codes = s.reasons.map(r => r.code)
  if (new Set(codes).size !== codes.length)
    return 'reasons: codes must be unique'
  return undefined
}

export async function updateSettings(db: AsyncDbOrTx, session: Session, settings: RedPacketSettings, now: number): Promise<RedPacketSettingsPage> {
  requireAdmin(session, SETTINGS_REFUSAL)
  const problem = settingsProblem(settings)
  if (problem)
    throw badRequest(problem)
  await db.insert(redPacketSettings).values({ id: 'brand', settings, updatedBy: session.userid, updatedAt: now }).onConflictDoUpdate({ target: redPacketSettings.id, set: { settings, updatedBy: session.userid, updatedAt: now } }).run()
  return settingsPage(db, session)
}

export async function updateStoreBudgets(db: AsyncDbOrTx, session: Session, request: UpdateStoreBudgetsRequest): Promise<RedPacketSettingsPage> {
  requireAdmin(session, SETTINGS_REFUSAL)
  const ids = [...new Set(request.budgets.map(b => b.storeId))]
  const known = new Set((ids.length ? await db.select({ id: stores.id }).from(stores).where(inArray(stores.id, ids)).all() : []).map(r => r.id))
  const unknown = ids.find(id => !known.has(id))
  if (unknown)
    throw badRequest(`budgets: store ${unknown} does not exist`)
  for (const budget of request.budgets) {
    if (budget.monthFen === null)
      await db.delete(redPacketStoreBudgets).where(eq(redPacketStoreBudgets.storeId, budget.storeId)).run()
    else
      await db.insert(redPacketStoreBudgets).values({ storeId: budget.storeId, monthFen: budget.monthFen }).onConflictDoUpdate({ target: redPacketStoreBudgets.storeId, set: { monthFen: budget.monthFen } }).run()
  }
  return settingsPage(db, session)
}
