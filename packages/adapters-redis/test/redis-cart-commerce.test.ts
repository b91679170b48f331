import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import { type RedisCartStore, redisCartStore } from '@souk/adapters-redis'
import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

// `createCommerce({ carts: redisCartStore(...) })`: the cart service on the Redis layer, end to end.
let database: TestDatabase
let storage: PostgresStorage
let fixture: RedisFixture
let redis: Redis
let carts: RedisCartStore
let clock: ManualClock
let commerce: Commerce
let n = 0

beforeAll(async () => {
  database = await createTestDatabase('redis_cart_commerce')
  storage = postgresStorage({ connectionString: database.url, poolSize: 20 })
  fixture = redisFixture()
  redis = fixture.client()
  clock = createManualClock()
  carts = redisCartStore({
    redis,
    durable: storage.carts,
    prefix: fixture.prefix(),
    clock,
    logger: silentLogger,
  })
  commerce = createCommerce({
    storage,
    carts,
    clock,
    logger: silentLogger,
    payments: [createTestPaymentProvider({ clock })],
  })
  await commerce.migrate()
})
afterAll(async () => {
  await commerce?.close()
  await database?.drop()
  await fixture?.close()
})

/** An active product with one USD-priced variant and `stock` units on hand; returns its SKU. */
async function product(stock: number, price = 1250): Promise<string> {
  const sku = `RC-${++n}`
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    status: 'active',
    variants: [{ sku, options: { size: 'M' }, prices: [{ amount: price, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: stock })
  return sku
}

describe('commerce.cart on redisCartStore', () => {
  it('creates, adds to and reads a cart through Redis, and survives a flush', async () => {
    const sku = await product(10)
    const created = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: created.id, sku, quantity: 2 })
    const view = await commerce.cart.get({ cartId: created.id })
    expect(view.lines.map((l) => [l.sku, l.quantity])).toEqual([[sku, 2]])
    expect(view.totals.subtotal).toEqual({ amount: 2500, currency: 'USD' })

    // The copy in Redis is the durable cart.
    const entry = await redis.hgetall(carts.keyOf(created.id))
    expect(entry.v).toBe('2')
    expect(JSON.parse(entry.d ?? 'null')).toMatchObject({ id: created.id, lines: [{ sku, quantity: 2 }] })
    expect(await carts.get(created.id)).toEqual(await storage.carts.get(created.id))

    await fixture.deletePrefix(carts.prefix)
    expect(await commerce.cart.get({ cartId: created.id })).toEqual(view)
  })

  it('shows the cart as checked out right after placeOrder, and open again after a decline', async () => {
    const sku = await product(5)
    const created = await commerce.cart.create({ currency: 'USD', email: 'r@example.com' })
    await commerce.cart.addItem({ cartId: created.id, sku, quantity: 1 })
    await commerce.cart.get({ cartId: created.id })
    await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId: created.id,
        idempotencyKey: `redis-decline-${n}`,
        payment: { method: 'pm_card_chargeDeclined' },
      }),
      'payment.declined',
    )
    expect((await commerce.cart.get({ cartId: created.id })).orderId).toBeNull()
    const { order } = await commerce.checkout.placeOrder({
      cartId: created.id,
      idempotencyKey: `redis-buy-${n}`,
      payment: { method: 'pm_card_visa' },
    })
    expect((await commerce.cart.get({ cartId: created.id })).orderId).toBe(order.id)
    await expectCommerceError(
      commerce.cart.addItem({ cartId: created.id, sku, quantity: 1 }),
      'cart.checked_out',
    )
  })

  it('loses no concurrent addItem of one cart', async () => {
    const sku = await product(100, 100)
    const created = await commerce.cart.create({ currency: 'USD' })
    await Promise.all(
      Array.from({ length: 20 }, () => commerce.cart.addItem({ cartId: created.id, sku, quantity: 1 })),
    )
    const view = await commerce.cart.get({ cartId: created.id })
    expect(view.lines.map((l) => l.quantity)).toEqual([20])
    expect((await storage.carts.get(created.id))?.version).toBe(21)
  })

  it('merges a guest cart into a customer cart and tombstones the guest cart', async () => {
    const sku = await product(10)
    const customerId = `cus_rc_${n}`
    const mine = await commerce.cart.create({ currency: 'USD', customerId })
    await commerce.cart.addItem({ cartId: mine.id, customerId, sku, quantity: 1 })
    const guest = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: guest.id, sku, quantity: 2 })
    const merged = await commerce.cart.merge({ guestCartId: guest.id, customerId })
    expect(merged.id).toBe(mine.id)
    expect(merged.lines.map((l) => l.quantity)).toEqual([3])
    expect(await carts.get(guest.id)).toBeNull()
    expect(await redis.hget(carts.keyOf(guest.id), 'd')).toBeNull()
  })

  it('adds to a cart with one durable read, one durable save and one Redis command', async () => {
    const sku = await product(10)
    const calls: string[] = []
    const commands: string[] = []
    /** `store` with each method call recorded as `<name>.<method>`. */
    const recorded = <T extends object>(name: string, store: T): T =>
      new Proxy(store, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key)
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            calls.push(`${name}.${String(key)}`)
            return value.apply(target, args)
          }
        },
      })
    const client = fixture.client()
    const send = client.sendCommand.bind(client)
    client.sendCommand = (command, stream) => {
      commands.push(command.name)
      return send(command, stream)
    }
    const measured = createCommerce({
      storage: {
        ...storage,
        catalog: recorded('catalog', storage.catalog),
        inventory: recorded('inventory', storage.inventory),
      },
      carts: redisCartStore({
        redis: client,
        durable: recorded('carts', storage.carts),
        prefix: fixture.prefix(),
        clock,
        logger: silentLogger,
      }),
      clock,
      logger: silentLogger,
      unitsSold: false,
    })
    const created = await measured.cart.create({ currency: 'USD' })
    await measured.cart.addItem({ cartId: created.id, sku, quantity: 1 }) // loads the script
    calls.length = 0
    commands.length = 0
    const view = await measured.cart.addItem({ cartId: created.id, sku, quantity: 2 })
    expect(view.lines.map((l) => [l.sku, l.quantity])).toEqual([[sku, 3]])
    // The durable store's read brings the prices and stock along; nothing else asks the catalog.
    expect(calls).toEqual(['carts.readForEdit', 'carts.save'])
    expect(commands).toEqual(['evalsha'])
    expect((await measured.cart.get({ cartId: created.id })).version).toBe(view.version)
  })

  it('expires carts by the commerce clock, in Redis as in Postgres', async () => {
    const sku = await product(10)
    const created = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: created.id, sku, quantity: 1 })
    clock.advance(31 * 86_400_000)
    await expectCommerceError(commerce.cart.get({ cartId: created.id }), 'not_found')
    expect((await commerce.cart.deleteExpired()).deleted).toBeGreaterThanOrEqual(1)
    expect(await carts.get(created.id)).toBeNull()
  })
})
