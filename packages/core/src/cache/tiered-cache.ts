import { z } from 'zod'
import { isCommerceError } from '../errors/commerce-error.js'
import { StorageError } from '../errors/error-classes.js'
import { consoleLogger, type Logger } from '../logger/logger.js'
import type { Cache } from '../ports/cache.js'
import type { InvalidationBus } from '../ports/invalidation-bus.js'
import { parseConfig } from '../validation/parse-config.js'
import { createMemoryCache, type MemoryCache } from './memory-cache.js'

/** Entries the local tier keeps when `localMaxEntries` is not given. */
export const DEFAULT_LOCAL_TIER_ENTRIES = 10_000
/** Longest an entry stays in the local tier when `localTtlMs` is not given: 10 seconds. */
export const DEFAULT_LOCAL_TIER_TTL_MS = 10_000

export interface TieredCacheOptions {
  /** The cache every process shares (`redisCache`): what the local tiers copy from. */
  readonly shared: Cache
  /** This process's bus on the channel every process of the deployment shares. Yours to close. */
  readonly bus: InvalidationBus
  /** Most entries the local tier keeps; the least recently used goes first. Default 10,000. */
  readonly localMaxEntries?: number
  /**
   * Longest an entry stays in the local tier, in ms, whatever the shared entry's TTL: the bound on
   * staleness should an invalidation be lost without the bus noticing. Default 10 000.
   */
  readonly localTtlMs?: number
  /** Where failures to publish an invalidation and subscription changes are reported. Default: console, `warn`. */
  readonly logger?: Logger
  /** Milliseconds since the epoch, for the local tier's expiry. Default `Date.now`. */
  readonly now?: () => number
}

/** What a tiered cache did, since it was created: for metrics and tests. */
export interface TieredCacheStats {
  /** `get`s answered by the local tier. */
  readonly localHits: number
  /** `get`s that went to the shared cache (local misses, and every `get` while not live). */
  readonly sharedReads: number
  /** Keys dropped from the local tier because another process invalidated them. */
  readonly remoteInvalidations: number
}

/** A `Cache` with an in-process tier in front of a shared one. */
export interface TieredCache extends Cache {
  /** True while the local tier is used: the bus subscription is live. */
  readonly live: boolean
  stats(): TieredCacheStats
  /** Stops listening on the bus (the bus and the shared cache stay open: they are yours). */
  close(): Promise<void>
}

const cacheShape = (v: unknown) =>
  ['get', 'set', 'delete', 'increment'].every(
    (m) => typeof (v as Record<string, unknown>)?.[m] === 'function',
  )

const optionsSchema = z.strictObject({
  shared: z.custom<Cache>(cacheShape, { message: 'shared must implement the Cache port' }),
  bus: z.custom<InvalidationBus>(
    (v) =>
      typeof (v as InvalidationBus)?.publish === 'function' &&
      typeof (v as InvalidationBus)?.subscribe === 'function',
    { message: 'bus must implement the InvalidationBus port' },
  ),
  localMaxEntries: z.number().int().min(1).max(10_000_000).default(DEFAULT_LOCAL_TIER_ENTRIES),
  localTtlMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 60 * 60 * 1000)
    .default(DEFAULT_LOCAL_TIER_TTL_MS),
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', {
      message: 'logger needs warn() and error()',
    })
    .optional(),
  now: z
    .custom<() => number>((v) => typeof v === 'function', { message: 'now must be a function' })
    .optional(),
})

/**
 * Lets the I/O callbacks that are already due run first. A request and the invalidation that
 * preceded it can reach this process in the same turn of the event loop, and Node may handle the
 * request's socket first; without this pause the request could read the local tier before the
 * invalidation that the write's caller already saw acknowledged has been applied.
 */
const afterPendingIo = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A two-tier `Cache`: an in-process LRU in front of a shared cache (Redis), kept coherent across
 * processes by an `InvalidationBus`. Hot reads are answered from process memory; every write goes
 * to the shared cache first and is then published, so every other process drops its local copy of
 * those keys. The catalog's generation counters ride on it unchanged: a bump in one process
 * reaches the others' local tiers as an invalidation of the counter's key.
 *
 * Guarantees, and what they rest on:
 * - After `delete` or `increment` has returned, every process whose subscription was live has
 *   dropped its copy (the bus's default `wait: 'applied'`; a bus may bound that wait and report a
 *   receiver that did not confirm), so it serves the new state: the shared cache holds the new
 *   state before the message is sent. `get` first lets I/O that is already due run, so a message
 *   that arrived with a request is applied before the request reads. A `set` is published without
 *   waiting (`wait: 'sent'`): other processes drop their copy of that key a moment later.
 * - A read racing an invalidation never refills the local tier with what the invalidation
 *   replaced: a local fill is skipped when an invalidation of its key arrived while it was
 *   reading the shared cache.
 * - While the subscription is not live (connection lost, not yet confirmed) the local tier is
 *   emptied and bypassed: every `get` reads the shared cache, as without a local tier; it is
 *   emptied again when the subscription comes back, since publications in between were lost.
 * - `localTtlMs` bounds how long a local copy lives if all else fails.
 *
 * Failures: `get` and `set` absorb what the shared cache absorbs. `delete` and `increment` throw
 * when the shared cache or the bus fails (`StorageError`): the other processes may then serve their
 * local copies until `localTtlMs` ends, and the caller (the catalog logs it) should know. A failed
 * publish after a `set` is logged at `error`, not thrown, as the port's `set` never throws for a
 * backend failure.
 */
export function createTieredCache(options: TieredCacheOptions): TieredCache {
  const config = parseConfig(optionsSchema, options, 'tiered cache options')
  const { shared, bus, localMaxEntries, localTtlMs } = config
  const logger = config.logger ?? consoleLogger('warn')
  const newLocal = () =>
    createMemoryCache({ maxEntries: localMaxEntries, ...(config.now ? { now: config.now } : {}) })
  let local: MemoryCache = newLocal()
  /** Reads of the shared cache in flight that may fill the local tier, by key. */
  const fills = new Map<string, Set<{ stale: boolean }>>()
  let localHits = 0
  let sharedReads = 0
  let remoteInvalidations = 0

  /**
   * Drops `keys` from the local tier and marks fills in flight for them stale. Synchronous on
   * purpose: the memory cache applies a delete before its promise settles, so no `get` that
   * starts afterwards can see the dropped entries.
   */
  function dropLocal(keys: readonly string[]): void {
    const valid = keys.filter((k) => typeof k === 'string' && k.length > 0)
    for (const key of valid) {
      const inFlight = fills.get(key)
      if (inFlight) for (const fill of inFlight) fill.stale = true
    }
    void local.delete(valid)
  }

  const subscription = bus.subscribe({
    invalidated(keys) {
      remoteInvalidations += keys.length
      dropLocal(keys)
    },
    live(isLive) {
      // Whatever was published while not live is lost: nothing held locally can be trusted.
      local = newLocal()
      for (const inFlight of fills.values()) for (const fill of inFlight) fill.stale = true
      if (isLive) logger.info('tiered cache: invalidation bus live, local tier in use')
      else logger.info('tiered cache: invalidation bus lost; local tier bypassed until it is back')
    },
  })

  async function publish(keys: readonly string[], wait: 'applied' | 'sent'): Promise<void> {
    try {
      await bus.publish(keys, { wait })
    } catch (error) {
      if (isCommerceError(error)) throw error
      throw new StorageError(
        'storage.unavailable',
        `Publishing a cache invalidation failed: ${error instanceof Error ? error.message : String(error)}`,
        { operation: 'cache invalidation publish' },
        { cause: error },
      )
    }
  }

  return {
    get live() {
      return subscription.live
    },

    stats() {
      return { localHits, sharedReads, remoteInvalidations }
    },

    async get<T>(key: string): Promise<T | undefined> {
      await afterPendingIo()
      if (!subscription.live) {
        sharedReads++
        return shared.get<T>(key)
      }
      const tier = local
      const hit = await tier.get<T>(key)
      if (hit !== undefined) {
        localHits++
        return hit
      }
      sharedReads++
      const fill = { stale: false }
      let inFlight = fills.get(key)
      if (!inFlight) {
        inFlight = new Set()
        fills.set(key, inFlight)
      }
      inFlight.add(fill)
      try {
        const value = await shared.get<T>(key)
        if (value !== undefined && !fill.stale && tier === local && subscription.live) {
          await tier.set(key, value, localTtlMs)
        }
        return value
      } finally {
        inFlight.delete(fill)
        if (inFlight.size === 0) fills.delete(key)
      }
    },

    async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
      await shared.set(key, value, ttlMs)
      dropLocal([key])
      try {
        // A value stored, not an invalidation: no need to hold the caller until everyone applied it.
        await publish([key], 'sent')
      } catch (error) {
        logger.error(
          'tiered cache: set not published; other processes may serve their copy until it expires',
          {
            key,
            localTtlMs,
            error: String(error),
          },
        )
      }
    },

    async delete(keys: readonly string[]): Promise<void> {
      try {
        await shared.delete(keys)
      } finally {
        // Even when the shared delete failed: this process at least stops serving them.
        dropLocal(keys)
      }
      if (keys.length > 0) await publish(keys, 'applied')
    },

    async increment(key: string): Promise<number> {
      const value = await shared.increment(key)
      dropLocal([key])
      await publish([key], 'applied')
      return value
    },

    async close() {
      await subscription.close()
      local = newLocal()
    },
  }
}
