// The load generator of the context bench, run as its own process (so it does not share the server's
// event loop or core): autocannon against one URL per request, each with its own guide's session cookie.
// Input: a JSON file { url, connections, durationSeconds, requests: [{ path, cookie }] } (argv[2]).
// Output: one JSON line on stdout with throughput, latency and the non-2xx count.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

export interface LoadPlan {
  url: string
  connections: number
  durationSeconds: number
  requests: { path: string, cookie: string }[]
}

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  requests: number
  errors: number
}

async function main() {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadPlan
  let next = 0
  const result = await autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.durationSeconds,
    requests: [{
      // A different member (and her guide's cookie) on every request, round robin over the plan.
      setupRequest: (request) => {
        const r = plan.requests[next++ % plan.requests.length]!
        return { ...request, method: 'GET', path: r.path, headers: { ...request.headers, cookie: r.cookie } }
      },
    }],
  })
  const out: LoadResult = {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

await main()
