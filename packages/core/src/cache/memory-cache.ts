import { z } from 'zod'
import { ValidationError } from '../errors/error-classes.js'
import type { Cache } from '../ports/cache.js'
import { parseConfig } from '../validation/parse-config.js'

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used is dropped first. Default 10,000. */
  readonly maxEntries?: number
  /** Milliseconds since the epoch, for expiry. Default `Date.now`; tests pass a fake. */
  readonly now?: () => number
}

/** An in-process {@link Cache} that can also be looked into, for tests and diagnostics. */
export interface MemoryCache extends Cache {
  /** Entries held, expired ones included until they are touched or evicted. */
  readonly size: number
  /**
   * The live entry under `key` without touching its recency: its value and when it expires
   * (`Infinity` for counters). Undefined when absent or expired.
   */
  peek(key: string): { readonly value: unknown; readonly expiresAt: number } | undefined
}

interface Entry {
  /** The value's JSON: stored as text so that every read returns a fresh copy, as Redis does. */
  readonly json: string
  readonly expiresAt: number
}

/** Entries kept when `maxEntries` is not given. */
export const DEFAULT_MEMORY_CACHE_ENTRIES = 10_000

const optionsSchema = z.strictObject({
  maxEntries: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(Number.MAX_SAFE_INTEGER)
    .default(DEFAULT_MEMORY_CACHE_ENTRIES),
  now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
})

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid cache call: ${path} ${message}`, [{ path, message }])
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid('key', 'must be a non-empty string')
}

function toJson(value: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    throw new ValidationError(
      'Invalid cache call: value is not JSON-serialisable',
      [{ path: 'value', message: 'must be JSON-serialisable' }],
      { cause: error },
    )
  }
  // JSON.stringify answers undefined for undefined, functions and symbols.
  if (json === undefined) throw invalid('value', 'must be JSON-serialisable')
  return json
}

/**
 * An in-process LRU cache with per-entry TTL: the default `Cache` when none is configured. Values
 * are stored as JSON, so what `get` returns is a copy (callers may mutate it) and behaves exactly
 * as a Redis-backed cache would. It lives in one process: processes sharing a database each have
 * their own, and a write in one does not invalidate the others' (configure a shared cache such as
 * `redisCache` for that).
 *
 * Counters from `increment` never expire by time; an evicted or deleted counter restarts above the
 * highest value this cache ever returned, so a namespace version never goes back.
 * Throws `ConfigError` (`config.invalid`) for a `maxEntries` that is not a positive integer, and
 * `ValidationError` from its methods for an empty key, a TTL that is not a positive integer, or a
 * value JSON cannot represent.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): MemoryCache {
  const config = parseConfig(optionsSchema, options, 'createMemoryCache options')
  const { maxEntries } = config
  const now = config.now ?? Date.now
  // A Map iterates in insertion order, so re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry>()
  let highestCounter = 0

  function live(key: string): Entry | undefined {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    entries.delete(key)
    if (entry.expiresAt <= now()) return undefined
    entries.set(key, entry)
    return entry
  }

  function put(key: string, entry: Entry): void {
    entries.delete(key)
    entries.set(key, entry)
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
  }

  return {
    get size() {
      return entries.size
    },

    peek(key) {
      const entry = entries.get(key)
      if (entry === undefined || entry.expiresAt <= now()) return undefined
      return { value: JSON.parse(entry.json), expiresAt: entry.expiresAt }
    },

    async get<T>(key: string) {
      checkKey(key)
      const entry = live(key)
      return entry === undefined ? undefined : (JSON.parse(entry.json) as T)
    },

    async set(key, value, ttlMs) {
      checkKey(key)
      if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw invalid('ttlMs', 'must be a positive integer')
      put(key, { json: toJson(value), expiresAt: now() + ttlMs })
    },

    async delete(keys) {
      for (const key of keys) checkKey(key)
      for (const key of keys) entries.delete(key)
    },

    async increment(key) {
      checkKey(key)
      const current = live(key)
      const value = current === undefined ? undefined : JSON.parse(current.json)
      const next = typeof value === 'number' && Number.isSafeInteger(value) ? value + 1 : highestCounter + 1
      highestCounter = Math.max(highestCounter, next)
      put(key, { json: String(next), expiresAt: Number.POSITIVE_INFINITY })
      return next
    },
  }
}
