/**
 * The same-origin path to return to after login, normalised by the WHATWG URL parser (what the
 * browser will do with the Location header), or null when `next` would leave `origin`.
 * Control characters and spaces are refused outright: browsers strip tabs and newlines inside
 * URLs (so `/\t/evil.example/` becomes `//evil.example/`), and none belongs in a path we issue.
 */
export function sameOriginPath(next: string, origin: string): string | null {
  if (/[\p{Cc}\p{Z}]/u.test(next) || !next.startsWith('/'))
    return null
  let url: URL
  try {
    url = new URL(next, origin)
  }
  catch {
    return null
  }
  if (url.origin !== new URL(origin).origin)
    return null
  return `${url.pathname}${url.search}${url.hash}`
}
