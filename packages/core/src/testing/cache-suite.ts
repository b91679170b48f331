import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createIdGenerator } from '../ids/id-generator.js'
import type { Cache } from '../ports/cache.js'
import { expectCommerceError } from './expect-commerce-error.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/**
 * Reads what the cache holds without going through the adapter's own getters, so the suite checks
 * the backend itself (for Redis: GET and PTTL on the namespaced key).
 */
export interface CacheInspector {
  /** The value stored for `key`, decoded from its stored form; `undefined` when nothing is stored. */
  stored(key: string): Promise<unknown>
  /**
   * Remaining time to live of `key` in milliseconds as the backend holds it; `null` when no such
   * key exists, `Infinity` when it never expires.
   */
  ttlMs(key: string): Promise<number | null>
}

export interface CacheHarness {
  readonly cache: Cache
  readonly inspect: CacheInspector
  /**
   * Moves the cache's clock forward by `ms`, for caches that read time from an injected clock (an
   * in-process LRU). Omit it for a backend that keeps time itself (Redis): the expiry test then
   * waits for a short real TTL to run out, polling until the entry is gone, so it cannot flake on a
   * slow machine and asserts nothing about how long that took.
   */
  advance?(ms: number): Promise<void> | void
}

/** Longest the expiry test waits for a backend that keeps its own time; only a broken cache gets near it. */
const EXPIRY_DEADLINE_MS = 15_000

/**
 * The `Cache` port's contract. Every test uses fresh random keys, so one cache may serve them all;
 * `makeHarness` is called once per test.
 *
 * Besides get/set/delete it pins down two properties that invalidation relies on: `null` is a value
 * (a cached "no such product" is not a miss), and a counter from `increment` never returns a value
 * it returned before, even after the counter was deleted or evicted (a namespace version that went
 * back could make a stale listing current again).
 */
export function cacheSuite(
  api: SuiteApi,
  makeHarness: () => Promise<CacheHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const ids = createIdGenerator()
  const key = (name: string) => `${name}:${ids('k').slice(-12)}`

  describe('cache contract', () => {
    it('get misses on a key that was never set', async () => {
      const { cache, inspect } = await makeHarness()
      const k = key('missing')
      assert.equal(await cache.get(k), undefined)
      assert.equal(await inspect.stored(k), undefined)
      assert.equal(await inspect.ttlMs(k), null)
    })

    it('set then get round-trips JSON values, and null is a value rather than a miss', async () => {
      const { cache, inspect } = await makeHarness()
      const values: unknown[] = [
        {
          id: 'prod_1',
          price: { amount: 1999, currency: 'EUR' },
          tags: ['a', 'b'],
          nested: { x: [1, { y: null }] },
        },
        [1, 'two', false, null],
        'plain text ✓ with “quotes” and \\ backslashes',
        '',
        0,
        -42,
        Number.MAX_SAFE_INTEGER,
        true,
        false,
        null,
      ]
      for (const [i, value] of values.entries()) {
        const k = key(`value${i}`)
        await cache.set(k, value, 60_000)
        assert.deepEqual(await cache.get(k), value, `value ${i} reads back`)
        assert.deepEqual(await inspect.stored(k), value, `value ${i} is stored`)
      }
    })

    it('stores the TTL it was given; overwriting replaces both the value and the TTL', async () => {
      const { cache, inspect } = await makeHarness()
      const k = key('ttl')
      await cache.set(k, { v: 1 }, 60_000)
      const first = await inspect.ttlMs(k)
      assert.ok(first !== null && first > 0 && first <= 60_000, `ttl ${first} within (0, 60000]`)
      await cache.set(k, { v: 2 }, 3_600_000)
      const second = await inspect.ttlMs(k)
      assert.ok(second !== null && second > 60_000 && second <= 3_600_000, `ttl ${second} was replaced`)
      assert.deepEqual(await cache.get(k), { v: 2 })
    })

    it('an entry is gone once its TTL has run out', async () => {
      const harness = await makeHarness()
      const { cache, inspect } = harness
      const k = key('expire')
      const keep = key('keep')
      await cache.set(keep, 'stays', 3_600_000)
      await cache.set(k, 'short-lived', 50)
      const ttl = await inspect.ttlMs(k)
      // Null is allowed: on a slow machine the entry may already have gone.
      assert.ok(ttl === null || (ttl > 0 && ttl <= 50), `ttl ${ttl} within (0, 50]`)
      if (harness.advance) {
        await harness.advance(51)
      } else {
        const deadline = Date.now() + EXPIRY_DEADLINE_MS
        while ((await inspect.stored(k)) !== undefined && Date.now() < deadline) await sleep(10)
      }
      assert.equal(await cache.get(k), undefined)
      assert.equal(await inspect.stored(k), undefined)
      assert.equal(await cache.get(keep), 'stays')
    })

    it('delete removes every given key, tolerates missing ones, and leaves the rest', async () => {
      const { cache, inspect } = await makeHarness()
      const keys = Array.from({ length: 300 }, (_, i) => key(`del${i}`))
      for (const k of keys) await cache.set(k, k, 60_000)
      const gone = keys.slice(0, 250)
      await cache.delete([...gone, key('never-set')])
      for (const k of gone) {
        assert.equal(await cache.get(k), undefined)
        assert.equal(await inspect.stored(k), undefined)
      }
      for (const k of keys.slice(250)) assert.equal(await inspect.stored(k), k)
      await cache.delete([])
      assert.equal(await cache.get(keys[299]!), keys[299])
    })

    it('keys are exact strings: no prefix, pattern or hash-tag matching', async () => {
      const { cache, inspect } = await makeHarness()
      const base = key('exact')
      const keys = [base, `${base}:child`, `${base}*`, `${base}?`, `${base} {tag}`, `${base}/ü/日本`]
      for (const [i, k] of keys.entries()) await cache.set(k, i, 60_000)
      for (const [i, k] of keys.entries()) assert.equal(await cache.get(k), i)
      await cache.delete([`${base}*`])
      assert.equal(await inspect.stored(`${base}*`), undefined)
      for (const k of keys.filter((k) => k !== `${base}*`))
        assert.notEqual(await inspect.stored(k), undefined)
    })

    it('increment is atomic and strictly increasing per key, and get reads the counter', async () => {
      const { cache } = await makeHarness()
      const a = key('counter-a')
      const b = key('counter-b')
      const first = await cache.increment(a)
      const second = await cache.increment(a)
      assert.ok(Number.isSafeInteger(first) && Number.isSafeInteger(second))
      assert.ok(second > first, `${second} > ${first}`)
      const concurrent = await Promise.all(Array.from({ length: concurrency }, () => cache.increment(a)))
      assert.equal(new Set(concurrent).size, concurrency, 'concurrent increments never share a value')
      for (const value of concurrent) assert.ok(value > second)
      const highest = Math.max(...concurrent)
      assert.equal(await cache.get(a), highest)
      await cache.increment(b)
      assert.equal(await cache.get(a), highest, 'counters are independent')
    })

    it('a counter that was deleted never returns a value it returned before', async () => {
      const { cache } = await makeHarness()
      const k = key('version')
      let last = 0
      for (let i = 0; i < 5; i++) last = await cache.increment(k)
      await cache.delete([k])
      const after = await cache.increment(k)
      assert.ok(after > last, `${after} > ${last}: a namespace version never goes back`)
    })

    it('rejects bad input with validation.failed and stores nothing', async () => {
      const { cache, inspect } = await makeHarness()
      const k = key('bad')
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expectCommerceError(cache.set(k, 'v', ttl), 'validation.failed')
      }
      const circular: Record<string, unknown> = {}
      circular.self = circular
      for (const value of [undefined, 10n, circular, () => 1, Symbol('s')]) {
        await expectCommerceError(cache.set(k, value, 60_000), 'validation.failed')
      }
      assert.equal(await inspect.stored(k), undefined)
      await expectCommerceError(cache.set('', 'v', 60_000), 'validation.failed')
      await expectCommerceError(cache.get(''), 'validation.failed')
      await expectCommerceError(cache.increment(''), 'validation.failed')
      await expectCommerceError(cache.delete(['']), 'validation.failed')
    })
  })
}
