import {
  type AllocationStrategy,
  type Commerce,
  type CommerceConfig,
  createCommerce,
  createManualClock,
  createRegionTaxCalculator,
  createTestPaymentProvider,
  defaultAllocationStrategy,
  InsufficientStockError,
  isCommerceError,
  type ManualClock,
  money,
  type PaymentProvider,
  silentLogger,
  type TaxCalculator,
  type TestPaymentProvider,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { NO_STOCK_VIOLATIONS, stockInvariantViolations } from '@souk/test-harness'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { postgresFixture } from './support.js'

/**
 * The money path end to end through `commerce.checkout.placeOrder` on real Postgres: promotions,
 * shipping and tax on the totals, split, backordered and untracked stock, a host allocation
 * strategy, carts edited mid-checkout, racing carts, keys and webhooks. Every test checks the
 * database's invariants in SQL afterwards.
 */

let fixture: Awaited<ReturnType<typeof postgresFixture>>
let commerce: Commerce
let clock: ManualClock
let payments: TestPaymentProvider
const opened: Commerce[] = []
let n = 0
const uniq = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`
const usd = (amount: number) => money(amount, 'USD')
/** A fresh promo code, upper case as promotions store it. */
const promoCode = (prefix: string) => `${prefix}${uniq('X').replace(/-/g, '')}`.toUpperCase().slice(0, 40)

beforeAll(async () => {
  fixture = await postgresFixture('checkout_paths', 40)
  clock = createManualClock(new Date('2026-03-02T10:00:00Z'))
  payments = createTestPaymentProvider({ clock })
  commerce = another()
})
afterAll(async () => {
  for (const c of opened) await c.close()
  await fixture.close()
})

/** A commerce over the shared storage, clock and provider, with some settings of its own. */
function another(config: Partial<CommerceConfig> = {}): Commerce {
  const c = createCommerce({
    storage: fixture.storage,
    clock,
    logger: silentLogger,
    payments: [payments],
    unitsSold: false,
    ...config,
  })
  opened.push(c)
  return c
}

async function product(stock: number | null, priceCents = 2500): Promise<string> {
  const sku = uniq('SKU')
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Product ${sku} «Ünïcødé» "quoted"`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: priceCents, currency: 'USD' }], weightGrams: 200 }],
  })
  if (stock !== null) await commerce.inventory.setStock({ sku, onHand: stock })
  return sku
}

async function cartWith(
  lines: { sku: string; quantity: number }[],
  options: { customerId?: string; c?: Commerce } = {},
) {
  const c = options.c ?? commerce
  const cart = await c.cart.create({
    currency: 'USD',
    email: 'shopper@example.com',
    ...(options.customerId ? { customerId: options.customerId } : {}),
  })
  for (const line of lines)
    await c.cart.addItem({
      cartId: cart.id,
      ...line,
      ...(options.customerId ? { customerId: options.customerId } : {}),
    })
  return cart.id
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await query.execute(fixture.storage.db)).rows as T[]
}

/** A settled call's outcome for tallies: `ok`, or the code it failed with. */
const outcomeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === 'fulfilled' ? 'ok' : isCommerceError(r.reason) ? r.reason.code : String(r.reason)

function tally(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of results) out[outcomeOf(r)] = (out[outcomeOf(r)] ?? 0) + 1
  return out
}

/** The invariants of SPEC.md plus the money path's own, in SQL over the whole database. */
async function checkInvariants() {
  expect(await stockInvariantViolations(fixture.database.url)).toEqual(NO_STOCK_VIOLATIONS)
  const underHeld = await rows(sql`
    select o.id, l.sku, l.q as ordered, i.q as held from souk.orders o
    join (select order_id, sku, sum(quantity) as q from souk.order_lines group by 1, 2) l on l.order_id = o.id
    left join (select reservation_id, sku, sum(quantity) as q from souk.reservation_items group by 1, 2) i
      on i.reservation_id = o.reservation_id and i.sku = l.sku
    where i.q is distinct from l.q`)
  expect(underHeld, 'every order line is held in full by its reservation').toEqual([])
  const badTotals = await rows(sql`
    select o.id from souk.orders o
    join (select order_id, sum(total) as total, sum(tax) as tax from souk.order_lines group by 1) l on l.order_id = o.id
    where o.total <> l.total + o.shipping_total + (o.tax_total - l.tax)`)
  // Tax comes on top here (no test prices include it): what is not on the lines is shipping's.
  expect(badTotals, 'order total = lines + shipping + shipping tax').toEqual([])
  const charged = await rows(sql`
    select o.id, p.status from souk.orders o join souk.payments p on p.order_id = o.id
    where o.status in ('payment_failed', 'cancelled') and p.status in ('authorized', 'captured')`)
  expect(charged, 'no money held for an order that failed').toEqual([])
  const wrongAmount = await rows(sql`
    select o.id from souk.orders o join souk.payments p on p.order_id = o.id where p.amount <> o.total`)
  expect(wrongAmount, 'every payment is for the order total').toEqual([])
  const uses = await rows(sql`
    select p.code from souk.promotions p
    where p.times_used <> (select count(*) from souk.promotion_redemptions r where r.promotion_id = p.id)`)
  expect(uses, 'times_used = redemptions').toEqual([])
  const overUsed = await rows(sql`
    select p.code from souk.promotions p where p.usage_limit is not null and p.times_used > p.usage_limit`)
  expect(overUsed, 'no promotion used beyond its limit').toEqual([])
  const failedRedeemed = await rows(sql`
    select r.order_id from souk.promotion_redemptions r join souk.orders o on o.id = r.order_id
    where o.status = 'payment_failed'`)
  expect(failedRedeemed, 'a failed order gave its promotion use back').toEqual([])
  const closedByFailed = await rows(sql`
    select c.id from souk.carts c join souk.orders o on o.id = c.order_id where o.status = 'payment_failed'`)
  expect(closedByFailed, 'a failed order reopened its cart').toEqual([])
  const history = await rows(sql`
    select o.id from souk.orders o
    where (select count(*) from souk.order_status_history h where h.order_id = o.id and h.from_status is null) <> 1
       or not exists (select 1 from souk.order_status_history h where h.order_id = o.id and h.to_status = o.status)
       or (select count(*) from souk.order_status_history h where h.order_id = o.id)
          <> (select count(distinct h.to_status) from souk.order_status_history h where h.order_id = o.id)`)
  expect(history, 'one history row per transition, ending at the order status').toEqual([])
}

const ordersOfCart = (cartId: string) =>
  rows<{ id: string; status: string }>(sql`select id, status from souk.orders where cart_id = ${cartId}`)
const authorizationsOf = (orderId: string) => payments.payments().filter((p) => p.orderId === orderId)

describe('promotions through placeOrder', () => {
  it('a percentage and a fixed code discount the order, and are redeemed with it', async () => {
    const sku = await product(10, 2500)
    const pct = promoCode('PCT')
    const fixed = promoCode('FIX')
    const p1 = await commerce.promotions.create({ code: pct, kind: 'percentage', percent: '20' })
    const p2 = await commerce.promotions.create({ code: fixed, kind: 'fixed', amount: usd(700) })

    const a = await commerce.checkout.placeOrder({
      cartId: await cartWith([{ sku, quantity: 2 }]),
      idempotencyKey: uniq('key-pct'),
      payment: { method: 'pm_card_visa' },
      promoCode: pct.toLowerCase(),
    })
    expect(a.order.totals).toMatchObject({ subtotal: usd(5000), discountTotal: usd(1000), total: usd(4000) })
    expect(a.order.promoCode).toBe(pct)
    const cartB = await cartWith([{ sku, quantity: 1 }])
    await commerce.cart.applyPromoCode({ cartId: cartB, code: fixed })
    const b = await commerce.checkout.placeOrder({
      cartId: cartB,
      idempotencyKey: uniq('key-fixed'),
      payment: { method: 'pm_card_visa' },
    })
    expect(b.order.totals).toMatchObject({ subtotal: usd(2500), discountTotal: usd(700), total: usd(1800) })
    expect(authorizationsOf(b.order.id).map((p) => p.amount)).toEqual([usd(1800)])
    const stored = await rows<{ id: string; promo_code: string; discount_total: string; total: string }>(
      sql`select id, promo_code, discount_total, total from souk.orders where id in (${a.order.id}, ${b.order.id}) order by total desc`,
    )
    expect(stored).toEqual([
      { id: a.order.id, promo_code: pct, discount_total: '1000', total: '4000' },
      { id: b.order.id, promo_code: fixed, discount_total: '700', total: '1800' },
    ])
    expect((await commerce.promotions.get({ promotionId: p1.id })).timesUsed).toBe(1)
    expect((await commerce.promotions.get({ promotionId: p2.id })).timesUsed).toBe(1)
    await checkInvariants()
  })

  it('per-customer limit 1: ten concurrent placeOrders by one customer on ten carts, exactly one wins', async () => {
    const sku = await product(100, 1000)
    const code = promoCode('ONCE')
    const promo = await commerce.promotions.create({
      code,
      kind: 'percentage',
      percent: '10',
      perCustomerLimit: 1,
    })
    const customerId = uniq('cust')
    const carts = await Promise.all(
      Array.from({ length: 10 }, () => cartWith([{ sku, quantity: 1 }], { customerId })),
    )
    const results = await Promise.allSettled(
      carts.map((cartId, i) =>
        commerce.checkout.placeOrder({
          cartId,
          customerId,
          idempotencyKey: `once-${code}-${i}`,
          payment: { method: 'pm_card_visa' },
          promoCode: code,
        }),
      ),
    )
    expect(tally(results)).toEqual({ ok: 1, 'promotion.exhausted': 9 })
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(1)
    expect(await commerce.inventory.available({ sku })).toBe(99)
    // The refused ones left nothing: no order, the cart open.
    const closed = await rows(
      sql`select id from souk.carts where id in (${sql.join(carts)}) and order_id is not null`,
    )
    expect(closed).toHaveLength(1)
    await checkInvariants()
  })

  it('usage limit 3: ten concurrent customers, exactly three redeem', async () => {
    const sku = await product(100, 1000)
    const code = promoCode('THREE')
    const promo = await commerce.promotions.create({ code, kind: 'fixed', amount: usd(100), usageLimit: 3 })
    const carts = await Promise.all(Array.from({ length: 10 }, () => cartWith([{ sku, quantity: 1 }])))
    const results = await Promise.allSettled(
      carts.map((cartId, i) =>
        commerce.checkout.placeOrder({
          cartId,
          idempotencyKey: `three-${code}-${i}`,
          payment: { method: 'pm_card_visa' },
          promoCode: code,
        }),
      ),
    )
    expect(tally(results)).toEqual({ ok: 3, 'promotion.exhausted': 7 })
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(3)
    expect(await commerce.inventory.available({ sku })).toBe(97)
    await checkInvariants()
  })

  it('a declined payment gives the use back and reopens the cart; the retry redeems it', async () => {
    const sku = await product(3, 1000)
    const code = promoCode('BACK')
    const promo = await commerce.promotions.create({ code, kind: 'fixed', amount: usd(250), usageLimit: 1 })
    const cartId = await cartWith([{ sku, quantity: 2 }])
    await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: uniq('key-promo-decline'),
        payment: { method: 'pm_card_chargeDeclined' },
        promoCode: code,
      }),
      'payment.declined',
    )
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(0)
    expect((await commerce.cart.get({ cartId })).orderId).toBeNull()
    expect(await commerce.inventory.available({ sku })).toBe(3)
    const retry = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-promo-retry'),
      payment: { method: 'pm_card_visa' },
      promoCode: code,
    })
    expect(retry.order.totals.total).toEqual(usd(1750))
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(1)
    await checkInvariants()
  })
})

describe('shipping, address and tax on the order', () => {
  it('the order carries the cart view totals: shipping quote, promotion and tax', async () => {
    const taxed = another({ tax: createRegionTaxCalculator({ rates: [{ country: 'DE', rate: '19' }] }) })
    const zone = await commerce.shipping.createZone({ name: uniq('DE'), countries: ['DE'] })
    const method = await commerce.shipping.createMethod({
      zoneId: zone.id,
      name: 'DHL',
      kind: 'flat',
      price: usd(499),
      estimatedDays: { min: 1, max: 3 },
    })
    const code = promoCode('SHIPTAX')
    await commerce.promotions.create({ code, kind: 'percentage', percent: '15' })
    const a = await product(10, 1999)
    const b = await product(10, 350)
    const cartId = await cartWith([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
    ])
    const address = {
      name: 'Jürgen O\'Brien "JJ"',
      line1: 'Straße 1',
      city: 'München',
      postalCode: '80331',
      country: 'DE',
    }
    await taxed.cart.setShippingAddress({ cartId, address })
    await taxed.cart.setShippingMethod({ cartId, shippingMethodId: method.id })
    await taxed.cart.applyPromoCode({ cartId, code })
    const view = await taxed.cart.get({ cartId })
    expect(view.totals.shippingTotal).toEqual(usd(499))
    expect(view.totals.taxTotal.amount).toBeGreaterThan(0)

    const result = await taxed.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-ship-tax'),
      payment: { method: 'pm_card_visa' },
      billingAddress: { ...address, line2: 'c/o 🧾' },
    })
    const { itemCount: _ignored, ...viewTotals } = view.totals
    expect(result.order.totals).toEqual(viewTotals)
    expect(result.order.shippingMethodId).toBe(method.id)
    expect(authorizationsOf(result.order.id).map((p) => p.amount)).toEqual([view.totals.total])
    const [row] = await rows<Record<string, unknown>>(sql`
      select subtotal, discount_total, shipping_total, tax_total, total, shipping_method_id, promo_code,
        shipping_address, billing_address from souk.orders where id = ${result.order.id}`)
    expect(row).toEqual({
      subtotal: String(view.totals.subtotal.amount),
      discount_total: String(view.totals.discountTotal.amount),
      shipping_total: '499',
      tax_total: String(view.totals.taxTotal.amount),
      total: String(view.totals.total.amount),
      shipping_method_id: method.id,
      promo_code: code,
      shipping_address: address,
      billing_address: { ...address, line2: 'c/o 🧾' },
    })
    // Read back through the public API, the order is the one placeOrder returned.
    const read = await commerce.orders.get({ orderId: result.order.id })
    expect(read.totals).toEqual(result.order.totals)
    expect(read.lines.map((l) => [l.sku, l.quantity, l.tax.amount])).toEqual(
      result.order.lines.map((l) => [l.sku, l.quantity, l.tax.amount]),
    )
    await checkInvariants()
  })
})

describe('stock across locations, backorders and untracked SKUs', () => {
  let w1: string
  let w2: string
  beforeAll(async () => {
    w1 = uniq('wh1')
    w2 = uniq('wh2')
    await commerce.inventory.upsertLocation({ id: w1, name: 'Warehouse 1', priority: 1 })
    await commerce.inventory.upsertLocation({ id: w2, name: 'Warehouse 2', priority: 2 })
  })

  const itemsOf = (reservationId: string) =>
    rows<{ sku: string; location_id: string | null; quantity: string }>(sql`
      select sku, location_id, quantity from souk.reservation_items where reservation_id = ${reservationId}
      order by sku, location_id nulls last`)

  it('splits a SKU over locations, backorders on the preferred one, and holds untracked lines without a level', async () => {
    const split = await product(null, 1000)
    await commerce.inventory.setStock({ sku: split, locationId: w1, onHand: 2 })
    await commerce.inventory.setStock({ sku: split, locationId: w2, onHand: 3 })
    const back = await product(null, 1000)
    await commerce.inventory.setStock({ sku: back, locationId: w2, onHand: 1 })
    await commerce.inventory.configureItem({ sku: back, allowBackorder: true })
    const loose = await product(0, 1000)
    await commerce.inventory.configureItem({ sku: loose, tracked: false })

    const result = await commerce.checkout.placeOrder({
      cartId: await cartWith([
        { sku: loose, quantity: 2 },
        { sku: back, quantity: 3 },
        { sku: split, quantity: 4 },
      ]),
      idempotencyKey: uniq('key-split'),
      payment: { method: 'pm_card_visa' },
    })
    expect(result.outcome).toBe('confirmed')
    const expected = [
      { sku: back, location_id: w2, quantity: '3' },
      { sku: loose, location_id: null, quantity: '2' },
      { sku: split, location_id: w1, quantity: '2' },
      { sku: split, location_id: w2, quantity: '2' },
    ].sort((x, y) => (x.sku < y.sku ? -1 : x.sku > y.sku ? 1 : 0))
    expect(await itemsOf(result.order.reservationId!)).toEqual(expected)
    expect(await commerce.inventory.getLevels({ sku: split })).toEqual(
      expect.arrayContaining([
        { sku: split, locationId: w1, onHand: 0, reserved: 0, available: 0 },
        { sku: split, locationId: w2, onHand: 1, reserved: 0, available: 1 },
      ]),
    )
    expect(await commerce.inventory.getLevels({ sku: back })).toEqual([
      { sku: back, locationId: w2, onHand: -2, reserved: 0, available: -2 },
    ])
    await checkInvariants()
  })

  it('a backorderable SKU with no level at all is held at a level created for it', async () => {
    const back = await product(null, 1000)
    const other = await product(null, 1000)
    await commerce.inventory.setStock({ sku: other, locationId: w2, onHand: 5 })
    await commerce.inventory.setStock({ sku: back, locationId: w1, onHand: 0 })
    await commerce.inventory.configureItem({ sku: back, allowBackorder: true })
    const result = await commerce.checkout.placeOrder({
      cartId: await cartWith([
        { sku: other, quantity: 1 },
        { sku: back, quantity: 2 },
      ]),
      idempotencyKey: uniq('key-backorder'),
      payment: { method: 'pm_card_visa' },
    })
    const items = await itemsOf(result.order.reservationId!)
    expect(items.find((i) => i.sku === back)).toEqual({ sku: back, location_id: w1, quantity: '2' })
    await checkInvariants()
  })

  it('one location that fills every line wins over a split, the most preferred first', async () => {
    const d = await product(null, 1000)
    const e = await product(null, 1000)
    for (const sku of [d, e]) {
      await commerce.inventory.setStock({ sku, locationId: w1, onHand: 1 })
      await commerce.inventory.setStock({ sku, locationId: w2, onHand: 5 })
    }
    const both = (quantity: number) =>
      cartWith([
        { sku: e, quantity },
        { sku: d, quantity },
      ])
    const small = await commerce.checkout.placeOrder({
      cartId: await both(1),
      idempotencyKey: uniq('key-single-1'),
      payment: { method: 'pm_card_visa' },
    })
    expect((await itemsOf(small.order.reservationId!)).map((i) => i.location_id)).toEqual([w1, w1])
    const big = await commerce.checkout.placeOrder({
      cartId: await both(2),
      idempotencyKey: uniq('key-single-2'),
      payment: { method: 'pm_card_visa' },
    })
    expect((await itemsOf(big.order.reservationId!)).map((i) => i.location_id)).toEqual([w2, w2])
    // Short everywhere (stock taken after the cart was filled): a typed refusal that leaves nothing.
    const cartId = await both(3)
    for (const sku of [d, e]) await commerce.inventory.setStock({ sku, locationId: w2, onHand: 2 })
    const short = await expectCommerceError(
      commerce.checkout.placeOrder({ cartId, idempotencyKey: uniq('key-single-3'), payment: {} }),
      'inventory.insufficient_stock',
    )
    expect(short).toBeInstanceOf(InsufficientStockError)
    expect(short.details).toMatchObject({
      shortfalls: expect.arrayContaining([
        { sku: d, requested: 3, available: 2 },
        { sku: e, requested: 3, available: 2 },
      ]),
    })
    expect(await ordersOfCart(cartId)).toEqual([])
    await checkInvariants()
  })

  it('a host allocation strategy from createCommerce({ allocation }) decides the locations', async () => {
    // Ships from the least preferred location that can fill each line.
    const leastPreferred: AllocationStrategy = ({ lines, levels, locations }) =>
      lines.map((line) => {
        const level = [...locations]
          .reverse()
          .map((loc) => levels.find((l) => l.sku === line.sku && l.locationId === loc.id))
          .find((l) => l !== undefined && l.available >= line.quantity)
        if (!level)
          throw new InsufficientStockError([{ sku: line.sku, requested: line.quantity, available: 0 }])
        return { sku: line.sku, locationId: level.locationId, quantity: line.quantity }
      })
    const hosted = another({ allocation: leastPreferred })
    const f = await product(null, 1000)
    await commerce.inventory.setStock({ sku: f, locationId: w1, onHand: 5 })
    await commerce.inventory.setStock({ sku: f, locationId: w2, onHand: 5 })
    const loose = await product(0, 1000)
    await commerce.inventory.configureItem({ sku: loose, tracked: false })
    const result = await hosted.checkout.placeOrder({
      cartId: await cartWith([
        { sku: f, quantity: 2 },
        { sku: loose, quantity: 1 },
      ]),
      idempotencyKey: uniq('key-hosted'),
      payment: { method: 'pm_card_visa' },
    })
    const items = await itemsOf(result.order.reservationId!)
    expect(items.find((i) => i.sku === f)).toEqual({ sku: f, location_id: w2, quantity: '2' })
    expect(items.find((i) => i.sku === loose)).toEqual({ sku: loose, location_id: null, quantity: '1' })
    await checkInvariants()
  })

  it('a host strategy that holds less than the order is refused, as inventory.reserve refuses it', async () => {
    const short: AllocationStrategy = ({ lines }) =>
      lines.map((l) => ({ sku: l.sku, locationId: 'default', quantity: l.quantity - 1 }))
    const hosted = another({ allocation: short })
    const sku = await product(10, 1000)
    await expectCommerceError(hosted.inventory.reserve({ lines: [{ sku, quantity: 2 }] }), 'config.invalid')
    const cartId = await cartWith([{ sku, quantity: 2 }])
    await expectCommerceError(
      hosted.checkout.placeOrder({ cartId, idempotencyKey: uniq('key-short-plan'), payment: {} }),
      'config.invalid',
    )
    expect(await ordersOfCart(cartId)).toEqual([])
    expect(await commerce.inventory.available({ sku })).toBe(10)
    await checkInvariants()
  })
})

describe('a host allocation strategy under contention', () => {
  it('a plan gone stale between its snapshot and begin is planned again, not refused as short', async () => {
    // The default plan, but from a host function: checkout plans it from a snapshot (one read).
    const hosted = another({ allocation: (request) => defaultAllocationStrategy(request) })
    const w1 = uniq('stale1')
    const w2 = uniq('stale2')
    await commerce.inventory.upsertLocation({ id: w1, name: 'Stale 1', priority: 7 })
    await commerce.inventory.upsertLocation({ id: w2, name: 'Stale 2', priority: 8 })
    const sku = await product(null, 1000)
    await commerce.inventory.setStock({ sku, locationId: w1, onHand: 15 })
    await commerce.inventory.setStock({ sku, locationId: w2, onHand: 15 })
    const carts = await Promise.all(Array.from({ length: 30 }, () => cartWith([{ sku, quantity: 1 }])))
    const results = await Promise.allSettled(
      carts.map((cartId, i) =>
        hosted.checkout.placeOrder({ cartId, idempotencyKey: `stale-plan-${sku}-${i}`, payment: {} }),
      ),
    )
    // 30 units for 30 buyers: every one is served, none is told the stock ran out.
    expect(tally(results)).toEqual({ ok: 30 })
    expect(await commerce.inventory.available({ sku })).toBe(0)
    await checkInvariants()
  }, 60_000)
})

describe('cancelling unpaid orders while others check out with the same code and SKU', () => {
  // checkout_begin and checkout_finish lock the promotion, then the stock (stock last, by design);
  // orders.cancel of an unpaid order gives the redemption back before it releases the reservation,
  // so the two take their locks in the same order and never deadlock (40P01 would be `conflict`).
  it('takes locks in one order: no deadlock between orders.cancel and placeOrder', async () => {
    const sku = await product(1000, 1000)
    const code = promoCode('LOCK')
    await commerce.promotions.create({ code, kind: 'fixed', amount: usd(100) })
    // A few rounds, so that a lucky schedule does not hide the deadlock.
    for (let round = 0; round < 3; round++) {
      const pending = []
      for (let i = 0; i < 12; i++) {
        const placed = await commerce.checkout.placeOrder({
          cartId: await cartWith([{ sku, quantity: 1 }]),
          idempotencyKey: `lock-pending-${code}-${round}-${i}`,
          payment: { method: 'pm_card_threeDSecure2Required' },
          promoCode: code,
        })
        pending.push(placed.order.id)
      }
      const carts = await Promise.all(Array.from({ length: 12 }, () => cartWith([{ sku, quantity: 1 }])))
      const results = await Promise.allSettled([
        ...pending.map((orderId) => commerce.orders.cancel({ orderId })),
        ...carts.map((cartId, i) =>
          commerce.checkout.placeOrder({
            cartId,
            idempotencyKey: `lock-new-${code}-${round}-${i}`,
            payment: { method: 'pm_card_visa' },
            promoCode: code,
          }),
        ),
      ])
      expect(tally(results)).toEqual({ ok: 24 })
    }
    await checkInvariants()
  }, 120_000)
})

describe('a session in another time zone', () => {
  it('places, replays and resumes orders the same way', async () => {
    const pool = new pg.Pool({
      connectionString: fixture.database.url,
      max: 4,
      // A half-hour offset west of UTC. (DateStyle must stay ISO: node-postgres parses only that.)
      options: '-c TimeZone=America/St_Johns',
    })
    pool.on('error', () => undefined)
    const storage = postgresStorage({ pool })
    const local = createCommerce({
      storage,
      clock,
      logger: silentLogger,
      payments: [payments],
      unitsSold: false,
    })
    try {
      const sku = await product(3, 1000)
      const cartId = await cartWith([{ sku, quantity: 1 }], { c: local })
      const key = uniq('key-tz')
      const placed = await local.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} })
      expect(placed.order.createdAt).toEqual(clock.now())
      const replayed = await local.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} })
      expect(replayed.order).toEqual(placed.order)
      expect(replayed.order.createdAt).toEqual(clock.now())
      const [row] = await rows<{ locked_until: Date; expires_at: Date }>(
        sql`select locked_until, expires_at from souk.idempotency_keys where key = ${key}`,
      )
      expect(row!.locked_until.getTime()).toBe(clock.now().getTime() + 5000)
      expect(row!.expires_at.getTime()).toBe(clock.now().getTime() + 86_400_000)
      await checkInvariants()
    } finally {
      await local.close()
      await pool.end()
    }
  })
})

/** storage.checkout.begin called directly: one unit of `sku` from `cartId` at `cartVersion`. */
function directBegin(cartId: string, cartVersion: number, sku: string, key: string) {
  const orderId = `ord_${uniq('direct').replace(/-/g, '')}`
  const reservationId = `res_${uniq('direct').replace(/-/g, '')}`
  const begun = fixture.storage.checkout.begin({
    key: {
      scope: 'checkout',
      key,
      requestHash: 'h',
      lockedUntil: new Date(clock.now().getTime() + 5000),
      expiresAt: new Date(clock.now().getTime() + 86_400_000),
    },
    order: {
      id: orderId,
      customerId: null,
      email: 'shopper@example.com',
      status: 'pending_payment',
      currency: 'USD',
      totals: {
        subtotal: usd(1000),
        discountTotal: usd(0),
        shippingTotal: usd(0),
        taxTotal: usd(0),
        total: usd(1000),
      },
      lines: [
        {
          id: `oli_${uniq('x').replace(/-/g, '')}`,
          sku,
          productId: null,
          variantId: null,
          sellerId: null,
          name: sku,
          quantity: 1,
          unitPrice: usd(1000),
          discount: usd(0),
          tax: usd(0),
          total: usd(1000),
          returnedQuantity: 0,
        },
      ],
      shippingAddress: null,
      billingAddress: null,
      shippingMethodId: null,
      promoCode: null,
      cartId,
      reservationId,
      paymentProvider: 'test',
      createdAt: clock.now(),
    },
    cartVersion,
    reservation: {
      id: reservationId,
      lines: [{ sku, quantity: 1 }],
      allocations: null,
      expiresAt: new Date(clock.now().getTime() + 900_000),
    },
    promotion: null,
    outbox: [{ topic: 'test.order', key: orderId, payload: {} }],
    at: clock.now(),
  })
  return { orderId, reservationId, begun }
}

describe('a cart that changes during checkout', () => {
  it('begin at a stale cart version refuses with conflict and writes nothing', async () => {
    const sku = await product(5, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const key = uniq('key-stale')
    const snapshot = await fixture.storage.checkout.read({ scope: 'checkout', key, cartId })
    const cart = snapshot.cart!
    await commerce.cart.addItem({ cartId, sku, quantity: 1 })
    const { orderId, reservationId, begun } = directBegin(cartId, cart.version, sku, key)
    await expectCommerceError(begun, 'conflict')
    expect(await ordersOfCart(cartId)).toEqual([])
    expect(await rows(sql`select 1 from souk.idempotency_keys where key = ${key}`)).toEqual([])
    expect(await rows(sql`select 1 from souk.reservations where id = ${reservationId}`)).toEqual([])
    expect(await rows(sql`select 1 from souk.outbox where key = ${orderId}`)).toEqual([])
    expect(await commerce.inventory.available({ sku })).toBe(5)
  })

  it('begin for a cart that no longer exists refuses with conflict and writes nothing', async () => {
    const sku = await product(5, 1000)
    const key = uniq('key-gone-cart')
    const { orderId, begun } = directBegin(`cart_${uniq('gone').replace(/-/g, '')}`, 1, sku, key)
    await expectCommerceError(begun, 'conflict')
    expect(await rows(sql`select 1 from souk.orders where id = ${orderId}`)).toEqual([])
    expect(await rows(sql`select 1 from souk.idempotency_keys where key = ${key}`)).toEqual([])
    expect(await commerce.inventory.available({ sku })).toBe(5)
  })

  it('an item added between the read and begin: placeOrder refuses, and the retry charges the new content', async () => {
    const sku = await product(5, 1000)
    const extra = await product(5, 300)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    // The pricer's tax call runs between checkout's read and begin: the shopper edits the cart then.
    let editDuringPricing: (() => Promise<unknown>) | null = null
    const inner = createRegionTaxCalculator({ rates: [] })
    const tax: TaxCalculator = {
      async calculate(request) {
        const edit = editDuringPricing
        editDuringPricing = null
        if (edit) await edit()
        return inner.calculate(request)
      },
    }
    const gated = another({ tax })
    editDuringPricing = () => commerce.cart.addItem({ cartId, sku: extra, quantity: 2 })
    const key = uniq('key-edited')
    await expectCommerceError(
      gated.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} }),
      'conflict',
    )
    expect(await ordersOfCart(cartId)).toEqual([])
    expect(await commerce.inventory.available({ sku })).toBe(5)
    // The same key, retried: nothing was claimed, so it prices and charges what the cart holds now.
    const retried = await gated.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} })
    expect(retried.order.totals.total).toEqual(usd(1600))
    expect(retried.order.lines.map((l) => [l.sku, l.quantity]).sort()).toEqual(
      [
        [sku, 1],
        [extra, 2],
      ].sort(),
    )
    expect(authorizationsOf(retried.order.id).map((p) => p.amount)).toEqual([usd(1600)])
    await checkInvariants()
  })

  it('addItem racing placeOrder: an order never misses a line the cart accepted', async () => {
    const sku = await product(100, 1000)
    const extra = await product(100, 300)
    for (let i = 0; i < 12; i++) {
      const cartId = await cartWith([{ sku, quantity: 1 }])
      const [added, placed] = await Promise.allSettled([
        commerce.cart.addItem({ cartId, sku: extra, quantity: 1 }),
        commerce.checkout.placeOrder({ cartId, idempotencyKey: uniq('key-add-race'), payment: {} }),
      ])
      if (placed.status === 'fulfilled') {
        const hasExtra = placed.value.order.lines.some((l) => l.sku === extra)
        // Either the add landed first (the order has it), or it was refused as checked out.
        if (added.status === 'fulfilled') expect(hasExtra).toBe(true)
        else {
          expect(hasExtra).toBe(false)
          expect(isCommerceError(added.reason)).toBe(true)
        }
        expect(placed.value.order.totals.total).toEqual(usd(hasExtra ? 1300 : 1000))
      } else {
        expect(outcomeOf(placed)).toBe('conflict')
        expect(added.status).toBe('fulfilled')
      }
    }
    await checkInvariants()
  }, 60_000)
})

describe('racing carts', () => {
  it('carts with opposite SKU orders over two locations never deadlock', async () => {
    const w1 = uniq('race1')
    const w2 = uniq('race2')
    await commerce.inventory.upsertLocation({ id: w1, name: 'Race 1', priority: 5 })
    await commerce.inventory.upsertLocation({ id: w2, name: 'Race 2', priority: 6 })
    const a = await product(null, 1000)
    const b = await product(null, 1000)
    await commerce.inventory.setStock({ sku: a, locationId: w1, onHand: 10 })
    await commerce.inventory.setStock({ sku: a, locationId: w2, onHand: 90 })
    await commerce.inventory.setStock({ sku: b, locationId: w1, onHand: 90 })
    await commerce.inventory.setStock({ sku: b, locationId: w2, onHand: 10 })
    const carts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        cartWith(
          i % 2 === 0
            ? [
                { sku: a, quantity: 2 },
                { sku: b, quantity: 1 },
              ]
            : [
                { sku: b, quantity: 2 },
                { sku: a, quantity: 1 },
              ],
        ),
      ),
    )
    const results = await Promise.allSettled(
      carts.map((cartId, i) =>
        commerce.checkout.placeOrder({ cartId, idempotencyKey: `opp-${a}-${i}`, payment: {} }),
      ),
    )
    expect(tally(results)).toEqual({ ok: 40 })
    expect(await commerce.inventory.available({ sku: a })).toBe(40)
    expect(await commerce.inventory.available({ sku: b })).toBe(40)
    await checkInvariants()
  }, 60_000)
})

describe('keys', () => {
  it('the same key racing 8 times: one order, one authorization, one answer', async () => {
    const sku = await product(5, 1000)
    const cartId = await cartWith([{ sku, quantity: 2 }])
    const key = uniq('key-eight')
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        commerce.checkout.placeOrder({ cartId, idempotencyKey: key, payment: { method: 'pm_card_visa' } }),
      ),
    )
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
    expect(results.every((r) => r.outcome === 'confirmed' && r.order.status === 'confirmed')).toBe(true)
    const orderId = results[0]!.order.id
    expect(await ordersOfCart(cartId)).toEqual([{ id: orderId, status: 'confirmed' }])
    expect(authorizationsOf(orderId)).toHaveLength(1)
    expect(
      await rows(sql`select from_status, to_status from souk.order_status_history where order_id = ${orderId}
        order by from_status nulls first`),
    ).toEqual([
      { from_status: null, to_status: 'pending_payment' },
      { from_status: 'pending_payment', to_status: 'confirmed' },
    ])
    expect(await commerce.inventory.available({ sku })).toBe(3)
    await checkInvariants()
  })

  it('a replay after the order was cancelled returns that order, and charges nothing again', async () => {
    const sku = await product(5, 1000)
    const cartId = await cartWith([{ sku, quantity: 2 }])
    const key = uniq('key-cancelled')
    const request = () =>
      commerce.checkout.placeOrder({ cartId, idempotencyKey: key, payment: { method: 'pm_card_visa' } })
    const first = await request()
    await commerce.orders.cancel({ orderId: first.order.id, reason: 'customer asked' })
    const replayed = await request()
    expect(replayed.order.id).toBe(first.order.id)
    expect(replayed.order.status).toBe('cancelled')
    expect(await ordersOfCart(cartId)).toEqual([{ id: first.order.id, status: 'cancelled' }])
    expect(authorizationsOf(first.order.id).map((p) => p.status)).toEqual(['voided'])
    expect(await commerce.inventory.available({ sku })).toBe(5)
    await checkInvariants()
  })

  it('a retry after the lease takes over a slow request: both answer the one order, paid once', async () => {
    const sku = await product(5, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const key = uniq('key-slow')
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let calls = 0
    let entered: () => void = () => undefined
    const inAuthorize = new Promise<void>((resolve) => {
      entered = resolve
    })
    const slow = another({
      payments: [
        withAuthorize(async (input) => {
          if (++calls === 1) {
            entered()
            await gate
          }
          return payments.authorize(input)
        }),
      ],
    })
    const request = () =>
      slow.checkout.placeOrder({ cartId, idempotencyKey: key, payment: { method: 'pm_card_visa' } })
    const first = request()
    await inAuthorize
    clock.advance(6000)
    const second = await request()
    release()
    const firstResult = await first
    expect(firstResult.order.id).toBe(second.order.id)
    expect([firstResult.outcome, second.outcome]).toEqual(['confirmed', 'confirmed'])
    expect(calls).toBe(2)
    expect(authorizationsOf(second.order.id)).toHaveLength(1)
    expect(await ordersOfCart(cartId)).toEqual([{ id: second.order.id, status: 'confirmed' }])
    expect(await commerce.inventory.available({ sku })).toBe(4)
    await checkInvariants()
  })

  it('an order cancelled while its request was gone: the retry after the lease reports it, without paying', async () => {
    const sku = await product(5, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const key = uniq('key-gone')
    const lost = another({
      payments: [
        withAuthorize(async () => {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
        }),
      ],
    })
    await expect(lost.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} })).rejects.toThrow()
    const [order] = await ordersOfCart(cartId)
    expect(order?.status).toBe('pending_payment')
    await commerce.orders.cancel({ orderId: order!.id })
    clock.advance(10_000)
    await expectCommerceError(
      commerce.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} }),
      'payment.failed',
    )
    expect(authorizationsOf(order!.id)).toEqual([])
    await expectCommerceError(
      commerce.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {} }),
      'payment.failed',
    )
    expect(await rows(sql`select status from souk.idempotency_keys where key = ${key}`)).toEqual([
      { status: 'completed' },
    ])
    await checkInvariants()
  })
})

describe('what placeOrder returns', () => {
  it('is the order storage holds, field for field, also with a clock that moves between calls', async () => {
    let t = clock.now().getTime()
    const tick = () => {
      t += 7
      return new Date(t)
    }
    const ticking = another({ clock: { now: tick } })
    const sku = await product(5, 1234)
    const other = await product(5, 99)
    const cartId = await cartWith([
      { sku, quantity: 2 },
      { sku: other, quantity: 1 },
    ])
    const placed = await ticking.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-returned'),
      payment: { method: 'pm_card_visa' },
    })
    const stored = await commerce.orders.get({ orderId: placed.order.id })
    expect(placed.order).toEqual(stored)
    await checkInvariants()
  })

  it('different keys racing for one cart: one order, the others told it was checked out', async () => {
    const sku = await product(10, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        commerce.checkout.placeOrder({ cartId, idempotencyKey: `one-cart-${cartId}-${i}`, payment: {} }),
      ),
    )
    expect(tally(results)).toEqual({ ok: 1, 'cart.checked_out': 5 })
    expect(await ordersOfCart(cartId)).toHaveLength(1)
    expect(await commerce.inventory.available({ sku })).toBe(9)
    await checkInvariants()
  })
})

describe('more paths through placeOrder', () => {
  it('a free order (100 % off) needs no provider: confirmed, stock committed, nothing authorized', async () => {
    const sku = await product(3, 800)
    const code = promoCode('FREE')
    const promo = await commerce.promotions.create({ code, kind: 'percentage', percent: '100' })
    const result = await commerce.checkout.placeOrder({
      cartId: await cartWith([{ sku, quantity: 2 }]),
      idempotencyKey: uniq('key-free'),
      payment: {},
      promoCode: code,
    })
    expect(result.outcome).toBe('confirmed')
    expect(result.order.totals.total).toEqual(usd(0))
    expect(result.order.paymentProvider).toBeNull()
    expect(authorizationsOf(result.order.id)).toEqual([])
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 1, reserved: 0, available: 1 },
    ])
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(1)
    await checkInvariants()
  })

  it('a promotion that ends between the read and begin is refused there, leaving nothing', async () => {
    const sku = await product(3, 1000)
    const code = promoCode('ENDS')
    const endsAt = new Date(clock.now().getTime() + 1000)
    const promo = await commerce.promotions.create({ code, kind: 'fixed', amount: usd(100), endsAt })
    const cartId = await cartWith([{ sku, quantity: 1 }])
    let duringPricing: (() => void) | null = () => clock.advance(2000)
    const inner = createRegionTaxCalculator({ rates: [] })
    const gated = another({
      tax: {
        async calculate(request) {
          const run = duringPricing
          duringPricing = null
          run?.()
          return inner.calculate(request)
        },
      },
    })
    const key = uniq('key-ends')
    await expectCommerceError(
      gated.checkout.placeOrder({ cartId, idempotencyKey: key, payment: {}, promoCode: code }),
      'promotion.expired',
      { endsAt },
    )
    expect(await ordersOfCart(cartId)).toEqual([])
    expect(await rows(sql`select 1 from souk.idempotency_keys where key = ${key}`)).toEqual([])
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(0)
    expect(await commerce.inventory.available({ sku })).toBe(3)
    await checkInvariants()
  })

  it('the same key racing 8 times on a declined card: one order, one attempt, the same error for all', async () => {
    const sku = await product(3, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const key = uniq('key-eight-declined')
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        commerce.checkout.placeOrder({
          cartId,
          idempotencyKey: key,
          payment: { method: 'pm_card_chargeDeclined' },
        }),
      ),
    )
    expect(tally(results)).toEqual({ 'payment.declined': 8 })
    const orders = await ordersOfCart(cartId)
    expect(orders.map((o) => o.status)).toEqual(['payment_failed'])
    expect(authorizationsOf(orders[0]!.id)).toHaveLength(1)
    expect(await commerce.inventory.available({ sku })).toBe(3)
    await checkInvariants()
  })

  it('two recoverers at once count each order once', async () => {
    const sku = await product(10, 1000)
    const crashing = another({
      payments: [
        withAuthorize(async (input) => {
          await payments.authorize(input)
          throw new Error('simulated crash after authorize')
        }),
      ],
    })
    // Other tests may have left orders for recovery (e.g. a deadlock victim): finish them first, so
    // the reports below are about these five only.
    await commerce.checkout.recover({ staleAfterMs: 0 })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const cartId = await cartWith([{ sku, quantity: 1 }])
      await expect(
        crashing.checkout.placeOrder({ cartId, idempotencyKey: uniq('key-recover'), payment: {} }),
      ).rejects.toThrow(/simulated crash after authorize/)
      ids.push((await ordersOfCart(cartId))[0]!.id)
    }
    const [a, b] = await Promise.all([
      commerce.checkout.recover({ staleAfterMs: 0 }),
      commerce.checkout.recover({ staleAfterMs: 0 }),
    ])
    expect(a.confirmed + b.confirmed).toBe(5)
    for (const orderId of ids) expect((await commerce.orders.get({ orderId })).status).toBe('confirmed')
    expect(await commerce.inventory.available({ sku })).toBe(5)
    await checkInvariants()
  })
})

describe('connections', () => {
  // A business refusal (SK001..SK005) leaves the connection usable: it goes back to the pool with
  // its prepared statements, instead of every refused checkout costing a new connection.
  it('business refusals keep their connection', async () => {
    // A small pool that never drops idle clients: every new connection is one the pool had to make.
    const pool = new pg.Pool({ connectionString: fixture.database.url, max: 2, idleTimeoutMillis: 0 })
    pool.on('error', () => undefined)
    let connects = 0
    pool.on('connect', () => {
      connects++
    })
    const local = createCommerce({
      storage: postgresStorage({ pool }),
      clock,
      logger: silentLogger,
      payments: [payments],
      unitsSold: false,
    })
    try {
      const sku = await product(1, 1000)
      const carts = await Promise.all(Array.from({ length: 10 }, () => cartWith([{ sku, quantity: 1 }])))
      await commerce.inventory.setStock({ sku, onHand: 0 })
      for (const [i, cartId] of carts.entries()) {
        await expectCommerceError(
          local.checkout.placeOrder({ cartId, idempotencyKey: `refused-${sku}-${i}`, payment: {} }),
          'inventory.insufficient_stock',
        )
      }
      expect(connects).toBeLessThanOrEqual(2)
    } finally {
      await local.close()
      await pool.end()
    }
  })
})

describe('webhooks', () => {
  it('3-D Secure, then the webhook confirms; a replay of the key then reports the confirmed order', async () => {
    const sku = await product(2, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const key = uniq('key-3ds')
    const request = () =>
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: key,
        payment: { method: 'pm_card_threeDSecure2Required' },
      })
    const first = await request()
    expect(first.outcome).toBe('requires_action')
    const [payment] = authorizationsOf(first.order.id)
    payments.takeWebhooks()
    const delivery = await payments.completeAction(payment!.paymentId, 'succeed')
    await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
    expect((await commerce.orders.get({ orderId: first.order.id })).status).toBe('confirmed')
    const replayed = await request()
    expect(replayed.order.id).toBe(first.order.id)
    expect(replayed.order.status).toBe('confirmed')
    // The key stored 'requires_action'; the replay answers with how the payment ended.
    expect(replayed.outcome).toBe('confirmed')
    expect(replayed.action).toBeNull()
    await checkInvariants()
  })

  it('a customer action finished (and its webhook applied) before placeOrder answers: the answer is the order as it ended', async () => {
    const sku = await product(3, 1000)
    let fast: Commerce | null = null
    let outcome: 'succeed' | 'fail' = 'succeed'
    const quick = withAuthorize(async (input) => {
      const state = await payments.authorize(input)
      payments.takeWebhooks()
      const delivery = await payments.completeAction(state.paymentId, outcome)
      await fast!.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
      return state
    })
    fast = another({ payments: [quick] })
    for (const end of ['succeed', 'fail'] as const) {
      outcome = end
      const cartId = await cartWith([{ sku, quantity: 1 }])
      const key = uniq('key-quick-action')
      const request = () =>
        fast!.checkout.placeOrder({
          cartId,
          idempotencyKey: key,
          payment: { method: 'pm_card_threeDSecure2Required' },
        })
      const first = await request().catch((e: unknown) => e)
      const again = await request().catch((e: unknown) => e)
      const [order] = await ordersOfCart(cartId)
      if (end === 'succeed') {
        expect(order!.status).toBe('confirmed')
        // What the request answers is what a replay of its key answers.
        expect(first).toMatchObject({ outcome: 'confirmed', order: { status: 'confirmed' } })
        expect(again).toMatchObject({ outcome: 'confirmed', order: { status: 'confirmed' } })
      } else {
        expect(order!.status).toBe('payment_failed')
        expect(isCommerceError(first)).toBe(true)
        expect(isCommerceError(again, (first as { code: string }).code as never)).toBe(true)
      }
    }
    await checkInvariants()
  })

  it('a failed customer action fails the order: stock, promotion and cart come back, the key answers the failure', async () => {
    const sku = await product(2, 1000)
    const code = promoCode('FAIL3DS')
    const promo = await commerce.promotions.create({ code, kind: 'fixed', amount: usd(100), usageLimit: 1 })
    const cartId = await cartWith([{ sku, quantity: 2 }])
    const key = uniq('key-3ds-fail')
    const first = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: key,
      payment: { method: 'pm_card_threeDSecure2Required' },
      promoCode: code,
    })
    expect(await commerce.inventory.available({ sku })).toBe(0)
    const [payment] = authorizationsOf(first.order.id)
    payments.takeWebhooks()
    const delivery = await payments.completeAction(payment!.paymentId, 'fail')
    await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
    expect((await commerce.orders.get({ orderId: first.order.id })).status).toBe('payment_failed')
    expect(await commerce.inventory.available({ sku })).toBe(2)
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(0)
    expect((await commerce.cart.get({ cartId })).orderId).toBeNull()
    // A new attempt on the reopened cart, with a new key, goes through.
    const second = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-3ds-fail-2'),
      payment: { method: 'pm_card_visa' },
      promoCode: code,
    })
    expect(second.order.id).not.toBe(first.order.id)
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(1)
    await checkInvariants()
  })

  it('a webhook for an order whose hold ran out: the order fails, the payment is voided, the promotion and cart come back', async () => {
    const sku = await product(1, 1000)
    const code = promoCode('LATE')
    const promo = await commerce.promotions.create({ code, kind: 'fixed', amount: usd(100), usageLimit: 1 })
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const result = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-late'),
      payment: { method: 'pm_card_threeDSecure2Required' },
      promoCode: code,
    })
    expect(result.outcome).toBe('requires_action')
    clock.advance(16 * 60_000)
    const [payment] = authorizationsOf(result.order.id)
    payments.takeWebhooks()
    const delivery = await payments.completeAction(payment!.paymentId, 'succeed')
    await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
    expect((await commerce.orders.get({ orderId: result.order.id })).status).toBe('payment_failed')
    expect(authorizationsOf(result.order.id).map((p) => p.status)).toEqual(['voided'])
    expect(await commerce.inventory.available({ sku })).toBe(1)
    expect((await commerce.promotions.get({ promotionId: promo.id })).timesUsed).toBe(0)
    expect((await commerce.cart.get({ cartId })).orderId).toBeNull()
    await checkInvariants()
  })

  it('a webhook after expiry already released the hold: the order fails and the payment is voided', async () => {
    const sku = await product(1, 1000)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const result = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: uniq('key-expired'),
      payment: { method: 'pm_card_threeDSecure2Required' },
    })
    clock.advance(16 * 60_000)
    await commerce.inventory.releaseExpired()
    expect(await commerce.inventory.available({ sku })).toBe(1)
    const [payment] = authorizationsOf(result.order.id)
    payments.takeWebhooks()
    const delivery = await payments.completeAction(payment!.paymentId, 'succeed')
    await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
    expect((await commerce.orders.get({ orderId: result.order.id })).status).toBe('payment_failed')
    expect(authorizationsOf(result.order.id).map((p) => p.status)).toEqual(['voided'])
    expect(await commerce.inventory.available({ sku })).toBe(1)
    await checkInvariants()
  })

  it('the provider webhook racing the request that authorized: the order is confirmed once', async () => {
    const sku = await product(50, 1000)
    let deliverDuring: 'before' | 'concurrently' = 'before'
    let raced: Commerce | null = null
    const racing = withAuthorize(async (input) => {
      const state = await payments.authorize(input)
      const mine = payments.takeWebhooks().filter((w) => w.rawBody.includes(input.orderId))
      const deliver = () =>
        Promise.all(mine.map((w) => raced!.checkout.handlePaymentWebhook({ provider: payments.id, ...w })))
      if (deliverDuring === 'before') await deliver()
      else void deliver().catch(() => undefined)
      return state
    })
    raced = another({ payments: [racing] })
    const orderIds: string[] = []
    for (let i = 0; i < 10; i++) {
      deliverDuring = i % 2 === 0 ? 'before' : 'concurrently'
      const result = await raced.checkout.placeOrder({
        cartId: await cartWith([{ sku, quantity: 1 }]),
        idempotencyKey: uniq('key-webhook-race'),
        payment: { method: 'pm_card_visa' },
      })
      expect(result.outcome).toBe('confirmed')
      orderIds.push(result.order.id)
    }
    await new Promise((r) => setTimeout(r, 200))
    const history = await rows<{ order_id: string; n: string }>(sql`
      select order_id, count(*) as n from souk.order_status_history
      where order_id in (${sql.join(orderIds)}) group by order_id`)
    expect(history.map((h) => h.n)).toEqual(orderIds.map(() => '2'))
    const sold = await rows<{ n: string }>(sql`
      select count(*) as n from souk.outbox where topic = 'catalog.units_sold' and key in (${sql.join(orderIds)})`)
    expect(Number(sold[0]!.n)).toBe(10)
    expect(await commerce.inventory.available({ sku })).toBe(40)
    await checkInvariants()
  })
})

/** The shared test provider with another `authorize`. */
function withAuthorize(authorize: PaymentProvider['authorize']): PaymentProvider {
  const { id, findByOrderLagMs, findByOrder, status, capture, refund, parseWebhook } = payments
  return {
    id,
    findByOrderLagMs,
    authorize,
    findByOrder,
    status,
    void: payments.void,
    capture,
    refund,
    parseWebhook,
  }
}
