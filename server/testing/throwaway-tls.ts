// A throwaway CA, server certificate (127.0.0.1) and merchant client certificate made with the openssl CLI,
// so tests exercise real mutual TLS against the WeChat Pay emulator. Nothing is kept after `cleanup`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ThrowawayTls {
  ca: string
  server: { key: string, cert: string }
  client: { key: string, cert: string }
  /** A client certificate from another CA: the emulator must refuse it. */
  stranger: { key: string, cert: string }
}

export function makeThrowawayTls(): ThrowawayTls {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-tls-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  try {
    const selfSigned = (name: string, subject: string) =>
      run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.crt`)
    selfSigned('ca', '/CN=scrm test pay CA')
    selfSigned('stranger', '/CN=not the merchant')
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
    const issue = (name: string, subject: string, ext?: string) => {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`)
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, ...(ext ? ['-extfile', ext] : []))
    }
    issue('server', '/CN=127.0.0.1', 'server.ext')
    issue('client', '/CN=1900000109')
    const read = (file: string) => readFileSync(join(dir, file), 'utf8')
    return {
      ca: read('ca.crt'),
      server: { key: read('server.key'), cert: read('server.crt') },
      client: { key: read('client.key'), cert: read('client.crt') },
      stranger: { key: read('stranger.key'), cert: read('stranger.crt') },
    }
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
