import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  isCommerceError,
  type ManualClock,
  PaymentError,
  type PaymentProvider,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { NO_STOCK_VIOLATIONS, stockInvariantViolations } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture } from './support.js'

let fixture: Awaited<ReturnType<typeof postgresFixture>>
let commerce: Commerce
let clock: ManualClock
let payments: TestPaymentProvider
let n = 0
const uniq = (p: string) => `${p}-${++n}`

beforeAll(async () => {
  fixture = await postgresFixture('checkout', 40)
  clock = createManualClock(new Date('2026-03-02T10:00:00Z'))
  payments = createTestPaymentProvider({ clock })
  commerce = createCommerce({ storage: fixture.storage, clock, logger: silentLogger, payments: [payments] })
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

async function product(stock: number, priceCents = 2500): Promise<string> {
  const sku = uniq('SKU')
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Product ${sku}`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: priceCents, currency: 'USD' }], weightGrams: 200 }],
  })
  await commerce.inventory.setStock({ sku, onHand: stock })
  return sku
}

async function cartWith(lines: { sku: string; quantity: number }[], c: Commerce = commerce) {
  const cart = await c.cart.create({ currency: 'USD', email: 'shopper@example.com' })
  for (const line of lines) await c.cart.addItem({ cartId: cart.id, ...line })
  return cart.id
}

async function orderCount(status?: string): Promise<number> {
  const { rows } = await sql<{
    n: string
  }>`select count(*) as n from souk.orders where ${status ? sql`status = ${status}` : sql`true`}`.execute(
    fixture.storage.db,
  )
  return Number(rows[0]?.n)
}

/** The invariants of SPEC.md, in SQL over the whole database. */
async function checkInvariants() {
  expect(await stockInvariantViolations(fixture.database.url)).toEqual(NO_STOCK_VIOLATIONS)
}

describe('checkout on real Postgres', () => {
  it('places an order: snapshot prices, commit stock, record payment, replay by key', async () => {
    const sku = await product(5, 1999)
    const cartId = await cartWith([{ sku, quantity: 2 }])
    const result = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-happy-1',
      payment: { method: 'pm_card_visa' },
    })
    expect(result.outcome).toBe('confirmed')
    expect(result.order.status).toBe('confirmed')
    expect(result.order.totals.total).toEqual({ amount: 3998, currency: 'USD' })
    expect(result.order.lines[0]).toMatchObject({
      sku,
      quantity: 2,
      unitPrice: { amount: 1999, currency: 'USD' },
    })
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 3, reserved: 0, available: 3 },
    ])
    const records = await fixture.storage.payments.listByOrder(result.order.id)
    expect(records.map((r) => r.state.status)).toEqual(['authorized'])
    const again = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-happy-1',
      payment: { method: 'pm_card_visa' },
    })
    expect(again.order.id).toBe(result.order.id)
    expect(payments.payments().filter((p) => p.orderId === result.order.id)).toHaveLength(1)
    await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-happy-1',
        payment: { method: 'pm_card_amex' },
      }),
      'idempotency.conflict',
    )
    await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-happy-2',
        payment: { method: 'pm_card_visa' },
      }),
      'cart.checked_out',
    )
    await checkInvariants()
  })

  it('two racing requests with one key create one order and one authorization', async () => {
    const sku = await product(5)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const request = () =>
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-race-1',
        payment: { method: 'pm_card_visa' },
      })
    const results = await Promise.all([request(), request(), request(), request()])
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
    expect(payments.payments().filter((p) => p.orderId === results[0]!.order.id)).toHaveLength(1)
    const { rows } = await sql<{
      n: string
    }>`select count(*) as n from souk.orders where cart_id = ${cartId}`.execute(fixture.storage.db)
    expect(Number(rows[0]?.n)).toBe(1)
  })

  it('a declined payment leaves stock as before and the cart open', async () => {
    const sku = await product(4)
    const cartId = await cartWith([{ sku, quantity: 3 }])
    await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-decline-1',
        payment: { method: 'pm_card_chargeDeclined' },
      }),
      'payment.declined',
    )
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 4, reserved: 0, available: 4 },
    ])
    const { rows } = await sql<{
      status: string
    }>`select status from souk.orders where cart_id = ${cartId}`.execute(fixture.storage.db)
    expect(rows.map((r) => r.status)).toEqual(['payment_failed'])
    const replayed = await expectCommerceError(
      commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-decline-1',
        payment: { method: 'pm_card_chargeDeclined' },
      }),
      'payment.declined',
    )
    expect(replayed).toBeInstanceOf(PaymentError)
    const retry = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-decline-2',
      payment: { method: 'pm_card_visa' },
    })
    expect(retry.outcome).toBe('confirmed')
    await checkInvariants()
  })

  it('300 concurrent checkouts for the last 100 units confirm exactly 100', async () => {
    const sku = await product(100)
    const carts = await Promise.all(Array.from({ length: 300 }, () => cartWith([{ sku, quantity: 1 }])))
    const before = await orderCount('confirmed')
    const results = await Promise.allSettled(
      carts.map((cartId, i) =>
        commerce.checkout.placeOrder({
          cartId,
          idempotencyKey: `key-rush-${i}`,
          payment: { method: 'pm_card_visa' },
        }),
      ),
    )
    const confirmed = results.filter((r) => r.status === 'fulfilled')
    const short = results.filter(
      (r) => r.status === 'rejected' && isCommerceError(r.reason, 'inventory.insufficient_stock'),
    )
    const other = results.filter(
      (r) => r.status === 'rejected' && !isCommerceError(r.reason, 'inventory.insufficient_stock'),
    )
    expect(other.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    expect(confirmed).toHaveLength(100)
    expect(short).toHaveLength(200)
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 0, reserved: 0, available: 0 },
    ])
    expect((await orderCount('confirmed')) - before).toBe(100)
    expect(await orderCount('pending_payment')).toBe(0)
    await checkInvariants()
  }, 120_000)

  it('a crash between authorize and confirm is finished by recover(): no orphan, no charge without an order', async () => {
    const sku = await product(3)
    const cartId = await cartWith([{ sku, quantity: 2 }])
    const crashed = createCommerceWithCrash()
    await expect(
      crashed.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-crash-1',
        payment: { method: 'pm_card_visa' },
      }),
    ).rejects.toThrow(/simulated crash/)
    const { rows } = await sql<{
      id: string
      status: string
    }>`select id, status from souk.orders where cart_id = ${cartId}`.execute(fixture.storage.db)
    expect(rows.map((r) => r.status)).toEqual(['pending_payment'])
    expect(
      payments
        .payments()
        .filter((p) => p.orderId === rows[0]!.id)
        .map((p) => p.status),
    ).toEqual(['authorized'])
    const report = await commerce.checkout.recover({ staleAfterMs: 0 })
    expect(report.confirmed).toBeGreaterThanOrEqual(1)
    const order = await commerce.orders.get({ orderId: rows[0]!.id })
    expect(order.status).toBe('confirmed')
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 1, reserved: 0, available: 1 },
    ])
    // The customer's retry with the same key now gets the finished order.
    const retried = await crashed.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-crash-1',
      payment: { method: 'pm_card_visa' },
    })
    expect(retried.order.id).toBe(order.id)
    await checkInvariants()
  })

  it('an order whose payment never went through is failed by recover() and its stock released', async () => {
    const sku = await product(2)
    const unreachable = withAuthorize(async () => {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    })
    const flaky = createCommerce({
      storage: fixture.storage,
      clock,
      logger: silentLogger,
      payments: [unreachable],
    })
    const cartId = await cartWith([{ sku, quantity: 2 }])
    await expect(
      flaky.checkout.placeOrder({
        cartId,
        idempotencyKey: 'key-lost-1',
        payment: { method: 'pm_card_visa' },
      }),
    ).rejects.toThrow()
    expect(await commerce.inventory.available({ sku })).toBe(0)
    const report = await commerce.checkout.recover({ staleAfterMs: 0 })
    expect(report.failed).toBeGreaterThanOrEqual(1)
    expect(await commerce.inventory.available({ sku })).toBe(2)
    const cart = await commerce.cart.get({ cartId })
    expect(cart.lines).toHaveLength(1)
    await checkInvariants()
  })

  it('3-D Secure holds the stock until the webhook confirms, and applies the webhook once', async () => {
    const sku = await product(2)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const result = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-3ds-1',
      payment: { method: 'pm_card_threeDSecure2Required' },
    })
    expect(result.outcome).toBe('requires_action')
    expect(result.order.status).toBe('pending_payment')
    expect(await commerce.inventory.available({ sku })).toBe(1)
    const [payment] = payments.payments().filter((p) => p.orderId === result.order.id)
    const delivery = await payments.completeAction(payment!.paymentId, 'succeed')
    expect(await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })).toEqual({
      applied: true,
    })
    expect(await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })).toEqual({
      applied: false,
    })
    expect((await commerce.orders.get({ orderId: result.order.id })).status).toBe('confirmed')
    expect(await commerce.inventory.getLevels({ sku })).toEqual([
      { sku, locationId: 'default', onHand: 1, reserved: 0, available: 1 },
    ])
    await expectCommerceError(
      commerce.checkout.handlePaymentWebhook({
        provider: payments.id,
        rawBody: delivery.rawBody,
        headers: {},
      }),
      'validation.failed',
    )
    await checkInvariants()
  })

  it('an abandoned 3-D Secure payment is voided and its stock released after the hold expires', async () => {
    const sku = await product(1)
    const cartId = await cartWith([{ sku, quantity: 1 }])
    const result = await commerce.checkout.placeOrder({
      cartId,
      idempotencyKey: 'key-3ds-2',
      payment: { method: 'pm_card_threeDSecure2Required' },
    })
    expect(result.outcome).toBe('requires_action')
    expect((await commerce.checkout.recover({ staleAfterMs: 0 })).stillWaiting).toBeGreaterThanOrEqual(1)
    clock.advance(16 * 60_000)
    await commerce.checkout.recover({ staleAfterMs: 0 })
    expect((await commerce.orders.get({ orderId: result.order.id })).status).toBe('payment_failed')
    expect(await commerce.inventory.available({ sku })).toBe(1)
    expect(
      payments
        .payments()
        .filter((p) => p.orderId === result.order.id)
        .map((p) => p.status),
    ).toEqual(['voided'])
    await checkInvariants()
  })
})

/** The shared test provider with another `authorize`: a lost connection, or a crash after it. */
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

function createCommerceWithCrash(): Commerce {
  return createCommerce({
    storage: fixture.storage,
    clock,
    logger: silentLogger,
    payments: [
      withAuthorize(async (input) => {
        await payments.authorize(input)
        throw new Error('simulated crash after authorize')
      }),
    ],
  })
}
