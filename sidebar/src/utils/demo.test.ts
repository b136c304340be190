import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** A fresh module per test: the URL is kept per page. */
async function load() {
  return (await import('./demo')).demoEmulatorUrl
}

beforeEach(() => {
  vi.resetModules()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('demoEmulatorUrl', () => {
  it('reads /demo/config.json once however many callers ask', async () => {
    const fetch = vi.fn(async () => Response.json({ emulatorUrl: 'http://127.0.0.1:4010/' }))
    vi.stubGlobal('fetch', fetch)
    const demoEmulatorUrl = await load()
    expect(await Promise.all([demoEmulatorUrl(), demoEmulatorUrl(), demoEmulatorUrl()])).toEqual(Array.from({ length: 3 }, () => 'http://127.0.0.1:4010'))
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('is null outside the demo (no config, or one without emulatorUrl)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })))
    expect(await (await load())()).toBeNull()
    vi.resetModules()
    vi.stubGlobal('fetch', vi.fn(async () => Response.json({})))
    expect(await (await load())()).toBeNull()
  })

  it('tries again after a failed read', async () => {
    const fetch = vi.fn()
      .mockRejectedValueOnce(new TypeError('network down'))
      .mockResolvedValueOnce(Response.json({ emulatorUrl: 'http://emu' }))
    vi.stubGlobal('fetch', fetch)
    const demoEmulatorUrl = await load()
    await expect(demoEmulatorUrl()).rejects.toThrow('network down')
    expect(await demoEmulatorUrl()).toBe('http://emu')
    expect(fetch).toHaveBeenCalledTimes(2)
  })
})
