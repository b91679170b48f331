import {
  type RedisCacheOptions,
  type RedisCartStoreOptions,
  redisCache,
  redisCartStore,
} from '@souk/adapters-redis'
import { StorageError } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import { type PrivateRedis, startPrivateRedis } from '@souk/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addQuantity, type CartDatabase, cartDatabase, newCart } from './cart-support.js'
import { recordingLogger } from './recording-logger.js'

// `waitForReplicas` on a Redis that has no replica: every write the adapters send is followed by
// WAIT, no replica acknowledges it, and each write must count as failed (the cart store then
// serves that cart from Postgres; the cache's invalidations throw). On a Cluster with replicas the
// same writes succeed: cluster-contracts.scale.test.ts runs the contract suites that way.

let server: PrivateRedis
let redis: Redis
let database: CartDatabase
beforeAll(async () => {
  ;[server, database] = await Promise.all([startPrivateRedis(), cartDatabase('redis_replica_ack')])
  redis = new Redis(server.url)
})
afterAll(async () => {
  await redis?.quit()
  await server?.destroy()
  await database?.close()
})

describe('waitForReplicas on a Redis without replicas', () => {
  it('the cart store counts every write-through as failed and serves those carts from Postgres', async () => {
    const logger = recordingLogger()
    const carts = redisCartStore({
      redis,
      durable: database.storage.carts,
      prefix: 'ack',
      waitForReplicas: 1,
      timeoutMs: 1000,
      logger,
    })
    const cart = newCart()
    await carts.insert(cart)
    const saved = await carts.save({ cart: addQuantity(cart, 'A', 2), expectedVersion: 1 })
    expect(carts.pendingRepairs(), 'the unacknowledged write is remembered').toBe(1)
    // The master applied the write (WAIT does not undo it); what it may lose in a failover is
    // never relied on: this process reads the cart from Postgres until a fence is acknowledged.
    expect(await redis.hget(carts.keyOf(cart.id), 'v')).toBe('2')
    expect(await carts.get(cart.id)).toEqual(saved)
    expect(logger.entries.length).toBeGreaterThan(0)
    expect(
      logger.entries.every(
        (e) =>
          e.level === 'warn' &&
          /souk cart store: Redis \w[\w-]* failed/.test(e.message) &&
          /0 of 1 replica\(s\) acknowledged/.test(String(e.fields?.error)),
      ),
    ).toBe(true)
  })

  it('the same store without waitForReplicas writes through as usual', async () => {
    const carts = redisCartStore({ redis, durable: database.storage.carts, prefix: 'no-ack' })
    const cart = newCart()
    await carts.insert(cart)
    await carts.save({ cart: addQuantity(cart, 'A', 1), expectedVersion: 1 })
    expect(carts.pendingRepairs()).toBe(0)
  })

  it("the cache's invalidations throw storage.unavailable; get and set are unaffected", async () => {
    const cache = redisCache({ redis, prefix: 'ack', waitForReplicas: 1, timeoutMs: 1000 })
    await cache.set('entry', { a: 1 })
    expect(await cache.get('entry')).toEqual({ a: 1 })
    const increment = await expectCommerceError(cache.increment('gen'), 'storage.unavailable')
    expect(increment).toBeInstanceOf(StorageError)
    expect(increment.details).toEqual({
      backend: 'redis',
      operation: 'cache increment',
      replicas: 1,
      acknowledged: 0,
    })
    const deleted = await expectCommerceError(cache.delete(['entry']), 'storage.unavailable')
    expect(deleted.details).toMatchObject({ operation: 'cache delete', acknowledged: 0 })
  })

  it('validates waitForReplicas with ConfigError', () => {
    for (const waitForReplicas of [-1, 1.5, 17, '1']) {
      expectConfigError(
        () => redisCache({ redis, waitForReplicas } as unknown as RedisCacheOptions),
        'redisCache options',
        'waitForReplicas',
      )
      expectConfigError(
        () =>
          redisCartStore({
            redis,
            durable: database.storage.carts,
            waitForReplicas,
          } as unknown as RedisCartStoreOptions),
        'redisCartStore options',
        'waitForReplicas',
      )
    }
  })
})
