import { type Cache, consoleLogger, type Logger, parseConfig, parseInput, ValidationError } from '@souk/core'
import type { ChainableCommander } from 'ioredis'
import { z } from 'zod'
import { withRedisErrors } from './map-redis-error.js'
import { isRedisClient, type RedisClient } from './redis-client.js'
import { DEFAULT_KEY_PREFIX, keyPrefixSchema } from './redis-keys.js'
import { sendReplicated, waitForReplicasSchema } from './replica-ack.js'

/** Default TTL of `set` calls that name none: 5 minutes. */
export const DEFAULT_CACHE_TTL_MS = 5 * 60 * 1000
/** Default life of an `increment` counter after its last increment: 30 days. */
export const DEFAULT_COUNTER_TTL_MS = 30 * 24 * 60 * 60 * 1000
/** Default budget of `get` and `set` before they give up: 250 ms. */
export const DEFAULT_CACHE_TIMEOUT_MS = 250
/** Default largest value (its JSON, in bytes) that `set` caches: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
/** Longest TTL `set` accepts: 365 days. */
export const MAX_CACHE_TTL_MS = 365 * 24 * 60 * 60 * 1000
/** Longest cache key, before the prefix. */
export const MAX_CACHE_KEY_LENGTH = 1024
/** Most keys one `delete` call takes. */
export const MAX_DELETE_KEYS = 10_000

/** Keys per UNLINK on a standalone server: large enough to amortise the round trip, small enough not to stall it. */
const UNLINK_CHUNK = 500

export interface RedisCacheOptions {
  /** An ioredis `Redis` or `Cluster` client that you own; the cache never closes it. */
  readonly redis: RedisClient
  /** Namespace of every key: the cache stores `key` under `<prefix>:cache:<key>`. Default `'souk'`. */
  readonly prefix?: string
  /** TTL of a `set` that names none, in ms. Default 5 minutes. */
  readonly defaultTtlMs?: number
  /** How long an `increment` counter lives after its last increment, in ms. Default 30 days. */
  readonly counterTtlMs?: number
  /**
   * Budget of `get` and `set` in ms. When Redis is slower (or down while ioredis keeps
   * reconnecting), `get` counts as a miss and `set` as skipped, so a sick cache slows no read by
   * more than this. Default 250 ms.
   */
  readonly timeoutMs?: number
  /** Values whose JSON is larger than this many bytes are not cached (and logged). Default 1 MiB. */
  readonly maxValueBytes?: number
  /**
   * Replicas that must hold each invalidation (`delete`, `increment`) before it counts (Redis
   * `WAIT`, within `timeoutMs`); one fewer replicas acknowledged throws `storage.unavailable`. Set
   * it on a Redis Cluster (or Sentinel) with replicas, so an invalidation a failover loses is
   * reported like a failed one instead of silently reviving stale entries. Default 0: do not wait.
   */
  readonly waitForReplicas?: number
  /** Where `get`/`set` report the failures they absorb. Default: JSON lines to the console at `warn`. */
  readonly logger?: Logger
}

/**
 * Souk's `Cache` port on Redis. What fails how (a cache must never break a read, and must never
 * silently leave stale data behind):
 * - `get`: a Redis failure, a timeout or an unreadable entry is logged and answered as a miss, so
 *   the caller reads through to the database.
 * - `set`: a failure or timeout is logged and the value is simply not cached; a missing entry is
 *   always safe. Invalid input (bad TTL, a value JSON cannot represent) throws `ValidationError`.
 * - `delete` and `increment` are invalidation: a failure throws `StorageError`
 *   (`storage.unavailable` or `storage.failed`), because swallowing it could leave a stale entry
 *   served until its TTL runs out; the caller decides whether to retry or to fail the write.
 */
export interface RedisCache extends Cache {
  /** Like the port's `set`, with `ttlMs` optional (default `defaultTtlMs`). */
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>
  /** The Redis key that holds `key` (`<prefix>:cache:<key>`), for inspection and operations. */
  keyOf(key: string): string
  readonly prefix: string
}

const optionsSchema = z.strictObject({
  redis: z.custom<RedisClient>(isRedisClient, {
    message: 'redis must be an ioredis Redis or Cluster client',
  }),
  prefix: keyPrefixSchema.default(DEFAULT_KEY_PREFIX),
  defaultTtlMs: z.number().int().min(1).max(MAX_CACHE_TTL_MS).default(DEFAULT_CACHE_TTL_MS),
  counterTtlMs: z.number().int().min(1000).max(MAX_CACHE_TTL_MS).default(DEFAULT_COUNTER_TTL_MS),
  timeoutMs: z.number().int().min(1).max(60_000).default(DEFAULT_CACHE_TIMEOUT_MS),
  maxValueBytes: z
    .number()
    .int()
    .min(1)
    .max(512 * 1024 * 1024)
    .default(DEFAULT_MAX_VALUE_BYTES),
  waitForReplicas: waitForReplicasSchema,
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', {
      message: 'logger needs warn()',
    })
    .optional(),
})

const keySchema = z
  .string()
  .min(1, 'cache key must not be empty')
  .max(MAX_CACHE_KEY_LENGTH, `cache key must be at most ${MAX_CACHE_KEY_LENGTH} characters`)
const ttlSchema = z
  .number()
  .int('ttlMs must be a whole number of milliseconds')
  .min(1, 'ttlMs must be positive')
  .max(MAX_CACHE_TTL_MS, `ttlMs must be at most ${MAX_CACHE_TTL_MS}`)
const keysSchema = z.array(keySchema).max(MAX_DELETE_KEYS, `delete takes at most ${MAX_DELETE_KEYS} keys`)

/**
 * Increments a counter that never goes back. A missing counter (never set, deleted, expired or
 * evicted) is first seeded with the server's clock in microseconds, so its next value is larger
 * than any value it had before (unless it was incremented more than once per microsecond over its
 * whole life). Listing caches key their entries by such a namespace version: a version that
 * restarted at 1 could make a long-stale listing current again. The seed (about 1.8e15 today)
 * stays a safe JS integer until the year 2255.
 */
const INCREMENT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[1], t[1] .. string.rep('0', 6 - #t[2]) .. t[2])
end
local value = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return value
`

interface CacheCommands {
  soukCacheIncrement(key: string, ttlMs: number): Promise<number>
}

interface CachePipeline extends ChainableCommander {
  soukCacheIncrement(key: string, ttlMs: number): CachePipeline
}

const TIMED_OUT: unique symbol = Symbol('timed out')

/** Settles with `promise`, or with TIMED_OUT after `ms`; a late rejection is already handled by the race. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function serialize(key: string, value: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    throw new ValidationError(
      `Cache value for ${key} is not JSON-serialisable: ${describeError(error)}`,
      [{ path: 'value', message: describeError(error) }],
      { cause: error },
    )
  }
  if (json === undefined) {
    throw new ValidationError(`Cache value for ${key} is not JSON-serialisable (${typeof value})`, [
      { path: 'value', message: `${typeof value} has no JSON form` },
    ])
  }
  return json
}

/**
 * A read-through cache on Redis implementing core's `Cache` port. Values are stored as JSON (so a
 * `Date` reads back as its ISO string) under `<prefix>:cache:<key>` with a TTL.
 *
 * Redis Cluster: cache keys carry no hash tag on purpose. No script or multi-key command needs two
 * of them in one slot (increment's script touches one key; `delete` sends one UNLINK per key to a
 * Cluster and one UNLINK per 500 keys to a standalone server), so they spread over every slot and
 * node instead of piling onto one. A caller's key that contains `{...}` brings its own tag.
 */
export function redisCache(options: RedisCacheOptions): RedisCache {
  const config = parseConfig(optionsSchema, options, 'redisCache options')
  const { redis, prefix, defaultTtlMs, counterTtlMs, timeoutMs, maxValueBytes, waitForReplicas } = config
  const logger = config.logger ?? consoleLogger('warn')
  redis.defineCommand('soukCacheIncrement', { numberOfKeys: 1, lua: INCREMENT_LUA })
  const commands = redis as RedisClient & CacheCommands
  const keyOf = (key: string) => `${prefix}:cache:${key}`
  const acknowledged = { replicas: waitForReplicas, timeoutMs }
  const unlink = (keys: string[]) =>
    sendReplicated(
      redis,
      { operation: 'cache delete', ...acknowledged },
      () => redis.unlink(...keys),
      (p) => p.unlink(...keys),
    )

  return {
    prefix,
    keyOf,

    async get<T>(key: string): Promise<T | undefined> {
      const k = parseInput(keySchema, key, 'cache key')
      let raw: string | null | typeof TIMED_OUT
      try {
        raw = await bounded(redis.get(keyOf(k)), timeoutMs)
      } catch (error) {
        logger.warn('souk cache: get failed, answered as a miss', { key: k, error: describeError(error) })
        return undefined
      }
      if (raw === TIMED_OUT) {
        logger.warn('souk cache: get timed out, answered as a miss', { key: k, timeoutMs })
        return undefined
      }
      if (raw === null) return undefined
      try {
        return JSON.parse(raw) as T
      } catch (error) {
        // Not written by this cache (or truncated); the next set overwrites it.
        logger.warn('souk cache: unreadable entry, answered as a miss', {
          key: k,
          error: describeError(error),
        })
        return undefined
      }
    },

    async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
      const k = parseInput(keySchema, key, 'cache key')
      const ttl = parseInput(ttlSchema, ttlMs ?? defaultTtlMs, 'cache ttlMs')
      const json = serialize(k, value)
      const bytes = Buffer.byteLength(json)
      if (bytes > maxValueBytes) {
        logger.warn('souk cache: value too large, not cached', { key: k, bytes, maxValueBytes })
        return
      }
      try {
        const outcome = await bounded(redis.set(keyOf(k), json, 'PX', ttl), timeoutMs)
        if (outcome === TIMED_OUT)
          logger.warn('souk cache: set timed out, value may not be cached', { key: k })
      } catch (error) {
        logger.warn('souk cache: set failed, value not cached', { key: k, error: describeError(error) })
      }
    },

    async delete(keys: readonly string[]): Promise<void> {
      const list = parseInput(keysSchema, keys, 'cache keys').map(keyOf)
      if (list.length === 0) return
      await withRedisErrors('cache delete', async () => {
        if (redis.isCluster) {
          // Cluster refuses a multi-key command across slots; ioredis routes each key to its node.
          await Promise.all(list.map((k) => unlink([k])))
          return
        }
        for (let i = 0; i < list.length; i += UNLINK_CHUNK) await unlink(list.slice(i, i + UNLINK_CHUNK))
      })
    },

    async increment(key: string): Promise<number> {
      const k = parseInput(keySchema, key, 'cache key')
      return withRedisErrors('cache increment', () =>
        sendReplicated(
          redis,
          { operation: 'cache increment', ...acknowledged },
          () => commands.soukCacheIncrement(keyOf(k), counterTtlMs),
          (p) => (p as CachePipeline).soukCacheIncrement(keyOf(k), counterTtlMs),
        ),
      )
    },
  }
}
