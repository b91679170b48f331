import { redisCache, redisInvalidationBus } from '@souk/adapters-redis'
import { createTieredCache, silentLogger, type TieredCache } from '@souk/core'
import { cacheSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
const closers: (() => Promise<unknown>)[] = []
beforeAll(() => {
  fixture = redisFixture()
})
afterAll(async () => {
  for (const close of closers) await close()
  await fixture.close()
})

/** What one process opens: its own Redis client, the shared cache, its bus and its tiered cache. */
async function processOn(prefix: string): Promise<TieredCache> {
  const redis = fixture.client()
  const bus = redisInvalidationBus({ redis, prefix, logger: silentLogger })
  const cache = createTieredCache({
    shared: redisCache({ redis, prefix, logger: silentLogger }),
    bus,
    logger: silentLogger,
  })
  closers.push(
    () => cache.close(),
    () => bus.close(),
  )
  while (!cache.live) await new Promise((r) => setTimeout(r, 5))
  return cache
}

describe('createTieredCache over redisCache and redisInvalidationBus', () => {
  cacheSuite({ describe, it }, async () => {
    const prefix = fixture.prefix()
    const cache = await processOn(prefix)
    const admin = fixture.client()
    const keyOf = (key: string) => `${prefix}:cache:${key}`
    return {
      cache,
      inspect: {
        async stored(key) {
          const raw = await admin.get(keyOf(key))
          return raw === null ? undefined : JSON.parse(raw)
        },
        async ttlMs(key) {
          const ttl = await admin.pttl(keyOf(key))
          return ttl === -2 ? null : ttl === -1 ? Number.POSITIVE_INFINITY : ttl
        },
      },
    }
  })

  it('three processes: each write is served by the others right after it returns', async () => {
    const prefix = fixture.prefix()
    const [a, b, c] = [await processOn(prefix), await processOn(prefix), await processOn(prefix)]
    const all = [a, b, c]
    let stale = 0
    for (let round = 0; round < 200; round++) {
      const writer = all[round % 3]!
      // Every process holds the current value in its local tier before the write.
      for (const p of all) await p.get('product')
      for (const p of all) await p.get('gen')
      await writer.set('product', { name: `v${round}` }, 60_000)
      const gen = await writer.increment('gen')
      for (const p of all) {
        const [product, seen] = [await p.get<{ name: string }>('product'), await p.get('gen')]
        if (product?.name !== `v${round}` || seen !== gen) stale++
      }
    }
    expect(stale).toBe(0)
    // The local tiers were used, and the others' copies were dropped by messages.
    for (const p of all) expect(p.stats().localHits).toBeGreaterThan(200)
    for (const p of all) expect(p.stats().remoteInvalidations).toBeGreaterThan(200)
  })
})
