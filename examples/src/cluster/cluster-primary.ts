import cluster, { type Worker } from 'node:cluster'
import { WORKER_SLOT_ENV } from './cluster-role.js'
import { SHUTDOWN_MESSAGE } from './cluster-worker.js'

export interface ClusterPlan {
  readonly workers: number
  /** Variables every worker gets on top of the primary's: the secrets they must share. */
  readonly env: Readonly<Record<string, string>>
  /** Called once, when every worker listens: prints the banner. */
  onListening(port: number, pids: readonly number[]): void
  readonly print: (line: string) => void
  /** How long workers may drain on shutdown before they are killed. Default 10 000 ms + 10 s. */
  readonly stopTimeoutMs?: number
}

/** A worker that lived less than this before dying counts as a crash loop: its restarts back off. */
const QUICK_DEATH_MS = 10_000
const MAX_RESTART_DELAY_MS = 30_000

/**
 * The cluster's primary: forks `plan.workers` workers that share the listening port (node:cluster
 * hands each new connection to the next worker in turn), replaces a worker that dies (after a
 * back-off when it keeps dying young), and on SIGTERM or SIGINT asks every worker to drain and
 * exits once all have: with 0 when every worker stopped cleanly. A second signal kills them.
 * The primary serves nothing and holds no database connection.
 */
export function runClusterPrimary(plan: ClusterPlan): Promise<void> {
  const { print } = plan
  const slots = new Map<number, { worker: Worker; startedAt: number; quickDeaths: number }>()
  let stopping = false
  let listening = false
  let worstExit = 0

  function fork(slot: number, quickDeaths: number): void {
    const worker = cluster.fork({ ...plan.env, [WORKER_SLOT_ENV]: String(slot) })
    slots.set(slot, { worker, startedAt: Date.now(), quickDeaths })
  }

  return new Promise<void>((resolve, reject) => {
    const pending = new Set<number>()
    cluster.on('listening', (worker, address) => {
      pending.delete(worker.id)
      if (listening || pending.size > 0) {
        if (listening) print(`worker pid ${worker.process.pid} listening`)
        return
      }
      listening = true
      const pids = [...slots.values()].map((s) => s.worker.process.pid ?? 0)
      plan.onListening(address.port, pids)
      resolve()
    })

    cluster.on('exit', (worker, code, signal) => {
      const entry = [...slots.entries()].find(([, s]) => s.worker === worker)
      if (!entry) return
      const [slot, state] = entry
      slots.delete(slot)
      const how = signal ? `signal ${signal}` : `code ${code}`
      if (stopping) {
        if (code !== 0) worstExit = 1
        if (slots.size === 0) {
          print('stopped')
          process.exit(worstExit)
        }
        return
      }
      if (!listening) {
        // A worker that cannot start (a port in use, a bad configuration) would fail the same way again.
        print(`worker ${slot} (pid ${worker.process.pid}) exited with ${how} before listening; stopping`)
        stopping = true
        for (const { worker: other } of slots.values()) other.process.kill('SIGKILL')
        reject(new Error('a worker failed to start'))
        return
      }
      const quick = Date.now() - state.startedAt < QUICK_DEATH_MS
      const quickDeaths = quick ? state.quickDeaths + 1 : 0
      const delay = quick ? Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** quickDeaths) : 0
      print(
        `worker ${slot} (pid ${worker.process.pid}) exited with ${how}; starting a replacement${delay ? ` in ${delay} ms` : ''}`,
      )
      setTimeout(() => {
        if (!stopping) fork(slot, quickDeaths)
      }, delay)
    })

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        print(`${signal} again: killing ${slots.size} workers`)
        for (const { worker } of slots.values()) worker.process.kill('SIGKILL')
        process.exit(1)
      }
      stopping = true
      print(`${signal}: stopping ${slots.size} workers; each finishes its requests in flight`)
      if (slots.size === 0) {
        print('stopped')
        process.exit(0)
      }
      // Ctrl-C reached every worker already (one process group); the message reaches them otherwise.
      for (const { worker } of slots.values()) {
        if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE)
      }
      setTimeout(() => {
        print(`workers took too long to stop: killing ${slots.size}`)
        for (const { worker } of slots.values()) worker.process.kill('SIGKILL')
        process.exit(1)
      }, plan.stopTimeoutMs ?? 20_000).unref()
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)

    for (let slot = 1; slot <= plan.workers; slot++) {
      fork(slot, 0)
      pending.add(slots.get(slot)!.worker.id)
    }
  })
}
