import { redisCache, redisInvalidationBus } from '@souk/adapters-redis'
import { createTieredCache, silentLogger, type TieredCache } from '@souk/core'
import { invalidationBusSuite } from '@souk/core/testing'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClusterFixture, clusterFixture } from './cluster-support.js'

// The invalidation bus and the tiered cache on a real Redis Cluster of three masters and three
// replicas: publications reach subscribers whichever node each client subscribed on.

let fixture: ClusterFixture
let redis: Cluster
const closers: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  fixture = await clusterFixture()
  redis = fixture.client()
})
afterAll(async () => {
  for (const close of closers) await close()
  await fixture?.close()
})

describe('redisInvalidationBus on a Redis Cluster', () => {
  invalidationBusSuite({ describe, it }, async () => {
    const prefix = fixture.prefix()
    // Each bus on a client of its own, as each process would have.
    return { open: () => redisInvalidationBus({ redis: fixture.client(), prefix, logger: silentLogger }) }
  })

  it('three tiered caches on the Cluster: each write is served by the others right after it returns', async () => {
    const prefix = fixture.prefix()
    const open = async (): Promise<TieredCache> => {
      const client = fixture.client()
      const bus = redisInvalidationBus({ redis: client, prefix, logger: silentLogger })
      const cache = createTieredCache({
        shared: redisCache({ redis: client, prefix, logger: silentLogger }),
        bus,
        logger: silentLogger,
      })
      closers.push(() => bus.close())
      while (!cache.live) await new Promise((r) => setTimeout(r, 5))
      return cache
    }
    const all = [await open(), await open(), await open()]
    let stale = 0
    for (let round = 0; round < 60; round++) {
      for (const p of all) await p.get('product')
      for (const p of all) await p.get('gen')
      const writer = all[round % 3]!
      await writer.set('product', `v${round}`, 60_000)
      // As the catalog does: a write ends with a generation bump, which waits for every process.
      const gen = await writer.increment('gen')
      for (const p of all) {
        if ((await p.get('product')) !== `v${round}`) stale++
        if ((await p.get('gen')) !== gen) stale++
      }
    }
    expect(stale).toBe(0)
    for (const p of all) expect(p.stats().localHits).toBeGreaterThan(0)
    expect(redis.isCluster).toBe(true)
  })
})
