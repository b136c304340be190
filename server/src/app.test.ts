import type { TestStack } from '../testing/harness.ts'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../testing/harness.ts'

let stack: TestStack
const staticDir = mkdtempSync(join(tmpdir(), 'scrm-static-'))

beforeAll(async () => {
  mkdirSync(join(staticDir, 'app'))
  writeFileSync(join(staticDir, 'app', 'index.html'), '<!doctype html><title>sidebar app</title>')
  stack = await startTestStack({ members: 20, env: { STATIC_DIR: staticDir } })
})
afterAll(async () => {
  await stack.close()
  rmSync(staticDir, { recursive: true, force: true })
})

describe('request ids', () => {
  it('keeps the sidebar\'s UUID so the id a guide copies is the one in the log, and echoes it', async () => {
    const id = randomUUID()
    const response = await stack.app.inject({ url: '/api/health', headers: { 'x-request-id': id } })
    expect(response.headers['x-request-id']).toBe(id)
  })

  it('replaces anything that is not a UUID', async () => {
    const response = await stack.app.inject({ url: '/api/health', headers: { 'x-request-id': 'evil\nlog line' } })
    expect(response.headers['x-request-id']).toMatch(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/)
  })

  it('puts the same id in a 4xx response header and the 401 body stays free of internals', async () => {
    const id = randomUUID()
    const response = await stack.app.inject({ url: '/api/me', headers: { 'x-request-id': id } })
    expect(response.statusCode).toBe(401)
    expect(response.headers['x-request-id']).toBe(id)
  })
})

describe('sidebar app pages', () => {
  it('serves the app page on a direct load of /app/console, and /console redirects there', async () => {
    const page = await stack.app.inject({ url: '/app/console' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('sidebar app')
    const redirect = await stack.app.inject({ url: '/console' })
    expect(redirect.statusCode).toBe(302)
    expect(redirect.headers.location).toBe('/app/console')
  })
})
