// The trained model as stored in `model_runs.artifact` and as loaded for scoring.
//
// Artifact format: gzip( u32 header length | header JSON | typed-array sections ), sections
// 8-byte aligned and described in the header. Compact (member vectors as Int32 ids + Float32
// weights) and fast to load: no per-number JSON parsing of the big arrays.
//
// Loading: each store keeps the decoded model per database handle, keyed by run id, and re-checks
// which run is the latest at most every `recheckMs` — so several stateless instances pick up a
// model written by whichever instance runs the training job, without any shared in-process state.
import type { AsyncDbOrTx } from '../db/port.ts'
import type { ConversionCount, FeedbackStats } from './feedback.ts'
import type { BlendWeights, NbrModel, NbrOptions } from './nbr/model.ts'
import { gunzipSync, gzipSync } from 'node:zlib'
import { desc, eq } from 'drizzle-orm'
import { modelRuns } from '../db/schema.ts'
import { buildPostings, DEFAULT_POSTING_CAP } from './nbr/model.ts'

export const ARTIFACT_VERSION = 1

/** Everything besides the NBR model that scoring needs (JSON part of the artifact). */
export interface ArtifactMeta {
  version: number
  trainedAt: number
  cutoffDay: number
  /** Dense SPU index → spuId. */
  spuIds: string[]
  /** Population median replenishment gap per consumable leaf category path (days). */
  categoryCycleDays: Record<string, number>
  recentDays: number
  /** Units sold per SPU index within `recentDays` before training. */
  recentSales: number[]
  feedback: {
    bySpu: [string, number, number][]
    byReason: [string, number, number][]
    overall: [number, number]
  }
}

export interface LoadedModel {
  runId: number
  trainedAt: number
  meta: ArtifactMeta
  nbr: NbrModel
  spuIndex: Map<string, number>
  feedback: FeedbackStats
}

type SectionType = 'i32' | 'f32' | 'f64'
interface SectionInfo { name: string, type: SectionType, offset: number, length: number }
/**
 * Options as stored: artifacts written before the novelty weight existed lack it (they ranked without it);
 * those written before the posting cap lack that (they get today's default when loaded).
 */
type StoredNbrOptions = Omit<NbrOptions, 'weights' | 'postingCap'> & Partial<Pick<NbrOptions, 'postingCap'>> & { weights: Omit<BlendWeights, 'novelty'> & Partial<Pick<BlendWeights, 'novelty'>> }
interface Header { meta: ArtifactMeta, nbrOptions: StoredNbrOptions, itemCount: number, sections: SectionInfo[] }

/** Serialise the scoring state (meta + NBR model) into a gzip buffer. */
export function encodeArtifact(meta: ArtifactMeta, nbr: NbrModel): Buffer {
  const userOffsets = new Int32Array(nbr.userVecs.length + 1)
  let total = 0
  nbr.userVecs.forEach((v, i) => {
    userOffsets[i] = total
    total += v.ids.length
  })
  userOffsets[nbr.userVecs.length] = total
  const userIds = new Int32Array(total)
  const userVals = new Float32Array(total)
  nbr.userVecs.forEach((v, i) => {
    userIds.set(v.ids, userOffsets[i]!)
    userVals.set(v.vals, userOffsets[i]!)
  })
  const compOffsets = new Int32Array(nbr.itemCount + 1)
  let ctotal = 0
  for (let i = 0; i < nbr.itemCount; i++) {
    compOffsets[i] = ctotal
    ctotal += nbr.complementIds[i]!.length
  }
  compOffsets[nbr.itemCount] = ctotal
  const compIds = new Int32Array(ctotal)
  const compVals = new Float32Array(ctotal)
  for (let i = 0; i < nbr.itemCount; i++) {
    compIds.set(nbr.complementIds[i]!, compOffsets[i]!)
    compVals.set(nbr.complementVals[i]!, compOffsets[i]!)
  }
  const arrays: [string, SectionType, Int32Array | Float32Array | Float64Array][] = [
    ['userOffsets', 'i32', userOffsets],
    ['userIds', 'i32', userIds],
    ['userVals', 'f32', userVals],
    ['repeatPropensity', 'f64', nbr.repeatPropensity],
    ['popularity', 'f64', nbr.popularity],
    ['popularRanking', 'i32', nbr.popularRanking],
    ['compOffsets', 'i32', compOffsets],
    ['compIds', 'i32', compIds],
    ['compVals', 'f32', compVals],
  ]
  const sections: SectionInfo[] = []
  let offset = 0
  for (const [name, type, a] of arrays) {
    sections.push({ name, type, offset, length: a.length })
    offset += Math.ceil(a.byteLength / 8) * 8
  }
  const header: Header = { meta, nbrOptions: nbr.options, itemCount: nbr.itemCount, sections }
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8')
  const body = Buffer.alloc(offset)
  arrays.forEach(([, , a], i) => {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(body, sections[i]!.offset)
  })
  const len = Buffer.alloc(4)
  len.writeUInt32LE(headerBuf.length)
  return gzipSync(Buffer.concat([len, headerBuf, body]), { level: 6 })
}

/** Inverse of encodeArtifact; rebuilds the NBR model's inverted index. */
export function decodeArtifact(buf: Buffer): { meta: ArtifactMeta, nbr: NbrModel } {
  const raw = gunzipSync(buf)
  const headerLen = raw.readUInt32LE(0)
  const header = JSON.parse(raw.subarray(4, 4 + headerLen).toString('utf8')) as Header
  if (header.meta.version !== ARTIFACT_VERSION)
    throw new Error(`unsupported recommend artifact version ${header.meta.version}`)
  // Copy the body to an 8-aligned buffer so typed arrays can view it directly.
  const body = new ArrayBuffer(raw.length - 4 - headerLen)
  new Uint8Array(body).set(raw.subarray(4 + headerLen))
  const section = (name: string): SectionInfo | undefined => header.sections.find(x => x.name === name)
  const get = (name: string): Int32Array | Float32Array | Float64Array => {
    const s = section(name)
    if (!s)
      throw new Error(`artifact section ${name} missing`)
    const Ctor = s.type === 'i32' ? Int32Array : s.type === 'f32' ? Float32Array : Float64Array
    return new Ctor(body, s.offset, s.length)
  }
  const userOffsets = get('userOffsets') as Int32Array
  const userIds = get('userIds') as Int32Array
  const userVals = get('userVals')
  const compOffsets = get('compOffsets') as Int32Array
  const compIds = get('compIds') as Int32Array
  const compVals = get('compVals')
  const itemCount = header.itemCount
  const nUsers = userOffsets.length - 1
  const userVecs: NbrModel['userVecs'] = []
  for (let u = 0; u < nUsers; u++)
    userVecs.push({ ids: userIds.subarray(userOffsets[u]!, userOffsets[u + 1]!), vals: Float64Array.from(userVals.subarray(userOffsets[u]!, userOffsets[u + 1]!)) })
  const options: NbrOptions = {
    ...header.nbrOptions,
    postingCap: header.nbrOptions.postingCap ?? DEFAULT_POSTING_CAP,
    weights: { ...header.nbrOptions.weights, novelty: header.nbrOptions.weights.novelty ?? 0 },
  }
  const { postingUsers, postingVals, postingCapped } = buildPostings(userVecs, itemCount, { cap: options.postingCap, neighbours: options.neighbours })
  const complementIds: Int32Array[] = []
  const complementVals: Float64Array[] = []
  for (let i = 0; i < itemCount; i++) {
    complementIds.push(compIds.subarray(compOffsets[i]!, compOffsets[i + 1]!))
    complementVals.push(Float64Array.from(compVals.subarray(compOffsets[i]!, compOffsets[i + 1]!)))
  }
  const nbr: NbrModel = {
    options,
    itemCount,
    userVecs,
    postingUsers,
    postingVals,
    postingCapped,
    // Artifacts written before repeat propensity ranked her items without it (a factor of 1).
    repeatPropensity: section('repeatPropensity') ? Float64Array.from(get('repeatPropensity')) : new Float64Array(itemCount).fill(1),
    popularity: Float64Array.from(get('popularity')),
    popularRanking: get('popularRanking') as Int32Array,
    complementIds,
    complementVals,
  }
  return { meta: header.meta, nbr }
}

function toFeedback(meta: ArtifactMeta): FeedbackStats {
  const toMap = (rows: [string, number, number][]) => new Map<string, ConversionCount>(rows.map(([k, s, c]) => [k, { sends: s, conversions: c }]))
  return {
    bySpu: toMap(meta.feedback.bySpu),
    byReason: toMap(meta.feedback.byReason),
    overall: { sends: meta.feedback.overall[0], conversions: meta.feedback.overall[1] },
  }
}

export async function latestModelRunId(db: AsyncDbOrTx, kind = 'recommend'): Promise<{ id: number, trainedAt: number } | undefined> {
  return db.select({ id: modelRuns.id, trainedAt: modelRuns.trainedAt }).from(modelRuns).where(eq(modelRuns.kind, kind)).orderBy(desc(modelRuns.trainedAt), desc(modelRuns.id)).limit(1).get()
}

export async function loadModelRun(db: AsyncDbOrTx, runId: number): Promise<LoadedModel | null> {
  const row = await db.select().from(modelRuns).where(eq(modelRuns.id, runId)).get()
  if (!row?.artifact)
    return null
  const { meta, nbr } = decodeArtifact(row.artifact)
  return { runId: row.id, trainedAt: row.trainedAt, meta, nbr, spuIndex: new Map(meta.spuIds.map((s, i) => [s, i])), feedback: toFeedback(meta) }
}

export interface ModelStore {
  /** The latest model for this database, or null when none has been trained. */
  get: (db: AsyncDbOrTx) => Promise<LoadedModel | null>
}

/** A per-provider cache of the decoded latest model (keyed by database handle). */
export function createModelStore(options: { recheckMs?: number } = {}): ModelStore {
  const recheckMs = options.recheckMs ?? 30_000
  const cache = new WeakMap<object, { model: LoadedModel | null, checkedAt: number }>()
  return {
    async get(db) {
      // Wall clock on purpose: the re-check is about other instances' writes, not the business clock.
      const nowMs = Date.now()
      const entry = cache.get(db)
      if (entry && nowMs - entry.checkedAt < recheckMs && nowMs >= entry.checkedAt)
        return entry.model
      const latest = await latestModelRunId(db)
      let model = entry?.model ?? null
      if (!latest)
        model = null
      else if (model?.runId !== latest.id)
        model = await loadModelRun(db, latest.id)
      cache.set(db, { model, checkedAt: nowMs })
      return model
    },
  }
}
