import {
  type Commerce,
  createCommerce,
  createManualClock,
  createRegionTaxCalculator,
  createTestPaymentProvider,
  type ManualClock,
  type OrderRecord,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

let n = 0
const uniq = (p: string) => `${p}-${++n}`
const usd = (amount: number) => ({ amount, currency: 'USD' })
const eur = (amount: number) => ({ amount, currency: 'EUR' })

const DAY = '2026-05-04'
const may = { from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }

describeOnDrivers('seller_analytics', (fixture) => {
  let clock: ManualClock
  let payments: TestPaymentProvider
  /** Prices exclude tax; 10% is added everywhere (no destination needed). */
  let commerce: Commerce
  /** The same shop with tax-inclusive prices (EU style). */
  let inclusive: Commerce

  beforeAll(() => {
    clock = createManualClock(new Date(`${DAY}T10:00:00Z`))
    payments = createTestPaymentProvider({ clock, captureMethod: 'automatic' })
    const tax = createRegionTaxCalculator({ rates: [], defaultRate: '10' })
    // No background applier: units sold are applied with syncUnitsSold and read back exactly.
    const config = { storage: fixture().storage, clock, logger: silentLogger, payments: [payments], tax }
    commerce = createCommerce({ ...config, unitsSold: false })
    inclusive = createCommerce({ ...config, unitsSold: false, pricesIncludeTax: true })
  })
  afterAll(async () => {
    await inclusive.close()
    await commerce.close()
  })

  async function product(
    prices: { amount: number; currency: string }[],
    sellerId?: string,
  ): Promise<{ id: string; sku: string }> {
    const sku = uniq('SA')
    const created = await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Product ${sku}`,
      status: 'active',
      ...(sellerId ? { sellerId } : {}),
      variants: [{ sku, prices }],
    })
    await commerce.inventory.setStock({ sku, onHand: 100 })
    return { id: created.id, sku }
  }

  async function seller(): Promise<string> {
    return (await commerce.catalog.createSeller({ slug: uniq('shop'), name: 'Shop' })).id
  }

  async function buy(
    lines: { sku: string; quantity: number }[],
    options: { currency?: string; promoCode?: string; shop?: Commerce } = {},
  ): Promise<OrderRecord> {
    const shop = options.shop ?? commerce
    const customerId = uniq('cus_sa')
    const cart = await shop.cart.create({
      currency: options.currency ?? 'USD',
      customerId,
      email: 'buyer@example.com',
    })
    for (const line of lines) await shop.cart.addItem({ cartId: cart.id, customerId, ...line })
    const { order } = await shop.checkout.placeOrder({
      cartId: cart.id,
      customerId,
      idempotencyKey: uniq('idem-key'),
      payment: { method: 'pm_card_visa' },
      ...(options.promoCode ? { promoCode: options.promoCode } : {}),
    })
    expect(order.status).toBe('confirmed')
    return order
  }

  async function deliver(order: OrderRecord) {
    for (const to of ['processing', 'shipped', 'delivered'] as const)
      await commerce.orders.transition({ orderId: order.id, to })
  }

  async function returnUnits(order: OrderRecord, sku: string, quantity: number) {
    const line = order.lines.find((l) => l.sku === sku)!
    return commerce.orders.receiveReturn({ orderId: order.id, lines: [{ lineId: line.id, quantity }] })
  }

  /** Read from the table: getProduct is cached and would hide the change. */
  async function unitsSold(productId: string): Promise<number> {
    const { rows } = await sql<{ units_sold: string }>`
    select units_sold::text from souk.products where id = ${productId}`.execute(fixture().storage.db)
    return Number(rows[0]!.units_sold)
  }

  describe('units sold count kept sales', () => {
    it('4 sold and 3 returned leave 1; a cancelled order leaves nothing', async () => {
      const returned = await product([usd(1000)])
      const order = await buy([{ sku: returned.sku, quantity: 4 }])
      await commerce.catalog.syncUnitsSold()
      expect(await unitsSold(returned.id)).toBe(4)
      await deliver(order)
      await returnUnits(order, returned.sku, 3)
      await commerce.catalog.syncUnitsSold()
      expect(await unitsSold(returned.id)).toBe(1)

      const cancelled = await product([usd(1000)])
      const doomed = await buy([{ sku: cancelled.sku, quantity: 4 }])
      await commerce.catalog.syncUnitsSold()
      expect(await unitsSold(cancelled.id)).toBe(4)
      await commerce.orders.cancel({ orderId: doomed.id })
      await commerce.catalog.syncUnitsSold()
      expect(await unitsSold(cancelled.id)).toBe(0)
    })
  })

  describe('seller analytics count kept sales', () => {
    it('4 sold and 3 returned: 1 unit, its revenue without tax, the tax apart', async () => {
      const shop = await seller()
      const mostlyBack = await product([usd(1000)], shop)
      const kept = await product([usd(250)], shop)
      const order = await buy([
        { sku: mostlyBack.sku, quantity: 4 },
        { sku: kept.sku, quantity: 2 },
      ])
      expect(order.lines.find((l) => l.sku === mostlyBack.sku)).toMatchObject({
        tax: usd(400),
        total: usd(4400),
      })
      await deliver(order)
      await returnUnits(order, mostlyBack.sku, 3)

      const report = await commerce.orders.sellerAnalytics({ sellerId: shop, ...may })
      const figures = { currency: 'USD', units: 3, revenue: usd(1500), tax: usd(150) }
      expect(report.totals).toEqual({ USD: figures })
      expect(report.days).toEqual([{ day: DAY, ...figures }])
      // Ranked by what was kept: 2 of one beat 1 of the other, though 4 of it were sold.
      expect(report.topProducts.map((p) => [p.productId, p.units, p.revenue, p.tax])).toEqual([
        [kept.id, 2, usd(500), usd(50)],
        [mostlyBack.id, 1, usd(1000), usd(100)],
      ])
      // What stays with the seller is what the customer paid less what was refunded.
      const [payment] = payments.payments().filter((p) => p.orderId === order.id)
      expect(payment!.capturedAmount.amount - payment!.refundedAmount.amount).toBe(1500 + 150)
    })

    it('counts revenue after discounts, and tax-inclusive prices without their tax', async () => {
      const shop = await seller()
      const code = uniq('SA20').toUpperCase().replaceAll('-', '')
      await commerce.promotions.create({ code, kind: 'percentage', percent: '20' })
      const discounted = await product([usd(1000)], shop)
      const order = await buy([{ sku: discounted.sku, quantity: 4 }], { promoCode: code })
      await deliver(order)
      await returnUnits(order, discounted.sku, 3)
      const grossPriced = await product([usd(1100)], shop)
      await buy([{ sku: grossPriced.sku, quantity: 1 }], { shop: inclusive })

      const report = await commerce.orders.sellerAnalytics({ sellerId: shop, ...may })
      expect(report.topProducts.map((p) => [p.productId, p.units, p.revenue, p.tax])).toEqual([
        [grossPriced.id, 1, usd(1000), usd(100)],
        [discounted.id, 1, usd(800), usd(80)],
      ])
      expect(report.totals).toEqual({ USD: { currency: 'USD', units: 2, revenue: usd(1800), tax: usd(180) } })
    })

    it('a cancelled order counts nothing', async () => {
      const shop = await seller()
      const p = await product([usd(1000)], shop)
      const order = await buy([{ sku: p.sku, quantity: 2 }])
      expect((await commerce.orders.sellerAnalytics({ sellerId: shop, ...may })).totals).toEqual({
        USD: { currency: 'USD', units: 2, revenue: usd(2000), tax: usd(200) },
      })
      await commerce.orders.cancel({ orderId: order.id })
      expect(await commerce.orders.sellerAnalytics({ sellerId: shop, ...may })).toEqual({
        totals: {},
        days: [],
        topProducts: [],
      })
    })

    it('reports two currencies apart, never summed', async () => {
      const shop = await seller()
      const p = await product([usd(1000), eur(900)], shop)
      await buy([{ sku: p.sku, quantity: 1 }])
      await buy([{ sku: p.sku, quantity: 3 }], { currency: 'EUR' })

      const report = await commerce.orders.sellerAnalytics({ sellerId: shop, ...may })
      const inEur = { currency: 'EUR', units: 3, revenue: eur(2700), tax: eur(270) }
      const inUsd = { currency: 'USD', units: 1, revenue: usd(1000), tax: usd(100) }
      expect(report.totals).toEqual({ EUR: inEur, USD: inUsd })
      expect(report.days).toEqual([
        { day: DAY, ...inEur },
        { day: DAY, ...inUsd },
      ])
      expect(report.topProducts).toEqual([
        { productId: p.id, name: expect.any(String), ...inEur },
        { productId: p.id, name: expect.any(String), ...inUsd },
      ])
    })

    it("never counts another seller's lines of the same order", async () => {
      const mine = await seller()
      const theirs = await seller()
      const a = await product([usd(1000)], mine)
      const b = await product([usd(3000)], theirs)
      const marketplace = await product([usd(500)])
      await buy([
        { sku: a.sku, quantity: 1 },
        { sku: b.sku, quantity: 2 },
        { sku: marketplace.sku, quantity: 5 },
      ])

      const report = await commerce.orders.sellerAnalytics({ sellerId: mine, ...may })
      expect(report.totals).toEqual({ USD: { currency: 'USD', units: 1, revenue: usd(1000), tax: usd(100) } })
      expect(report.topProducts.map((p) => p.productId)).toEqual([a.id])
      const other = await commerce.orders.sellerAnalytics({ sellerId: theirs, ...may })
      expect(other.totals).toEqual({ USD: { currency: 'USD', units: 2, revenue: usd(6000), tax: usd(600) } })
    })
  })
})
