// What every browser test needs: the demo on free ports with a throwaway database, Chromium with the flags
// the CI machine wants, pages that report what the Content-Security-Policy blocked or what threw, the
// emulator's OAuth login and the simulated chat's member pick.
import type { Browser, BrowserContext, BrowserContextOptions, Frame, Page } from 'playwright-core'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { startDemo } from '../../server/demo/start.ts'

export type Demo = Awaited<ReturnType<typeof startDemo>>

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshotDir = resolve(import.meta.dirname, '../../test-results')

/** Where a screenshot goes (test-results/, made on start). */
export const screenshotPath = (name: string) => join(screenshotDir, name)

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')))
    })
  })
}

interface DemoInChromium {
  demo: Demo
  browser: Browser
  /** A temporary directory (the demo's database is in it), removed on close. */
  dataDir: string
  /** Console reports of anything the server's Content-Security-Policy blocked, on any page made here. */
  cspViolations: string[]
  /** Uncaught errors of those pages. */
  pageErrors: string[]
  /** A zh-CN context (1280 × 900 unless told) whose pages are watched. */
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>
  newPage: (options?: BrowserContextOptions) => Promise<Page>
  close: () => Promise<void>
}

/** The demo (seeded afresh into a temporary directory) and a headless Chromium. */
async function startDemoInChromium(options: { members: number, seed: number }): Promise<DemoInChromium> {
  if (!existsSync(resolve(import.meta.dirname, '../../dist/sidebar/index.html')))
    throw new Error('dist/sidebar is missing: run `pnpm build` first (pnpm test does)')
  mkdirSync(screenshotDir, { recursive: true })
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-e2e-'))
  const cspViolations: string[] = []
  const pageErrors: string[] = []
  let demo: Demo | undefined
  let browser: Browser | undefined
  const close = async () => {
    await browser?.close()
    await demo?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    demo = await startDemo({ port: await freePort(), emulatorPort: await freePort(), databasePath: join(dataDir, 'demo.db'), ...options, reset: true, logger: false })
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
  }
  catch (error) {
    await close()
    throw error
  }
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy'))
        cspViolations.push(message.text())
    })
    page.on('pageerror', error => pageErrors.push(`${page.url()}: ${error.message}`))
  }
  const started = browser
  const newContext = async (contextOptions: BrowserContextOptions = {}) => {
    const context = await started.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', ...contextOptions })
    context.on('page', watch)
    return context
  }
  return {
    demo,
    browser,
    dataDir,
    cspViolations,
    pageErrors,
    newContext,
    newPage: async contextOptions => (await newContext(contextOptions)).newPage(),
    close,
  }
}

/**
 * The suite's demo and Chromium, started before its tests and closed after them; the suite fails if any
 * page hit a Content-Security-Policy block or threw. The fields are there once the tests run.
 */
export function useDemoInChromium(options: { members: number, seed: number }): DemoInChromium {
  const session = {} as DemoInChromium
  beforeAll(async () => {
    Object.assign(session, await startDemoInChromium(options))
  }, 180_000)
  afterAll(async () => {
    await session.close?.()
    expect(session.cspViolations ?? []).toEqual([])
    expect(session.pageErrors ?? []).toEqual([])
  })
  return session
}

/** Logs in through the emulator's OAuth page as `userid`, then lands on `next`. */
export async function loginAs(page: Page, demo: Demo, userid: string, next = '/'): Promise<void> {
  await page.goto(`${demo.url}/api/auth/login?next=${encodeURIComponent(next)}`)
  await page.waitForURL(/\/connect\/oauth2\/authorize/)
  await page.click(`a[data-userid="${userid}"]`)
  await page.waitForURL(url => url.toString().startsWith(demo.url) && !url.pathname.startsWith('/api/'))
}

export function sidebarOf(page: Page): Frame {
  const frame = page.frame({ name: 'sidebar' })
  if (!frame)
    throw new Error('sidebar iframe not found')
  return frame
}

/** Picks the member in the demo's simulated chat and waits until the sidebar shows her. */
export async function openMember(page: Page, name: string, contact: string): Promise<Frame> {
  await page.fill('[data-testid="demo-member-search"]', name)
  await page.click(`button[data-testid="demo-member"][data-member-external-userid="${contact}"]`)
  const sidebar = sidebarOf(page)
  await sidebar.waitForSelector(`[data-testid="member-panel"][data-external-userid="${contact}"]`, { timeout: 15_000 })
  return sidebar
}
