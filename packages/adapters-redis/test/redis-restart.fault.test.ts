import { type RedisCartStore, redisCartStore } from '@souk/adapters-redis'
import { type Commerce, createCommerce, isCommerceError, silentLogger } from '@souk/core'
import { type PrivateRedis, startPrivateRedis } from '@souk/test-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CartDatabase, cartDatabase } from './cart-support.js'
import { recordingLogger } from './recording-logger.js'

// Fault test: the write-through cart store on a Redis of its own that is SIGKILLed mid-load and
// started again empty. The durable store (Postgres) stays up, so no call may fail for good and
// no line a call reported as added may be lost.

const WORKERS = 16
const ADDS_PER_CART = 10
const SKUS = Array.from({ length: ADDS_PER_CART }, (_, i) => `RR-${i}`)

let redisServer: PrivateRedis
let database: CartDatabase
let redis: Redis
let carts: RedisCartStore
let commerce: Commerce
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)
/** What the client reported on its 'error' event: the app owns the client, so it listens. */
const clientErrors: Error[] = []
/** The cart store's log: each Redis failure it absorbed is a `warn`. */
const storeLog = recordingLogger()

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  redisServer = await startPrivateRedis()
  database = await cartDatabase('redis_restart')
  // The options the example server uses: a couple of retries, then the command fails.
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2, lazyConnect: true })
  redis.on('error', (error: Error) => void clientErrors.push(error))
  await redis.connect()
  carts = redisCartStore({ redis, durable: database.storage.carts, logger: storeLog })
  commerce = createCommerce({ storage: database.storage, carts, logger: silentLogger })
  for (const sku of SKUS) {
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Item ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 500, currency: 'USD' }] }],
    })
    await commerce.inventory.setStock({ sku, onHand: 1000 })
  }
})

afterAll(async () => {
  redis?.disconnect()
  await commerce?.close()
  await database?.close()
  await redisServer?.destroy()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Tally {
  unavailable: number
  /** Anything but success or `storage.unavailable`. */
  unexpected: unknown[]
}

/** Retries `storage.unavailable` (the only acceptable failure) up to 50 times. */
async function call<T>(tally: Tally, run: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (!isCommerceError(error, 'storage.unavailable')) {
        tally.unexpected.push(error)
        return undefined
      }
      tally.unavailable++
      await sleep(50)
    }
  }
  return undefined
}

describe('Redis restarts under cart load', () => {
  it('loses no cart and no added line when Redis is killed and comes back empty', async () => {
    const tally: Tally = { unavailable: 0, unexpected: [] }
    /** cartId -> SKUs whose addItem resolved. */
    const added = new Map<string, string[]>()
    let adds = 0
    let finished = false
    let addsWhenBack = -1
    const faults = (async () => {
      while (adds < 40 && !finished) await sleep(5)
      await redisServer.kill()
      await sleep(1000)
      await redisServer.start()
      addsWhenBack = finished ? -1 : adds
    })()

    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const cart = await call(tally, () => commerce.cart.create({ currency: 'USD' }))
        if (!cart) return
        const lines: string[] = []
        added.set(cart.id, lines)
        for (const sku of SKUS) {
          const view = await call(tally, () => commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 }))
          if (view) {
            lines.push(sku)
            adds++
            // The cart the call answered already holds every line added so far.
            expect(view.lines.map((l) => l.sku).sort()).toEqual([...lines].sort())
          }
          await call(tally, () => commerce.cart.get({ cartId: cart.id }))
          await sleep(Math.floor(Math.random() * 60))
        }
      }),
    )
    finished = true
    await faults

    expect(uncaught, 'no unhandled error reached the process').toEqual([])
    expect(tally.unexpected, 'calls failed only with storage.unavailable').toEqual([])
    expect(clientErrors.length, 'the client saw the server go away').toBeGreaterThan(0)
    expect(added.size).toBe(WORKERS)
    expect(addsWhenBack, 'Redis came back while carts were still being filled').toBeGreaterThan(0)
    expect(addsWhenBack).toBeLessThan(WORKERS * ADDS_PER_CART)
    const absorbed = storeLog.entries.filter(
      (e) => e.level === 'warn' && /Redis .* (failed|timed out)/.test(e.message),
    )
    expect(absorbed.length, 'calls during the outage went to Postgres').toBeGreaterThan(0)

    // Redis is back, empty: every cart reads whole through it, and matches the durable store.
    for (const [cartId, lines] of added) {
      const view = await commerce.cart.get({ cartId })
      expect(view.lines.map((l) => l.sku).sort(), `cart ${cartId}`).toEqual([...lines].sort())
      const durable = await database.storage.carts.get(cartId)
      expect(durable?.lines.map((l) => l.sku).sort(), `durable cart ${cartId}`).toEqual([...lines].sort())
    }
    // With Postgres up, no add failed after it was applied, so none was retried into a 2.
    if (tally.unavailable === 0) {
      for (const cartId of added.keys()) {
        const view = await commerce.cart.get({ cartId })
        expect(
          view.lines.map((l) => l.quantity),
          `quantities of ${cartId}`,
        ).toEqual(view.lines.map(() => 1))
      }
    }
    // The store serves from Redis again once it answers: nothing left to repair.
    expect(carts.pendingRepairs()).toBe(0)
  })
})
