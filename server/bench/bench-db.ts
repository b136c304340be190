// A seeded benchmark database, generated once per (members, seed) and reused across runs.
import { existsSync, renameSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateDemoDataStream } from '../demo/generator.ts'
import { seedDatabase } from '../demo/seed.ts'
import { openDatabase } from '../src/db/client.ts'

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

export function benchDatabasePath(members: number, seed: number): string {
  return resolve(repoRoot, `.data/bench-${members}-${seed}.db`)
}

/** Returns the path of a database seeded with `members` demo members, generating it if needed. */
export function ensureBenchDatabase(members: number, seed: number, log: (line: string) => void): { path: string, seedSeconds: number | null } {
  const path = benchDatabasePath(members, seed)
  if (existsSync(path))
    return { path, seedSeconds: null }
  const partial = `${path}.partial`
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true })
  log(`generating ${members.toLocaleString()} members (seed ${seed}) into ${path} …`)
  const started = performance.now()
  const database = openDatabase(partial)
  let lastLog = 0
  seedDatabase(database.db, generateDemoDataStream({ seed, members }), {
    totalMembers: members,
    onProgress: (p) => {
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now()
        log(`  ${p.phase} ${p.membersDone}/${p.membersTotal} members, ${p.rows.toLocaleString()} rows`)
      }
    },
  })
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)')
  database.close()
  renameSync(partial, path)
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true })
  return { path, seedSeconds: (performance.now() - started) / 1000 }
}
