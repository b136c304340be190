import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/**
 * Source for `new Worker(source, { eval: true })` that runs the TypeScript module at `moduleUrl` in a
 * worker thread. Node 20 does not hand the parent's loader hooks to a worker, so the worker registers
 * tsx's loader first, then imports the module.
 */
export function typescriptWorkerSource(moduleUrl: string): string {
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs')
  return `import(${JSON.stringify(tsxApi)}).then(api => { api.register(); return import(${JSON.stringify(moduleUrl)}) })`
}
