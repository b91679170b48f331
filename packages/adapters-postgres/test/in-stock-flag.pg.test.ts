import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type DeliveredEvent,
  type ProductListQuery,
  STOCK_STATUS_TOPIC,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { describeOnDrivers, postgresFixture, type StorageFixture } from './support.js'

/**
 * Migration 011's maintained `products.in_stock`: flips with stock, settings and variants, is
 * announced once per flip through the outbox (search document, cached listings, domain event), and
 * is what the in-stock listing filter reads.
 */

let n = 0
const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`.toUpperCase()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every commerce here applies outbox work only when a test asks it to. */
const quiet = { logger: silentLogger, unitsSold: false, relay: false, stockStatus: false } as const

interface Made {
  readonly id: string
  readonly skus: readonly string[]
  readonly sellerId: string
}

function helpers(fixture: () => StorageFixture, commerce: () => Commerce) {
  const db = () => fixture().storage.db

  async function product(stocks: readonly (number | null)[]): Promise<Made> {
    const seller = await commerce().catalog.createSeller({ slug: uniq('s').toLowerCase(), name: 'Seller' })
    const skus = stocks.map(() => uniq('IS'))
    const created = await commerce().catalog.createProduct({
      slug: uniq('p').toLowerCase(),
      name: `Flag ${skus[0]}`,
      status: 'active',
      sellerId: seller.id,
      variants: skus.map((sku, i) => ({
        sku,
        options: { size: String(i) },
        prices: [{ amount: 1000, currency: 'USD' }],
      })),
    })
    for (const [i, stock] of stocks.entries())
      if (stock !== null) await commerce().inventory.setStock({ sku: skus[i]!, onHand: stock })
    return { id: created.id, skus, sellerId: seller.id }
  }

  /** The stored flag, read from the table. */
  async function flag(productId: string): Promise<boolean> {
    const { rows } = await sql<{ in_stock: boolean }>`
      select in_stock from souk.products where id = ${productId}`.execute(db())
    return rows[0]!.in_stock
  }

  /** The flips announced for the product, oldest first: `catalog.stock_status` payloads. */
  async function announced(productId: string): Promise<boolean[]> {
    const { rows } = await sql<{ payload: { inStock: boolean } | string }>`
      select payload from souk.outbox where topic = ${STOCK_STATUS_TOPIC} and key = ${productId} order by id`.execute(
      db(),
    )
    return rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).inStock)
  }

  /** The product's domain events of the new type, oldest first. */
  async function stockEvents(productId: string): Promise<Record<string, unknown>[]> {
    const { rows } = await sql<{ payload: Record<string, unknown> | string }>`
      select payload from souk.outbox
      where topic = 'commerce.event' and key = ${productId} and payload->>'type' = 'product.stock_status_changed'
      order by id`.execute(db())
    return rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
  }

  /** The seller's listing straight from the store: no cache in between. */
  async function listedUncached(sellerId: string, inStock?: boolean): Promise<string[]> {
    const query: ProductListQuery = {
      status: 'active',
      sort: 'newest',
      limit: 50,
      countTotal: true,
      sellerId,
      ...(inStock === undefined ? {} : { inStock }),
    }
    const page = await fixture().storage.catalog.listProducts(query)
    expect(page.total).toBe(page.items.length)
    return page.items.map((i) => i.id)
  }

  return { product, flag, announced, stockEvents, listedUncached }
}

describeOnDrivers(
  'in_stock_flag_basics',
  (fixture) => {
    describe('the in-stock flag follows stock, settings and variants', () => {
      let commerce: Commerce
      const h = helpers(fixture, () => commerce)
      beforeAll(() => {
        commerce = createCommerce({ storage: fixture().storage, ...quiet })
      })
      afterAll(() => commerce.close())

      it('flips out when the last unit is reserved, back on release, and stays out once committed', async () => {
        const p = await h.product([2])
        const sku = p.skus[0]!
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.listedUncached(p.sellerId, true)).toEqual([p.id])

        const first = await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
        expect(await h.flag(p.id)).toBe(true)
        const last = await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
        expect(await h.flag(p.id)).toBe(false)
        expect(await h.listedUncached(p.sellerId, true)).toEqual([])
        expect(await h.listedUncached(p.sellerId, false)).toEqual([p.id])

        await commerce.inventory.release({ reservationId: last.id })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.listedUncached(p.sellerId, true)).toEqual([p.id])

        await commerce.inventory.commit({ reservationId: first.id })
        const again = await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
        await commerce.inventory.commit({ reservationId: again.id })
        expect(await h.flag(p.id)).toBe(false)
        // The first stocking after creation is a flip too (the product was listed out of stock).
        expect(await h.announced(p.id)).toEqual([true, false, true, false])

        await commerce.inventory.setStock({ sku, onHand: 4 })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.announced(p.id)).toEqual([true, false, true, false, true])
      })

      it('keeps a product in stock while any variant is, and says so once', async () => {
        const p = await h.product([1, 1, null])
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.announced(p.id)).toEqual([true])
        await commerce.inventory.adjust({ sku: p.skus[0]!, delta: -1, reason: 'sold' })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.announced(p.id)).toEqual([true])
        await commerce.inventory.adjust({ sku: p.skus[1]!, delta: -1, reason: 'sold' })
        expect(await h.flag(p.id)).toBe(false)
        expect(await h.announced(p.id)).toEqual([true, false])
        // The never-stocked third variant is unknown to inventory: out of stock until it is stocked.
        await commerce.inventory.setStock({ sku: p.skus[2]!, onHand: 1 })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.announced(p.id)).toEqual([true, false, true])
      })

      it('counts untracked and backorderable SKUs as in stock', async () => {
        const p = await h.product([0])
        const sku = p.skus[0]!
        expect(await h.flag(p.id)).toBe(false)
        await commerce.inventory.configureItem({ sku, allowBackorder: true })
        expect(await h.flag(p.id)).toBe(true)
        await commerce.inventory.configureItem({ sku, allowBackorder: false })
        expect(await h.flag(p.id)).toBe(false)
        await commerce.inventory.configureItem({ sku, tracked: false })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.listedUncached(p.sellerId, true)).toEqual([p.id])
        // Tracked again with none on hand: out; 'low' is still in stock, and 'low' → 'in' is no flip.
        await commerce.inventory.configureItem({ sku, tracked: true, lowStockThreshold: 5 })
        expect(await h.flag(p.id)).toBe(false)
        await commerce.inventory.setStock({ sku, onHand: 3 })
        expect(await h.flag(p.id)).toBe(true)
        await commerce.inventory.setStock({ sku, onHand: 10 })
        expect(await h.announced(p.id)).toEqual([true, false, true, false, true])
      })

      it('follows variants: a product rewritten onto sold-out SKUs goes out of stock, and back', async () => {
        const p = await h.product([3])
        const soldOut = uniq('IS')
        await commerce.inventory.setStock({ sku: soldOut, onHand: 0, allowUnknownSku: true })
        await commerce.catalog.updateProduct({
          productId: p.id,
          variants: [{ sku: soldOut, prices: [{ amount: 900, currency: 'USD' }] }],
        })
        expect(await h.flag(p.id)).toBe(false)
        await commerce.catalog.updateProduct({
          productId: p.id,
          variants: [
            { sku: soldOut, options: { size: 'S' }, prices: [{ amount: 900, currency: 'USD' }] },
            { sku: p.skus[0]!, options: { size: 'M' }, prices: [{ amount: 900, currency: 'USD' }] },
          ],
        })
        expect(await h.flag(p.id)).toBe(true)
        expect(await h.announced(p.id)).toEqual([true, false, true])
      })

      it('announces nothing for a product created for SKUs that already have stock', async () => {
        const sku = uniq('IS')
        await commerce.inventory.setStock({ sku, onHand: 5, allowUnknownSku: true })
        const created = await commerce.catalog.createProduct({
          slug: sku.toLowerCase(),
          name: `Flag ${sku}`,
          status: 'active',
          variants: [{ sku, prices: [{ amount: 500, currency: 'USD' }] }],
        })
        expect(await h.flag(created.id)).toBe(true)
        expect(await h.announced(created.id)).toEqual([])
        expect(await h.stockEvents(created.id)).toEqual([])
      })
    })
  },
  { pgTrgm: false },
)

describe('in-stock flips reach listings, the cache, search and subscribers (node-postgres)', () => {
  let fixture: Awaited<ReturnType<typeof postgresFixture>>
  let commerce: Commerce
  const h = helpers(
    () => fixture,
    () => commerce,
  )
  beforeAll(async () => {
    fixture = await postgresFixture('in_stock_flag', 10)
    commerce = createCommerce({
      storage: fixture.storage,
      ...quiet,
      payments: [createTestPaymentProvider({ captureMethod: 'automatic' })],
    })
  })
  afterAll(async () => {
    await commerce.close()
    await fixture.close()
  })

  it('a checkout that sells the last unit flips the product at once, with its three outbox rows', async () => {
    const p = await h.product([1])
    const cart = await commerce.cart.create({
      currency: 'USD',
      customerId: 'cus_flag',
      email: 'c@example.com',
    })
    await commerce.cart.addItem({ cartId: cart.id, customerId: 'cus_flag', sku: p.skus[0]!, quantity: 1 })
    const { order } = await commerce.checkout.placeOrder({
      cartId: cart.id,
      customerId: 'cus_flag',
      idempotencyKey: uniq('idem'),
      payment: { method: 'pm_card_visa' },
    })
    expect(order.status).toBe('confirmed')
    expect(await h.flag(p.id)).toBe(false)
    expect(await h.listedUncached(p.sellerId, true)).toEqual([])

    expect(await h.announced(p.id)).toEqual([true, false])
    const event = (await h.stockEvents(p.id)).at(-1)
    expect(event).toMatchObject({
      type: 'product.stock_status_changed',
      aggregateId: p.id,
      schemaVersion: 1,
      data: { type: 'product.stock_status_changed', productId: p.id, inStock: false },
    })
    expect(event!.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(event!.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect((event!.data as { occurredAt: string }).occurredAt).toBe(event!.occurredAt)

    await commerce.inventory.setStock({ sku: p.skus[0]!, onHand: 2 })
    expect(await h.flag(p.id)).toBe(true)
    expect(await h.listedUncached(p.sellerId, true)).toEqual([p.id])
  })

  it('times the flip by the injected clock of the stock change that caused it', async () => {
    const clock = createManualClock(new Date('2031-03-01T12:34:56.789Z'))
    const timed = createCommerce({ storage: postgresStorage({ pool: fixture.pool }), clock, ...quiet })
    try {
      const p = await h.product([1])
      await timed.inventory.setStock({ sku: p.skus[0]!, onHand: 0 })
      expect(await h.flag(p.id)).toBe(false)
      const event = (await h.stockEvents(p.id)).at(-1)
      expect(event).toMatchObject({ occurredAt: '2031-03-01T12:34:56.789Z', data: { inStock: false } })
    } finally {
      await timed.close()
    }
  })

  it('a cached listing keeps the old flag until the stock-status applier runs, then shows the flip', async () => {
    const cached = createCommerce({ storage: fixture.storage, ...quiet })
    try {
      const p = await h.product([1])
      const listing = async (inStock?: boolean) =>
        (
          await cached.catalog.listProducts({
            sellerId: p.sellerId,
            ...(inStock === undefined ? {} : { inStock }),
          })
        ).items
      expect((await listing(true)).map((i) => i.id)).toEqual([p.id])
      expect((await listing()).map((i) => i.inStock)).toEqual([true])

      await cached.inventory.adjust({ sku: p.skus[0]!, delta: -1, reason: 'sold' })
      // The listing cache knows nothing yet: its TTL is a minute.
      expect((await listing(true)).map((i) => i.id)).toEqual([p.id])

      const { applied } = await cached.catalog.syncStockStatus()
      expect(applied).toBeGreaterThanOrEqual(1)
      expect(await listing(true)).toEqual([])
      expect((await listing()).map((i) => i.inStock)).toEqual([false])
      expect(await cached.catalog.syncStockStatus()).toEqual({ applied: 0 })

      await cached.inventory.adjust({ sku: p.skus[0]!, delta: 1, reason: 'restock' })
      await cached.catalog.syncStockStatus()
      expect((await listing(true)).map((i) => i.id)).toEqual([p.id])
    } finally {
      await cached.close()
    }
  })

  it('with the background applier, a flip shows in a cached listing within a poll (measured)', async () => {
    const intervalMs = 100
    const live = createCommerce({
      storage: fixture.storage,
      logger: silentLogger,
      unitsSold: false,
      relay: false,
      stockStatus: { intervalMs },
      // Listings cached for a day: a listing that follows the flip at all was dropped by the
      // applier, not by its TTL.
      catalogCache: { listingTtlMs: 86_400_000 },
    })
    try {
      await live.migrate()
      const p = await h.product([1])
      const shows = async () =>
        (await live.catalog.listProducts({ sellerId: p.sellerId, inStock: true })).items.some(
          (i) => i.id === p.id,
        )
      /** Milliseconds from the committed stock change until the cached in-stock listing agrees. */
      async function untilListing(expected: boolean, change: () => Promise<unknown>): Promise<number> {
        expect(await shows()).toBe(!expected)
        await change()
        const committed = performance.now()
        while (performance.now() - committed < 15_000) {
          if ((await shows()) === expected) return performance.now() - committed
          await sleep(5)
        }
        throw new Error(`the cached listing still says ${!expected} after 15 s`)
      }
      const out = await untilListing(false, () =>
        live.inventory.adjust({ sku: p.skus[0]!, delta: -1, reason: 'sold' }),
      )
      const back = await untilListing(true, () =>
        live.inventory.adjust({ sku: p.skus[0]!, delta: 1, reason: 'restock' }),
      )
      console.log(
        `[in-stock freshness] cached listing followed the flip ${out.toFixed(0)} ms (sold out) and ` +
          `${back.toFixed(0)} ms (restocked) after the stock change committed; applier interval ${intervalMs} ms, listing TTL 1 day`,
      )
    } finally {
      await live.close()
    }
  })

  it('the search document follows the flip after commerce.search.sync()', async () => {
    const p = await h.product([1])
    const doc = async () =>
      (await commerce.search.query({ filters: { sellerId: p.sellerId } })).hits[0]?.document
    await commerce.search.sync()
    expect((await doc())?.inStock).toBe(true)

    // A reservation writes no search message of its own: this one is the flip's.
    const held = await commerce.inventory.reserve({ lines: [{ sku: p.skus[0]!, quantity: 1 }] })
    expect((await doc())?.inStock).toBe(true)
    await commerce.search.sync()
    expect((await doc())?.inStock).toBe(false)
    expect((await commerce.search.query({ filters: { sellerId: p.sellerId, inStock: true } })).total).toBe(0)

    await commerce.inventory.release({ reservationId: held.id })
    await commerce.search.sync()
    expect((await doc())?.inStock).toBe(true)
  })

  it('durable subscribers receive product.stock_status_changed', async () => {
    const got: DeliveredEvent<'product.stock_status_changed'>[] = []
    await commerce.subscribers.add({
      name: uniq('stock-watch').toLowerCase(),
      events: ['product.stock_status_changed'],
      handle: (e) => void got.push(e),
    })
    const p = await h.product([1])
    await commerce.inventory.adjust({ sku: p.skus[0]!, delta: -1, reason: 'sold' })
    // Delivery waits for transactions still open anywhere on the server (other test files).
    const deadline = Date.now() + 20_000
    while (got.filter((e) => e.aggregateId === p.id).length < 2 && Date.now() < deadline) {
      await commerce.subscribers.drain()
      await sleep(50)
    }
    const mine = got.filter((e) => e.aggregateId === p.id)
    // Stocked after creation, then sold out.
    expect(mine.map((e) => [e.type, e.data.productId, e.data.inStock])).toEqual([
      ['product.stock_status_changed', p.id, true],
      ['product.stock_status_changed', p.id, false],
    ])
  })

  it('two transactions selling the last two in-stock variants of one product leave it out of stock', async () => {
    const p = await h.product([1, 1])
    const first = await fixture.pool.connect()
    const second = await fixture.pool.connect()
    try {
      const sellOut = 'UPDATE souk.stock_levels SET reserved = on_hand WHERE sku = $1'
      await first.query('BEGIN')
      await second.query('BEGIN')
      // The first sells out variant 0 and judges the product still in stock (variant 1 is).
      await first.query(sellOut, [p.skus[0]])
      // The second sells out variant 1; without the product's lock it would judge from a snapshot
      // without the first's uncommitted change, find variant 0 in stock, and leave the flag on.
      const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      const secondDone = second.query(sellOut, [p.skus[1]])
      let waited = false
      for (let i = 0; i < 100 && !waited; i++) {
        await sleep(20)
        const { rows } = await fixture.pool.query<{ wait: string | null }>(
          'SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1',
          [pid],
        )
        waited = rows[0]?.wait === 'Lock'
      }
      expect(waited).toBe(true)
      await first.query('COMMIT')
      await secondDone
      await second.query('COMMIT')
    } finally {
      first.release()
      second.release()
    }
    expect(await h.flag(p.id)).toBe(false)
    expect(await h.announced(p.id)).toEqual([true, false])
  })
})
