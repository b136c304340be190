import type { ArtifactMeta } from './model-store.ts'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeArtifact, encodeArtifact } from './model-store.ts'
import { recommend, trainNbrModel } from './nbr/model.ts'

const meta: ArtifactMeta = {
  version: 1,
  trainedAt: 0,
  cutoffDay: 0,
  spuIds: [],
  categoryCycleDays: {},
  recentDays: 30,
  recentSales: [],
  feedback: { bySpu: [], byReason: [], overall: [0, 0] },
}
// Item 1 is rebought, item 4 is not; 2 and 3 go with 1.
const histories = [[[1, 2], [1, 3], [1, 4]], [[1, 4], [1, 2]], [[2, 3], [1, 3]], [[4], [1, 2, 3]]]

/** The artifact as written before a section existed: the header no longer lists it. */
function withoutSection(artifact: Buffer, name: string): Buffer {
  const raw = gunzipSync(artifact)
  const headerLen = raw.readUInt32LE(0)
  const header = JSON.parse(raw.subarray(4, 4 + headerLen).toString('utf8')) as { sections: { name: string }[] }
  header.sections = header.sections.filter(s => s.name !== name)
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32LE(headerBuf.length)
  return gzipSync(Buffer.concat([len, headerBuf, raw.subarray(4 + headerLen)]))
}

describe('model artifact', () => {
  const model = trainNbrModel(histories, { neighbours: 2, weights: { personal: 1, neighbours: 1, complement: 0, popular: 0.2, novelty: 0, exploreSlots: 3, repeatPower: 1 } })

  it('keeps the repeat propensity and ranks as the trained model does', () => {
    const { nbr } = decodeArtifact(encodeArtifact(meta, model))
    expect([...nbr.repeatPropensity]).toEqual([...model.repeatPropensity])
    expect(nbr.options.weights).toEqual(model.options.weights)
    expect(new Set(model.repeatPropensity).size).toBeGreaterThan(1)
    // Member vectors are stored as 32-bit floats: the same order, scores equal to 6 places.
    for (const h of [[[1, 4]], [[2]], [[4], [3]]]) {
      const loaded = recommend(nbr, h, 5)
      const trained = recommend(model, h, 5)
      expect(loaded.map(r => r.itemId)).toEqual(trained.map(r => r.itemId))
      loaded.forEach((r, i) => expect(r.score).toBeCloseTo(trained[i]!.score, 6))
    }
  })

  it('reads an artifact from before repeat propensity as a propensity of 1 for every item', () => {
    const { nbr } = decodeArtifact(withoutSection(encodeArtifact(meta, model), 'repeatPropensity'))
    expect([...nbr.repeatPropensity]).toEqual(Array.from({ length: model.itemCount }, () => 1))
  })
})
