import type { Cluster, Redis } from 'ioredis'

/**
 * The client every adapter here takes: an ioredis `Redis` (standalone or Sentinel) or `Cluster`
 * that you create, own and close. Adapters register their Lua scripts on it with `defineCommand`
 * (ioredis then sends EVALSHA and falls back to EVAL on NOSCRIPT, so a script flush or a failover
 * to a fresh replica costs one round trip, not an error). Avoid ioredis's `keyPrefix` option: use
 * each adapter's `prefix` instead, so the keys the adapters report are the keys Redis holds.
 */
export type RedisClient = Redis | Cluster

/** True when `value` looks like an ioredis client (checked at construction; no instanceof across copies). */
export function isRedisClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return ['defineCommand', 'get', 'set', 'hget', 'unlink', 'multi'].every(
    (name) => typeof client[name] === 'function',
  )
}
