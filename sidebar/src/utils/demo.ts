let emulatorUrl: Promise<string | null> | undefined

async function readEmulatorUrl(): Promise<string | null> {
  const res = await fetch('/demo/config.json', { headers: { Accept: 'application/json' } })
  if (!res.ok)
    return null
  const body: unknown = await res.json()
  if (!body || typeof body !== 'object' || !('emulatorUrl' in body) || typeof body.emulatorUrl !== 'string')
    return null
  return body.emulatorUrl.replace(/\/$/, '')
}

/**
 * Where the demo's WeCom emulator listens (from /demo/config.json, served by the demo and nowhere else); null
 * outside the demo. Read once per page; a failed read (network) is tried again on the next call.
 */
export function demoEmulatorUrl(): Promise<string | null> {
  emulatorUrl ??= readEmulatorUrl().catch((err: unknown) => {
    emulatorUrl = undefined
    throw err
  })
  return emulatorUrl
}
