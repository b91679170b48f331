import type { Cluster } from 'ioredis'
import { Redis } from 'ioredis'
import { BenchError } from './bench-error.js'

/** Asking the nodes of a Redis Cluster directly, for the flash-sale cluster benchmark. */

/** Script calls (EVALSHA + EVAL) a node has run, and the microseconds it spent running them. */
export interface ScriptStats {
  readonly calls: number
  readonly usec: number
}

/** Runs `use` on a short-lived connection to one node (no Cluster redirects). */
async function onNode<T>(port: number, use: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true })
  try {
    await node.connect()
    return await use(node)
  } finally {
    node.disconnect()
  }
}

/** Each node's script counters so far (INFO commandstats), asked of the node itself. */
export function scriptStats(ports: readonly number[]): Promise<ScriptStats[]> {
  return Promise.all(
    ports.map((port) =>
      onNode(port, async (node) => {
        const info = await node.info('commandstats')
        const field = (name: string, key: string) =>
          Number(info.match(new RegExp(`cmdstat_${name}:.*\\b${key}=(\\d+)`))?.[1] ?? 0)
        return {
          calls: field('evalsha', 'calls') + field('eval', 'calls'),
          usec: field('evalsha', 'usec') + field('eval', 'usec'),
        }
      }),
    ),
  )
}

/** What the nodes ran between two readings: calls per node, their total, server µs per script. */
export function scriptDelta(before: readonly ScriptStats[], after: readonly ScriptStats[]) {
  const calls = after.map((a, i) => a.calls - before[i]!.calls)
  const usec = after.reduce((sum, a, i) => sum + a.usec - before[i]!.usec, 0)
  const total = calls.reduce((a, b) => a + b, 0)
  return { calls, total, usecPerCall: total > 0 ? usec / total : Number.NaN }
}

/** The port of the master serving `key`, from CLUSTER KEYSLOT and CLUSTER SLOTS. */
export async function masterOf(redis: Cluster, key: string): Promise<number> {
  const slot = Number(await redis.cluster('KEYSLOT', key))
  const ranges = await redis.cluster('SLOTS')
  const range = ranges.find(([from, to]) => slot >= from && slot <= to)
  if (!range) throw new BenchError(`no master serves hash slot ${slot}`)
  return range[2]![1]
}

/** A key that lives on the master at `port`. */
export async function keyOn(redis: Cluster, port: number): Promise<string> {
  for (let i = 0; i < 10_000; i++) {
    const key = `souk-ceiling:{n${i}}`
    if ((await masterOf(redis, key)) === port) return key
  }
  throw new BenchError(`no key found on master ${port}`)
}

/**
 * The EVALSHA whose first key is `key` that a client sends while `call` runs, as the node at `port`
 * saw it (MONITOR): the script's SHA, keys and arguments, ready for redis-benchmark to replay.
 * `call` may throw.
 */
export function captureScriptCall(
  port: number,
  key: string,
  call: () => Promise<unknown>,
): Promise<string[]> {
  return onNode(port, async (node) => {
    const monitor = await node.monitor()
    let timer: NodeJS.Timeout | undefined
    try {
      const seen = new Promise<string[]>((resolve, reject) => {
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (args[0]?.toLowerCase() === 'evalsha' && args[3] === key) resolve(args)
        })
        timer = setTimeout(() => reject(new BenchError(`no EVALSHA seen on node ${port}`)), 5000)
      })
      await call().catch(() => undefined)
      return await seen
    } finally {
      clearTimeout(timer)
      monitor.disconnect()
    }
  })
}
