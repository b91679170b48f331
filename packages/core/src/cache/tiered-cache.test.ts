import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { silentLogger } from '../logger/logger.js'
import type { Cache } from '../ports/cache.js'
import type { InvalidationBus, InvalidationListener } from '../ports/invalidation-bus.js'
import { cacheSuite } from '../testing/cache-suite.js'
import { createMemoryCache, type MemoryCache } from './memory-cache.js'
import { createMemoryInvalidationChannel } from './memory-invalidation-bus.js'
import { createTieredCache, type TieredCache } from './tiered-cache.js'

function fakeTime(start = 1_000_000) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

/** Resolves once `cache` uses its local tier (its subscription confirmed). */
async function liveOf(cache: TieredCache): Promise<TieredCache> {
  while (!cache.live) await new Promise((r) => setImmediate(r))
  return cache
}

/** A shared cache and channel with `n` processes' tiered caches on them. */
async function processes(n: number, sharedCache: Cache = createMemoryCache()) {
  const channel = createMemoryInvalidationChannel()
  const caches = await Promise.all(
    Array.from({ length: n }, () =>
      liveOf(createTieredCache({ shared: sharedCache, bus: channel.connect(), logger: silentLogger })),
    ),
  )
  return { channel, caches, shared: sharedCache }
}

/** A shared cache whose `get`s can be held back, to interleave a read with a write. */
function holdableCache(inner: MemoryCache) {
  let held: { release: () => void } | null = null
  let reads = 0
  const cache: Cache = {
    ...inner,
    async get<T>(key: string) {
      reads++
      const value = await inner.get<T>(key)
      if (held) await new Promise<void>((resolve) => (held = { release: resolve }))
      return value
    },
  }
  return {
    cache,
    get reads() {
      return reads
    },
    hold() {
      held = { release: () => undefined }
    },
    release() {
      const h = held
      held = null
      h?.release()
    },
  }
}

describe('createTieredCache', () => {
  cacheSuite({ describe, it }, async () => {
    const time = fakeTime()
    const shared = createMemoryCache({ now: time.now })
    const cache = await liveOf(
      createTieredCache({
        shared,
        bus: createMemoryInvalidationChannel().connect(),
        now: time.now,
        logger: silentLogger,
      }),
    )
    return {
      cache,
      advance: time.advance,
      inspect: {
        stored: async (key) => shared.peek(key)?.value,
        ttlMs: async (key) => {
          const entry = shared.peek(key)
          return entry === undefined ? null : entry.expiresAt - time.now()
        },
      },
    }
  })

  it('answers repeated reads from the local tier, reading the shared cache once', async () => {
    const {
      caches: [a],
      shared,
    } = await processes(1)
    await shared.set('k', { v: 1 }, 60_000)
    for (let i = 0; i < 5; i++) expect(await a!.get('k')).toEqual({ v: 1 })
    expect(a!.stats()).toMatchObject({ localHits: 4, sharedReads: 1 })
  })

  it("a write in one process reaches another's local tier before the write returns", async () => {
    const {
      caches: [a, b],
    } = await processes(2)
    await a!.set('product', 'old', 60_000)
    expect(await b!.get('product')).toBe('old')
    expect(await b!.get('product')).toBe('old')
    expect(b!.stats().localHits).toBe(1)

    await a!.set('product', 'new', 60_000)
    expect(await b!.get('product')).toBe('new')
    await a!.delete(['product'])
    expect(await b!.get('product')).toBeUndefined()

    // Generation counters, as the catalog uses them.
    const first = await a!.increment('gen')
    expect(await b!.get('gen')).toBe(first)
    const second = await a!.increment('gen')
    expect(await b!.get('gen')).toBe(second)
    const third = await b!.increment('gen')
    expect(await a!.get('gen')).toBe(third)
  })

  it('the same scenario with per-process caches serves the old value: what the bus is for', async () => {
    const shared = createMemoryCache()
    const a = createMemoryCache()
    const b = createMemoryCache()
    // Each process caches what it read from the shared store, as a tier without a bus would.
    await shared.set('product', 'old', 60_000)
    await b.set('product', await shared.get('product'), 60_000)
    await shared.set('product', 'new', 60_000)
    await a.delete(['product'])
    expect(await b.get('product')).toBe('old')
  })

  it('applies an invalidation that arrived with the read before answering from the local tier', async () => {
    const shared = createMemoryCache()
    let listener: InvalidationListener | undefined
    const bus: InvalidationBus = {
      async publish() {},
      subscribe(l) {
        listener = l
        queueMicrotask(() => l.live(true))
        return { live: true, close: async () => undefined }
      },
      async close() {},
    }
    const b = createTieredCache({ shared, bus, logger: silentLogger })
    await shared.set('k', 'old', 60_000)
    expect(await b.get('k')).toBe('old')
    // Another process wrote and published; its message and this read reach us in the same turn.
    await shared.set('k', 'new', 60_000)
    const read = b.get('k')
    listener!.invalidated(['k'])
    expect(await read).toBe('new')
  })

  it('a read racing a write never puts the value it replaced into the local tier', async () => {
    const holdable = holdableCache(createMemoryCache())
    const {
      caches: [a, b],
    } = await processes(2, holdable.cache)
    await a!.set('k', 'old', 60_000)
    holdable.hold()
    const slowRead = b!.get('k') // has read 'old' from the shared cache, not yet returned
    while (holdable.reads === 0) await new Promise((r) => setImmediate(r))
    const write = a!.set('k', 'new', 60_000)
    await write
    holdable.release()
    expect(await slowRead).toBe('old') // it began before the write: either answer is allowed
    expect(await b!.get('k')).toBe('new') // but 'old' was not kept
  })

  it('while the bus is down: bypasses and empties the local tier; trusts nothing held before once back', async () => {
    const { channel, caches, shared } = await processes(2)
    const [a, b] = caches
    await a!.set('k', 'v1', 60_000)
    expect(await b!.get('k')).toBe('v1')
    channel.interrupt()
    expect(b!.live).toBe(false)
    // Lost on the way: without the bypass b would serve v1 from its local tier.
    await a!.set('k', 'v2', 60_000)
    const reads = b!.stats().sharedReads
    expect(await b!.get('k')).toBe('v2')
    expect(await b!.get('k')).toBe('v2')
    expect(b!.stats().sharedReads).toBe(reads + 2)
    channel.restore()
    await liveOf(b!)
    await shared.set('k', 'v3', 60_000) // written past the tiers: only a refill can show it
    expect(await b!.get('k')).toBe('v3')
  })

  it('delete and increment throw when the invalidation cannot be published; set logs it', async () => {
    const shared = createMemoryCache()
    const errors: string[] = []
    const bus: InvalidationBus = {
      async publish() {
        throw new Error('connection refused')
      },
      subscribe(l) {
        queueMicrotask(() => l.live(true))
        return { live: true, close: async () => undefined }
      },
      async close() {},
    }
    const cache = createTieredCache({
      shared,
      bus,
      logger: { ...silentLogger, error: (message) => errors.push(message) },
    })
    for (const attempt of [cache.delete(['k']), cache.increment('k')]) {
      const error = await attempt.catch((e: unknown) => e)
      expect(isCommerceError(error) && error.code).toBe('storage.unavailable')
    }
    await cache.set('k', 'v', 60_000)
    expect(await shared.get('k')).toBe('v')
    expect(errors).toEqual([expect.stringContaining('set not published')])
  })

  it('waits for every process on invalidations, not on values it caches', async () => {
    const waits: string[] = []
    const bus: InvalidationBus = {
      async publish(keys, options) {
        waits.push(`${keys.join()}:${options?.wait}`)
      },
      subscribe(l) {
        queueMicrotask(() => l.live(true))
        return { live: true, close: async () => undefined }
      },
      async close() {},
    }
    const cache = createTieredCache({ shared: createMemoryCache(), bus, logger: silentLogger })
    await cache.set('value', 1, 60_000)
    await cache.increment('gen')
    await cache.delete(['a', 'b'])
    expect(waits).toEqual(['value:sent', 'gen:applied', 'a,b:applied'])
  })

  it('rejects bad options with config.invalid', () => {
    const bus = createMemoryInvalidationChannel().connect()
    for (const options of [
      { shared: {} as Cache, bus },
      { shared: createMemoryCache(), bus: {} as InvalidationBus },
      { shared: createMemoryCache(), bus, localTtlMs: 0 },
      { shared: createMemoryCache(), bus, localMaxEntries: 1.5 },
    ]) {
      let caught: unknown
      try {
        createTieredCache(options)
      } catch (error) {
        caught = error
      }
      expect(isCommerceError(caught) && caught.code).toBe('config.invalid')
    }
  })
})
