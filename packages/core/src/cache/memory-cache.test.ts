import { describe, expect, it } from 'vitest'
import { cacheSuite } from '../testing/cache-suite.js'
import { expectConfigError } from '../testing/expect-config-error.js'
import { createMemoryCache } from './memory-cache.js'

function fakeTime(start = 1_000_000) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('createMemoryCache', () => {
  cacheSuite({ describe, it }, async () => {
    const time = fakeTime()
    const cache = createMemoryCache({ now: time.now })
    return {
      cache,
      advance: time.advance,
      inspect: {
        stored: async (key) => cache.peek(key)?.value,
        ttlMs: async (key) => {
          const entry = cache.peek(key)
          return entry === undefined ? null : entry.expiresAt - time.now()
        },
      },
    }
  })

  it('drops the least recently used entry past maxEntries; a read counts as a use', async () => {
    const cache = createMemoryCache({ maxEntries: 3 })
    await cache.set('a', 1, 60_000)
    await cache.set('b', 2, 60_000)
    await cache.set('c', 3, 60_000)
    expect(await cache.get('a')).toBe(1)
    await cache.set('d', 4, 60_000)
    expect(cache.size).toBe(3)
    expect(await cache.get('b')).toBeUndefined()
    expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual([1, 3, 4])
  })

  it('expires at exactly the TTL on its clock, and an expired entry frees its slot', async () => {
    const time = fakeTime()
    const cache = createMemoryCache({ now: time.now, maxEntries: 2 })
    await cache.set('k', 'v', 100)
    time.advance(99)
    expect(await cache.get('k')).toBe('v')
    time.advance(1)
    expect(await cache.get('k')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('returns copies: mutating a result or the stored object does not change the cache', async () => {
    const cache = createMemoryCache()
    const value = { tags: ['a'], price: { amount: 1, currency: 'USD' } }
    await cache.set('p', value, 60_000)
    value.tags.push('changed')
    const read = await cache.get<typeof value>('p')
    read!.price.amount = 999
    expect(await cache.get('p')).toEqual({ tags: ['a'], price: { amount: 1, currency: 'USD' } })
  })

  it('an evicted counter restarts above every value it returned', async () => {
    const cache = createMemoryCache({ maxEntries: 1 })
    const first = await cache.increment('version')
    const second = await cache.increment('version')
    await cache.set('other', 1, 60_000) // evicts the counter
    expect(await cache.get('version')).toBeUndefined()
    const third = await cache.increment('version')
    expect(second).toBeGreaterThan(first)
    expect(third).toBeGreaterThan(second)
  })

  it.each([0, -1, 1.5, Number.NaN])(
    'refuses maxEntries %s with config.invalid, as every factory does',
    (maxEntries) => {
      expectConfigError(() => createMemoryCache({ maxEntries }), 'createMemoryCache options', 'maxEntries')
    },
  )

  it('refuses an unknown option, so a misspelt one is not silently ignored', () => {
    expectConfigError(() => createMemoryCache({ maxEntry: 5 } as never), 'createMemoryCache options')
  })
})
