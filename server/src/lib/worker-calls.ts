// Calls to a worker thread and their answers, matched by id (several may be in flight): the calling side and
// the answering side that precompute-worker.ts and db/read-worker.ts share.
import type { MessagePort } from 'node:worker_threads'
import { Worker } from 'node:worker_threads'
import { typescriptWorkerSource } from './worker-bootstrap.ts'

type Request<C> = { type: 'call', id: number, call: C } | { type: 'close' }
type Reply<R> = { id: number, ok: true, value: R } | { id: number, ok: false, message: string, code?: string, stack?: string }

export interface WorkerCalls<C, R> {
  call: (call: C) => Promise<R>
  /** Asks the worker to close (its `onClose`) and exit; terminates it if it has not within 5 s. */
  close: () => Promise<void>
}

const CLOSE_TIMEOUT_MS = 5_000

/**
 * A worker thread running the TypeScript module at `moduleUrl` (which calls `answerCalls` when it finds its
 * `workerData`), started with the first call. An idle worker does not keep the process alive. When it dies,
 * the calls in flight fail; afterwards `afterExit: 'fail'` fails every call (a run that must not go on with a
 * thread less), `'restart'` starts a new worker with the next call (a service).
 */
export function workerCalls<C, R>(moduleUrl: string, workerData: unknown, options: { name: string, afterExit: 'fail' | 'restart' }): WorkerCalls<C, R> {
  let worker: Worker | null = null
  let exited: Promise<void> = Promise.resolve()
  let gone: Error | null = null
  let nextId = 0
  const waiting = new Map<number, { resolve: (value: R) => void, reject: (error: Error) => void }>()
  const failWaiting = (error: Error) => {
    for (const waiter of waiting.values()) waiter.reject(error)
    waiting.clear()
  }
  function start(): Worker {
    const started = new Worker(typescriptWorkerSource(moduleUrl), { eval: true, workerData })
    exited = new Promise<void>(resolve => started.once('exit', () => resolve()))
    started.on('message', (reply: Reply<R>) => {
      const waiter = waiting.get(reply.id)
      waiting.delete(reply.id)
      if (reply.ok)
        waiter?.resolve(reply.value)
      else
        waiter?.reject(Object.assign(new Error(`${options.name} failed: ${reply.message}`), { code: reply.code, stack: reply.stack }))
      if (waiting.size === 0)
        started.unref()
    })
    started.on('error', failWaiting)
    started.on('exit', (code) => {
      const error = new Error(`${options.name} exited (code ${code})`)
      if (worker === started) {
        worker = null
        if (options.afterExit === 'fail')
          gone ??= error
      }
      failWaiting(error)
    })
    return started
  }
  return {
    call: async (call) => {
      if (gone)
        throw gone
      worker ??= start()
      const running = worker
      running.ref()
      return new Promise<R>((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        running.postMessage({ type: 'call', id, call } satisfies Request<C>)
      })
    },
    close: async () => {
      const running = worker
      worker = null
      gone ??= new Error(`${options.name} closed`)
      if (!running)
        return
      running.postMessage({ type: 'close' } satisfies Request<C>)
      const timer = setTimeout(() => void running.terminate(), CLOSE_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

/** The worker's side: answers each call with `run`'s result or error; on close, `onClose` and the port closes. */
export function answerCalls<C, R>(port: MessagePort, run: (call: C) => R | Promise<R>, onClose: () => unknown): void {
  port.on('message', (request: Request<C>) => {
    if (request.type === 'close') {
      void Promise.resolve().then(onClose).catch(() => {}).finally(() => port.close())
      return
    }
    Promise.resolve().then(() => run(request.call)).then(
      value => port.postMessage({ id: request.id, ok: true, value } satisfies Reply<R>),
      (error: unknown) => {
        const { message, code, stack } = error instanceof Error ? error as Error & { code?: string } : { message: String(error), code: undefined, stack: undefined }
        port.postMessage({ id: request.id, ok: false, message, code, stack } satisfies Reply<R>)
      },
    )
  })
}
