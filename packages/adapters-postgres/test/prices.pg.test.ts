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
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { countingPool } from './statement-counter.js'
import { describeOnDrivers, type StorageFixture } from './support.js'

const T0 = new Date('2031-03-01T10:00:00.000Z')
const HOUR = 60 * 60 * 1000
const usd = (amount: number) => ({ amount, currency: 'USD' })

let n = 0
const unique = (prefix: string) => `${prefix}-${process.pid}-${++n}`

function wire(storage: StorageFixture['storage'], clock: ManualClock): Commerce {
  return createCommerce({
    storage,
    clock,
    logger: silentLogger,
    payments: [createTestPaymentProvider()],
    unitsSold: false,
    stockStatus: false,
    relay: false,
  })
}

describeOnDrivers('prices', (fixture) => {
  let clock: ManualClock
  let commerce: Commerce
  const setup = () => {
    clock = createManualClock(T0)
    commerce = wire(fixture().storage, clock)
  }

  /** A product with a compare-at price on its first variant, in stock. */
  async function product() {
    const sku = unique('SALE').toUpperCase()
    const other = `${sku}-B`
    const created = await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Sale ${sku}`,
      status: 'active',
      tags: [sku.toLowerCase()],
      variants: [
        { sku, prices: [usd(2000), { amount: 1900, currency: 'EUR' }], compareAtPrice: usd(2500) },
        { sku: other, options: { size: 'L' }, prices: [usd(3000)] },
      ],
    })
    await commerce.inventory.setStock({ sku, onHand: 100 })
    await commerce.inventory.setStock({ sku: other, onHand: 100 })
    return { sku, other, product: created }
  }

  async function order(sku: string, key: string) {
    const cart = await commerce.cart.create({ currency: 'USD', email: 'sale@example.com' })
    await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
    const placed = await commerce.checkout.placeOrder({
      cartId: cart.id,
      idempotencyKey: `${key}-${unique('k')}`,
      payment: { method: 'pm_card_visa' },
    })
    return placed.order
  }

  it('stores compare-at prices and shows them as was-prices in product, listing and cart', async () => {
    setup()
    const { sku, other, product: created } = await product()
    expect(created.variants[0]!.compareAtPrice).toEqual(usd(2500))
    expect(created.variants[1]!.compareAtPrice).toBeNull()
    const detail = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect(detail.variants.map((v) => [v.price, v.wasPrice])).toEqual([
      [usd(2000), usd(2500)],
      [usd(3000), null],
    ])
    expect([detail.price, detail.wasPrice]).toEqual([usd(2000), usd(2500)])
    // In a currency the compare-at price is not in, there is nothing to strike through.
    const inEur = await commerce.catalog.getProduct({ productId: created.id, currency: 'EUR' })
    expect([inEur.variants[0]!.price, inEur.variants[0]!.wasPrice]).toEqual([
      { amount: 1900, currency: 'EUR' },
      null,
    ])
    const page = await commerce.catalog.listProducts({ currency: 'USD', tags: [sku.toLowerCase()] })
    expect(page.items.map((i) => [i.price, i.wasPrice])).toEqual([[usd(2000), usd(2500)]])
    const cart = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
    const view = await commerce.cart.addItem({ cartId: cart.id, sku: other, quantity: 1 })
    expect(view.lines.map((l) => [l.sku, l.unitPrice, l.wasPrice])).toEqual([
      [sku, usd(2000), usd(2500)],
      [other, usd(3000), null],
    ])
    // updateProduct replaces it, and null takes it away.
    const updated = await commerce.catalog.updateProduct({
      productId: created.id,
      variants: [
        { sku, prices: [usd(2000)], compareAtPrice: null },
        { sku: other, options: { size: 'L' }, prices: [usd(3000)], compareAtPrice: usd(3300) },
      ],
    })
    expect(updated.variants.map((v) => v.compareAtPrice)).toEqual([null, usd(3300)])
    const again = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect(again.variants.map((v) => v.wasPrice)).toEqual([null, usd(3300)])
  })

  it('refuses bad compare-at prices with a typed validation error naming the field', async () => {
    setup()
    const bad: [unknown, string][] = [
      [usd(2000), 'variants.0.compareAtPrice.amount'], // equal to the price
      [usd(1999), 'variants.0.compareAtPrice.amount'], // below it
      [usd(0), 'variants.0.compareAtPrice.amount'],
      [{ amount: 2500, currency: 'GBP' }, 'variants.0.compareAtPrice.currency'], // no price in GBP
      [{ amount: 2500, currency: 'usd' }, 'variants.0.compareAtPrice.currency'],
      [{ amount: 2500.5, currency: 'USD' }, 'variants.0.compareAtPrice.amount'], // not minor units
      [{ amount: -1, currency: 'USD' }, 'variants.0.compareAtPrice.amount'],
      [{ amount: '2500', currency: 'USD' }, 'variants.0.compareAtPrice.amount'],
      [{ amount: Number.NaN, currency: 'USD' }, 'variants.0.compareAtPrice.amount'],
      [{ amount: Number.POSITIVE_INFINITY, currency: 'USD' }, 'variants.0.compareAtPrice.amount'],
      [{ amount: 1e18, currency: 'USD' }, 'variants.0.compareAtPrice.amount'],
      [{ amount: 2500 }, 'variants.0.compareAtPrice.currency'],
      [{ amount: 2500, currency: 'USD', note: 'x' }, 'variants.0.compareAtPrice'],
      [2500, 'variants.0.compareAtPrice'],
    ]
    for (const [compareAtPrice, path] of bad) {
      const sku = unique('BAD').toUpperCase()
      const error = await expectCommerceError(
        commerce.catalog.createProduct({
          slug: sku.toLowerCase(),
          name: 'Bad',
          // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input.
          variants: [{ sku, prices: [usd(2000)], compareAtPrice: compareAtPrice as any }],
        }),
        'validation.failed',
      )
      const paths = (error.details as { issues: { path: string }[] }).issues.map((i) => i.path)
      expect(paths, JSON.stringify(compareAtPrice)).toContain(path)
    }
    // On update too, and nothing is written.
    const { product: created } = await product()
    await expectCommerceError(
      commerce.catalog.updateProduct({
        productId: created.id,
        variants: [{ sku: created.variants[0]!.sku, prices: [usd(2000)], compareAtPrice: usd(1500) }],
      }),
      'validation.failed',
    )
    const fresh = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect(fresh.variants[0]!.compareAtPrice).toEqual(usd(2500))
  })

  it('applies a scheduled price exactly in its window on the injected clock: product, listing, cart, order', async () => {
    setup()
    const { sku, product: created } = await product()
    const tag = sku.toLowerCase()
    const sale = await commerce.prices.schedulePrice({
      sku,
      price: usd(1500),
      startsAt: new Date(T0.getTime() + HOUR),
      endsAt: new Date(T0.getTime() + 2 * HOUR).toISOString(),
    })
    expect(sale).toMatchObject({
      sku,
      productId: created.id,
      price: usd(1500),
      endsAt: new Date(T0.getTime() + 2 * HOUR),
    })

    const seen = async () => {
      const detail = await commerce.catalog.getProduct({ slug: tag, currency: 'USD' })
      const listed = (await commerce.catalog.listProducts({ currency: 'USD', tags: [tag] })).items[0]!
      const cart = await commerce.cart.create({ currency: 'USD' })
      const line = (await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })).lines[0]!
      return {
        product: [
          detail.variants[0]!.price?.amount,
          detail.variants[0]!.wasPrice?.amount,
          detail.price?.amount,
        ],
        listing: [listed.price?.amount, listed.wasPrice?.amount],
        cart: [line.unitPrice.amount, line.wasPrice?.amount],
      }
    }
    // Before: the regular price (the listing and product are cached now).
    expect(await seen()).toEqual({ product: [2000, 2500, 2000], listing: [2000, 2500], cart: [2000, 2500] })
    expect((await order(sku, 'before')).lines[0]!.unitPrice).toEqual(usd(2000))

    // A millisecond before the start: still regular.
    clock.set(new Date(T0.getTime() + HOUR - 1))
    expect((await seen()).listing).toEqual([2000, 2500])

    // At the start: the sale price everywhere, though the listing was cached before it.
    clock.set(new Date(T0.getTime() + HOUR))
    expect(await seen()).toEqual({ product: [1500, 2500, 1500], listing: [1500, 2500], cart: [1500, 2500] })
    const during = await order(sku, 'during')
    expect(during.lines[0]!.unitPrice).toEqual(usd(1500))
    expect(during.totals.subtotal).toEqual(usd(1500))

    // At the end (exclusive): the regular price again.
    clock.set(new Date(T0.getTime() + 2 * HOUR))
    expect(await seen()).toEqual({ product: [2000, 2500, 2000], listing: [2000, 2500], cart: [2000, 2500] })
    expect((await order(sku, 'after')).lines[0]!.unitPrice).toEqual(usd(2000))
    // The order placed during the sale keeps its snapshot.
    expect((await commerce.orders.get({ orderId: during.id })).lines[0]!.unitPrice).toEqual(usd(1500))
  })

  it('shows the regular price as the was-price during a sale of a variant without compare-at', async () => {
    setup()
    const { other, product: created } = await product()
    await commerce.prices.schedulePrice({ sku: other, price: usd(1000), startsAt: T0 })
    const detail = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect([detail.variants[1]!.price, detail.variants[1]!.wasPrice]).toEqual([usd(1000), usd(3000)])
    // The product's lowest price is now the other variant's sale price.
    expect([detail.price, detail.wasPrice]).toEqual([usd(1000), usd(3000)])
    // A scheduled price rise shows no was-price.
    const up = await commerce.prices.schedulePrice({
      sku: created.variants[0]!.sku,
      price: usd(2200),
      startsAt: T0,
      endsAt: new Date(T0.getTime() + HOUR),
    })
    const risen = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect([risen.variants[0]!.price, risen.variants[0]!.wasPrice]).toEqual([usd(2200), usd(2500)])
    await commerce.prices.cancelPriceSchedule({ scheduleId: up.id })
    const back = await commerce.catalog.getProduct({ productId: created.id, currency: 'USD' })
    expect(back.variants[0]!.price).toEqual(usd(2000))
  })

  it('schedules, lists and cancels through commerce.prices with typed errors', async () => {
    setup()
    const { sku, other, product: created } = await product()
    const day = 24 * HOUR
    const made = []
    for (let i = 1; i <= 5; i++) {
      made.push(
        await commerce.prices.schedulePrice({
          sku,
          price: usd(1000 + i),
          startsAt: new Date(T0.getTime() + i * day),
          endsAt: new Date(T0.getTime() + i * day + HOUR),
        }),
      )
    }
    await expectCommerceError(
      commerce.prices.schedulePrice({
        sku,
        price: usd(900),
        startsAt: new Date(T0.getTime() + day + 30 * 60_000),
        endsAt: null,
      }),
      'conflict',
      { field: 'window', scheduleId: made[0]!.id },
    )
    await expectCommerceError(
      commerce.prices.schedulePrice({ sku: 'NO-SUCH-SKU', price: usd(900), startsAt: T0 }),
      'not_found',
    )
    const invalid: unknown[] = [
      { sku, price: usd(900), startsAt: T0, endsAt: T0 }, // empty window
      {
        sku,
        price: usd(900),
        startsAt: new Date(T0.getTime() - 2 * HOUR),
        endsAt: new Date(T0.getTime() - HOUR),
      },
      { sku, price: usd(900), startsAt: 'tomorrow' },
      { sku, price: usd(900), startsAt: 1_900_000_000_000 },
      { sku, price: { amount: 9.5, currency: 'USD' }, startsAt: T0 },
      { sku, price: { amount: 900, currency: 'GBP' }, startsAt: T0 }, // no regular price in GBP
      { sku, price: usd(900) },
      { sku, price: usd(900), startsAt: T0, extra: true },
    ]
    for (const input of invalid) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input.
      await expectCommerceError(commerce.prices.schedulePrice(input as any), 'validation.failed')
    }
    // Pages of two, by start; filtered by SKU, product and "current".
    const all = []
    let cursor: string | undefined
    do {
      const page = await commerce.prices.listPriceSchedules({ sku, limit: 2, ...(cursor ? { cursor } : {}) })
      all.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(all.map((s) => s.id)).toEqual(made.map((s) => s.id))
    await commerce.prices.schedulePrice({ sku: other, price: usd(10), startsAt: T0 })
    expect(
      (await commerce.prices.listPriceSchedules({ productId: created.id, limit: 100 })).items,
    ).toHaveLength(6)
    clock.set(new Date(T0.getTime() + 3 * day + 2 * HOUR))
    expect(
      (await commerce.prices.listPriceSchedules({ sku, current: true })).items.map((s) => s.price.amount),
    ).toEqual([1004, 1005])
    await expectCommerceError(commerce.prices.listPriceSchedules({ cursor: 'forged' }), 'validation.failed')
    expect(await commerce.prices.cancelPriceSchedule({ scheduleId: made[4]!.id })).toEqual(made[4])
    await expectCommerceError(commerce.prices.cancelPriceSchedule({ scheduleId: made[4]!.id }), 'not_found')
  })
})

describe('prices on the money path (node-postgres, counted)', () => {
  let database: TestDatabase
  let counter: ReturnType<typeof countingPool>
  let commerce: Commerce
  const clock = createManualClock(T0)

  beforeAll(async () => {
    database = await createTestDatabase('prices_budget')
    counter = countingPool({ connectionString: database.url, max: 4 })
    commerce = createCommerce({
      storage: postgresStorage({ pool: counter.pool }),
      clock,
      logger: silentLogger,
      payments: [createTestPaymentProvider()],
      unitsSold: false,
      stockStatus: false,
    })
    await commerce.migrate()
  })
  afterAll(async () => {
    await commerce.close()
    await counter.pool.end()
    await database.drop()
  })

  it('prices a checkout at the clock in the same 3 statements and 2 commits, sale or not', async () => {
    const skus: string[] = []
    for (let i = 0; i < 3; i++) {
      const sku = unique('BUDGET').toUpperCase()
      await commerce.catalog.createProduct({
        slug: sku.toLowerCase(),
        name: sku,
        status: 'active',
        variants: [{ sku, prices: [usd(1000)], compareAtPrice: usd(1200) }],
      })
      await commerce.inventory.setStock({ sku, onHand: 100 })
      skus.push(sku)
    }
    await commerce.prices.schedulePrice({
      sku: skus[0]!,
      price: usd(700),
      startsAt: T0,
      endsAt: new Date(T0.getTime() + HOUR),
    })
    const checkout = async (key: string) => {
      const cart = await commerce.cart.create({ currency: 'USD', email: 'budget@example.com' })
      for (const sku of skus) await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      counter.reset()
      const result = await commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: `${key}-${unique('k')}`,
        payment: { method: 'pm_card_visa' },
      })
      return { result, trace: counter.trace() }
    }
    const during = await checkout('budget-sale')
    expect(during.result.order.lines.map((l) => l.unitPrice.amount).sort()).toEqual([1000, 1000, 700])
    expect([during.trace.count, during.trace.commits], during.trace.statements.join('\n')).toEqual([3, 2])
    clock.set(new Date(T0.getTime() + HOUR))
    const after = await checkout('budget-regular')
    expect(after.result.order.totals.subtotal).toEqual(usd(3000))
    expect([after.trace.count, after.trace.commits], after.trace.statements.join('\n')).toEqual([3, 2])
  })
})
