import { randomBytes } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { RedisClient } from '@souk/adapters-redis'
import { Redis } from 'ioredis'
import { BenchError } from './bench-error.js'
import { REDIS_BENCHMARK_CLIENTS, REDIS_BENCHMARK_REQUESTS, redisBenchmark } from './redis-benchmark.js'
import type { Ceiling } from './stock-ceilings.js'

/** REDIS_URL, else the local default. */
export const redisUrl = () => process.env.REDIS_URL || 'redis://127.0.0.1:6379'

/** A fresh key prefix per run, so the bench deletes only the keys it made. */
export const benchKeyPrefix = () => `soukbench${randomBytes(4).toString('hex')}`

/** Connects, or explains that Redis is needed. */
export async function connectRedis(): Promise<RedisClient & { connect(): Promise<void> }> {
  const client = new Redis(redisUrl(), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  })
  const connectable = client as RedisClient & { connect(): Promise<void> }
  try {
    await connectable.connect()
    await client.ping()
  } catch (error) {
    client.disconnect()
    throw new BenchError(`cannot reach Redis at ${redisUrl()} (set REDIS_URL): ${String(error)}`)
  }
  return connectable
}

/** Deletes every key under `prefix` (SCAN, never KEYS) and returns how many. */
export async function deleteKeys(client: RedisClient, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = (await client.call('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000')) as [
      string,
      string[],
    ]
    cursor = next
    if (keys.length > 0) deleted += await client.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}

/** The redis engineer's check-and-decrement: the work one gate admission does, minus its bookkeeping. */
export const CHECK_AND_DECREMENT_LUA =
  "local r = tonumber(redis.call('GET', KEYS[1]) or '0') if r <= 0 then return -1 end return redis.call('DECRBY', KEYS[1], 1)"

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not here
    }
  }
  return null
}

/** STACK.md, "Measured ceilings": redis-benchmark, Lua check-and-decrement, 50 clients. */
const STACK_LUA_OPS = 156_000

/**
 * `redis-benchmark -n 200000 -c 50 --csv eval "<check-and-decrement>" 1 <key>` after `SET <key> 1e9`,
 * against the same Redis; STACK.md's figure when redis-benchmark is missing.
 */
export async function measureLuaCeiling(
  client: RedisClient,
  prefix: string,
  signal: AbortSignal,
): Promise<Ceiling & { readonly description: string }> {
  const binary = findOnPath('redis-benchmark')
  if (binary === null) {
    return {
      tps: STACK_LUA_OPS,
      source: 'STACK.md',
      description: `STACK.md's figure (redis-benchmark is not on PATH): ${STACK_LUA_OPS.toLocaleString('en-US')} ops/s`,
    }
  }
  const key = `${prefix}:ceiling`
  await client.set(key, '1000000000')
  const url = new URL(redisUrl())
  const args = ['-h', url.hostname, '-p', url.port || '6379']
  if (url.password) args.push('-a', decodeURIComponent(url.password))
  const rows = await redisBenchmark([...args, 'eval', CHECK_AND_DECREMENT_LUA, '1', key], { signal, binary })
  await client.del(key)
  const rps = rows.get('EVAL')?.rps ?? Number.NaN
  if (!Number.isFinite(rps)) throw new BenchError('redis-benchmark reported no EVAL figure')
  return {
    tps: rps,
    source: 'redis-benchmark',
    description: `measured live with \`redis-benchmark -n ${REDIS_BENCHMARK_REQUESTS} -c ${REDIS_BENCHMARK_CLIENTS} --csv eval "<check-and-decrement>" 1 <key>\` (${binary}) after SET <key> 1e9: ${Math.round(rps).toLocaleString('en-US')} ops/s; the script: \`${CHECK_AND_DECREMENT_LUA}\``,
  }
}
