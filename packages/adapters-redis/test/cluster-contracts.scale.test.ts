import { mapRedisError, redisCache, redisCartStore } from '@souk/adapters-redis'
import { createCommerce, silentLogger } from '@souk/core'
import { type CartSkuSeed, cacheSuite, cartStoreSuite, seedSkuThrough } from '@souk/core/testing'
import { type Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CartDatabase, cartDatabase } from './cart-support.js'
import { type ClusterFixture, clusterFixture, unreachableCluster } from './cluster-support.js'

// The Redis contract suites of the cache and the cart store (cache-contract.test.ts,
// redis-cart-store-contract.test.ts) on a real Redis Cluster of three masters and three replicas
// started by the test harness: once as the standalone files run them, once waiting for a replica
// on each write, and the cart store once more with the Cluster unreachable.

let fixture: ClusterFixture
let redis: Cluster
let down: Cluster
let database: CartDatabase
let seedSku: (seed: CartSkuSeed) => Promise<void>
/** Every prefix a suite used: the layout test checks their keys spread over the masters. */
const used: string[] = []

beforeAll(async () => {
  ;[fixture, database] = await Promise.all([clusterFixture(), cartDatabase('redis_cluster_contract')])
  seedSku = seedSkuThrough(
    createCommerce({ storage: database.storage, logger: silentLogger, unitsSold: false }),
  )
  redis = fixture.client()
  down = unreachableCluster()
})
afterAll(async () => {
  down?.disconnect()
  await fixture?.close()
  await database?.close()
})

function prefix(): string {
  const p = fixture.prefix()
  used.push(p)
  return p
}

for (const waitForReplicas of [0, 1]) {
  describe(`redisCache on a Redis Cluster (waitForReplicas ${waitForReplicas})`, () => {
    cacheSuite({ describe, it }, async () => {
      const cache = redisCache({ redis, prefix: prefix(), waitForReplicas, logger: silentLogger })
      return {
        cache,
        inspect: {
          async stored(key) {
            const raw = await redis.get(cache.keyOf(key))
            return raw === null ? undefined : JSON.parse(raw)
          },
          async ttlMs(key) {
            const ttl = await redis.pttl(cache.keyOf(key))
            return ttl === -2 ? null : ttl === -1 ? Number.POSITIVE_INFINITY : ttl
          },
        },
      }
    })
  })

  describe(`redisCartStore over Postgres on a Redis Cluster (waitForReplicas ${waitForReplicas})`, () => {
    cartStoreSuite(
      { describe, it },
      async () =>
        redisCartStore({
          redis,
          durable: database.storage.carts,
          prefix: prefix(),
          waitForReplicas,
          logger: silentLogger,
        }),
      { seedSku: (seed) => seedSku(seed) },
    )
  })
}

describe('redisCartStore over Postgres with the Redis Cluster unreachable', () => {
  cartStoreSuite(
    { describe, it },
    async () =>
      redisCartStore({
        redis: down,
        durable: database.storage.carts,
        prefix: prefix(),
        logger: silentLogger,
      }),
    { seedSku: (seed) => seedSku(seed) },
  )
})

describe('Redis Cluster layout', () => {
  it('the suites above wrote keys on every one of the three masters', async () => {
    const perMaster = [0, 0, 0]
    for (const p of used) {
      const counts = await fixture.keysPerMaster(p)
      counts.forEach((n, i) => {
        perMaster[i] = (perMaster[i] ?? 0) + n
      })
    }
    expect(perMaster).toHaveLength(3)
    for (const n of perMaster) expect(n).toBeGreaterThan(0)
  })

  it('a cache delete of keys on every master removes them all, each in its own slot', async () => {
    const cache = redisCache({ redis, prefix: prefix(), logger: silentLogger })
    const keys = Array.from({ length: 300 }, (_, i) => `product:${i}`)
    await Promise.all(keys.map((k) => cache.set(k, { k })))
    const p = cache.prefix
    expect((await fixture.keysPerMaster(p)).every((n) => n > 0)).toBe(true)
    await cache.delete(keys)
    expect(await fixture.keysPerMaster(p)).toEqual([0, 0, 0])
  })
})

describe('Redis Cluster errors', () => {
  /** A standalone connection to a master that does not own `key`'s slot. */
  async function wrongMaster(key: string): Promise<Redis> {
    const slot = await redis.cluster('KEYSLOT', key)
    const owner = redis.slots[slot]?.[0]
    const masters = await fixture.cluster.masters()
    const other = masters.find(({ host, port }) => `${host}:${port}` !== owner)
    if (!other) throw new Error(`no master besides ${owner}`)
    return new Redis({ host: other.host, port: other.port, lazyConnect: true })
  }

  it('a MOVED reply maps to storage.unavailable, its host and port left in the cause', async () => {
    const node = await wrongMaster('product:1')
    await node.connect()
    const thrown = await node.get('product:1').catch((error: unknown) => error)
    node.disconnect()
    expect(String(thrown)).toMatch(/MOVED \d+ 127\.0\.0\.1:\d+/)
    const error = mapRedisError('cache get', thrown)
    expect(error.code).toBe('storage.unavailable')
    expect(error.details).toEqual({ backend: 'redis', operation: 'cache get', reply: 'MOVED' })
    expect(error.message).not.toContain('127.0.0.1')
  })

  it('a command across slots maps to storage.failed (CROSSSLOT): refused whole, not half done', async () => {
    const p = prefix()
    const a = `${p}:a`
    let b = `${p}:b`
    for (let i = 0; (await redis.cluster('KEYSLOT', b)) === (await redis.cluster('KEYSLOT', a)); i++)
      b = `${p}:b${i}`
    await redis.set(a, '1')
    await redis.set(b, '1')
    const thrown = await redis.unlink(a, b).catch((error: unknown) => error)
    const error = mapRedisError('cache delete', thrown)
    expect(error.code).toBe('storage.failed')
    expect(error.details).toMatchObject({ reply: 'CROSSSLOT' })
    expect(await redis.exists(a)).toBe(1)
    expect(await redis.exists(b)).toBe(1)
  })
})
