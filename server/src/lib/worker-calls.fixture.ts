// A worker for worker-calls.test.ts: echoes a call, throws for `fail`, exits the thread for `exit`.
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { answerCalls } from './worker-calls.ts'

type Call = { echo: string } | { fail: string } | { exit: true }

if (!isMainThread && parentPort && (workerData as { workerCallsFixture?: boolean } | null)?.workerCallsFixture) {
  answerCalls<Call, string>(parentPort, (call) => {
    if ('exit' in call)
      process.exit(3)
    if ('fail' in call)
      throw Object.assign(new Error(call.fail), { code: 'E_FIXTURE' })
    return call.echo
  }, () => {})
}
