import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/client.ts'
import { generateDemoData } from '../demo/generator.ts'
import { seedDatabase } from '../demo/seed.ts'
import { jobsEnabled, trainIfStale } from './jobs.ts'
import { createModelStore } from './model-store.ts'

describe('training schedule', () => {
  it('trains when there is no model or it is stale, and stores pick the new run up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-jobs-'))
    const database = openDatabase(join(dir, 'scrm.db'))
    try {
      const dataset = generateDemoData({ seed: 3, members: 120 })
      seedDatabase(database.db, dataset)
      const now = dataset.meta.now
      const store = createModelStore({ recheckMs: 0 })
      expect(store.get(database.db)).toBeNull()
      const first = trainIfStale(database.db, now, 24)
      expect(first?.modelRunId).toBeGreaterThan(0)
      expect(store.get(database.db)?.runId).toBe(first!.modelRunId)
      expect(trainIfStale(database.db, now + 3_600_000, 24)).toBeNull()
      const second = trainIfStale(database.db, now + 25 * 3_600_000, 24)
      expect(second!.modelRunId).toBeGreaterThan(first!.modelRunId)
      expect(store.get(database.db)?.runId).toBe(second!.modelRunId)
    }
    finally {
      database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs jobs unless SCRM_JOBS=0', () => {
    expect(jobsEnabled({})).toBe(true)
    expect(jobsEnabled({ SCRM_JOBS: '1' })).toBe(true)
    expect(jobsEnabled({ SCRM_JOBS: '0' })).toBe(false)
  })
})
