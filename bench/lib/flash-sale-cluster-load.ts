import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BenchError } from './bench-error.js'
import type { BenchmarkContext } from './benchmark.js'
import type { WorkerConfig, WorkerReply, WorkerRequest } from './flash-sale-cluster-worker.js'

/** The parent's side of the flash-sale cluster benchmark's load processes. */
export interface LoadProcess {
  readonly child: ChildProcess
  /** The process's next message (a `failed` one if it exits). */
  next(): Promise<WorkerReply>
}

/** Forks one load process (flash-sale-cluster-worker.ts) and waits until its Cluster client answers. */
export async function startLoadProcess(config: WorkerConfig): Promise<LoadProcess> {
  const path = fileURLToPath(new URL('./flash-sale-cluster-worker.ts', import.meta.url))
  // Inherits bench/run.ts's `--import tsx --conditions=@souk/source`.
  const child = fork(path, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const queue: WorkerReply[] = []
  let waiting: ((reply: WorkerReply) => void) | null = null
  const deliver = (reply: WorkerReply) => {
    if (!waiting) {
      queue.push(reply)
      return
    }
    const resolve = waiting
    waiting = null
    resolve(reply)
  }
  child.on('message', (reply: WorkerReply) => deliver(reply))
  child.on('exit', (code) => deliver({ type: 'failed', error: `load process exited with ${code}` }))
  const load: LoadProcess = {
    child,
    next: () => {
      const queued = queue.shift()
      return queued ? Promise.resolve(queued) : new Promise((resolve) => (waiting = resolve))
    },
  }
  const first = await load.next()
  if (first.type !== 'ready') throw new BenchError(`load process did not start: ${JSON.stringify(first)}`)
  return load
}

/** Asks every load process to exit (or kills it). */
export function stopLoadProcesses(loads: readonly LoadProcess[]): void {
  for (const load of loads) {
    if (load.child.connected) load.child.send({ type: 'exit' } satisfies WorkerRequest)
    else load.child.kill()
  }
}

/** Runs one job on every load process at once, with a progress line, and merges what they measured. */
export async function runLoad(
  context: BenchmarkContext,
  loads: readonly LoadProcess[],
  label: string,
  request: Extract<WorkerRequest, { type: 'run' }>,
): Promise<{ ops: number; calls: number; seconds: number; latenciesMs: number[] }> {
  for (const load of loads) load.child.send(request)
  const ops = loads.map(() => 0)
  const results = await Promise.all(
    loads.map(async (load, i) => {
      for (;;) {
        const reply = await load.next()
        if (reply.type === 'done') return reply
        if (reply.type !== 'status')
          throw new BenchError(`load process failed in "${label}": ${JSON.stringify(reply)}`)
        ops[i] = reply.ops
        const total = ops.reduce((a, b) => a + b, 0).toLocaleString('en-US')
        context.progress.update(
          `flash-sale-cluster · ${label} · ${loads.length} processes ×${request.callers} · ${reply.phase} ${reply.elapsedSeconds.toFixed(1)} s · ${total}`,
        )
      }
    }),
  )
  context.progress.clear()
  return {
    ops: results.reduce((sum, r) => sum + r.ops, 0),
    calls: results.reduce((sum, r) => sum + r.calls, 0),
    seconds: request.seconds,
    latenciesMs: results.flatMap((r) => r.latenciesMs),
  }
}
