import { redisCartStore } from '@souk/adapters-redis'
import { createCommerce, silentLogger } from '@souk/core'
import { type CartSkuSeed, cartStoreSuite, seedSkuThrough } from '@souk/core/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type CartDatabase, cartDatabase, unreachableClient } from './cart-support.js'
import { type RedisFixture, redisFixture } from './support.js'

// The cart store contract, over a real Postgres durable store: once with Redis in front, and once
// with Redis unreachable, where every call must still keep the contract from Postgres alone.
let database: CartDatabase
let fixture: RedisFixture
let redis: Redis
let down: Redis
let seedSku: (seed: CartSkuSeed) => Promise<void>
beforeAll(async () => {
  database = await cartDatabase('redis_cart_contract')
  // readForEdit reads the catalog and stock of the durable database: seeded through its services.
  seedSku = seedSkuThrough(
    createCommerce({ storage: database.storage, logger: silentLogger, unitsSold: false }),
  )
  fixture = redisFixture()
  redis = fixture.client()
  down = unreachableClient()
})
afterAll(async () => {
  down?.disconnect()
  await fixture?.close()
  await database?.close()
})

describe('redisCartStore over Postgres', () => {
  cartStoreSuite(
    { describe, it },
    async () =>
      redisCartStore({
        redis,
        durable: database.storage.carts,
        prefix: fixture.prefix(),
        logger: silentLogger,
      }),
    { seedSku: (seed) => seedSku(seed) },
  )
})

describe('redisCartStore over Postgres with Redis down', () => {
  cartStoreSuite(
    { describe, it },
    async () =>
      redisCartStore({
        redis: down,
        durable: database.storage.carts,
        prefix: fixture.prefix(),
        logger: silentLogger,
      }),
    { seedSku: (seed) => seedSku(seed) },
  )
})
