// Vitest globalSetup: a throwaway PostgreSQL cluster for the whole run (initdb in a temp dir, a free port,
// no fsync), handed to test files as `inject('postgresUrl')`; stopped and deleted at the end.
// SCRM_TEST_PG=0 skips it (the PostgreSQL halves of the dialect tests then skip, saying why).
import type { TestProject } from 'vitest/node'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDatabase } from '../../server/src/db/client.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://… of the throwaway cluster's maintenance database, or '' when PostgreSQL tests are off. */
    postgresUrl: string
  }
}

function postgresBinDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
    if (existsSync(join(dir, 'initdb')))
      return dir
  }
  catch {}
  // Debian's pg_config may belong to libpq-dev only; the server binaries live per major version.
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    if (existsSync(join(root, version, 'bin', 'initdb')))
      return join(root, version, 'bin')
  }
  throw new Error('PostgreSQL server binaries not found: run test/pg/ensure-postgres.sh, or set SCRM_TEST_PG=0')
}

/** Test databases are created from it (server/testing/dialects.ts). */
export const TEMPLATE_DATABASE = 'scrm_template'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export default async function setup(project: TestProject) {
  if (process.env.SCRM_TEST_PG === '0') {
    project.provide('postgresUrl', '')
    return
  }
  const started = performance.now()
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'scrm-pg-'))
  const data = join(dir, 'data')
  // initdb refuses to run as root; CI runs as root, so the cluster belongs to the `postgres` user there.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    chmodSync(dir, 0o777)
  }
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args]
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const port = await freePort()
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  run('pg_ctl', ['-D', data, '-w', '-s', '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`, 'start'])
  const clusterSeconds = ((performance.now() - started) / 1000).toFixed(2)
  // Migrated once into a template: each test database is then a file copy, not a migration run.
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', TEMPLATE_DATABASE])
  const template = await connectDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/${TEMPLATE_DATABASE}`, databasePath: '' })
  await template.port.close()
  const seconds = ((performance.now() - started) / 1000).toFixed(2)
  console.info(`[test/pg] PostgreSQL cluster on 127.0.0.1:${port} started in ${clusterSeconds} s, migrated template ready at ${seconds} s`)
  project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`)

  return () => {
    try {
      run('pg_ctl', ['-D', data, '-w', '-s', '-m', 'immediate', 'stop'])
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
