import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import { type FlashSales, redisFlashSales } from '@souk/adapters-redis'
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
import { type RedisFixture, redisFixture } from './support.js'

// A flash sale with a price, end to end on real Postgres and Redis: only a buyer holding a ticket
// the gate issued to them pays the sale price, and the price comes from the gate, never the client.

const START = new Date('2032-05-01T12:00:00.000Z')
const HOUR = 60 * 60 * 1000
const usd = (amount: number) => ({ amount, currency: 'USD' })

let database: TestDatabase
let storage: PostgresStorage
let fixture: RedisFixture
let clock: ManualClock
let sales: FlashSales
let commerce: Commerce
let n = 0

beforeAll(async () => {
  database = await createTestDatabase('flash_prices')
  storage = postgresStorage({ connectionString: database.url, poolSize: 8 })
  fixture = redisFixture()
  clock = createManualClock(START)
  sales = redisFlashSales({ redis: fixture.client(), prefix: fixture.prefix(), clock })
  commerce = createCommerce({
    storage,
    clock,
    logger: silentLogger,
    payments: [createTestPaymentProvider()],
    flashSales: sales,
    unitsSold: false,
    stockStatus: false,
  })
  await commerce.migrate()
})
afterAll(async () => {
  await commerce?.close()
  await database?.drop()
  await fixture?.close()
})

/** A product at 2000, a sale of it at 999 for an hour from now, and its id. */
async function drop(quantity = 5) {
  const sku = `DROP-${++n}`
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [usd(2000)] }],
  })
  await commerce.inventory.setStock({ sku, onHand: 100 })
  const saleId = `sale-${n}`
  const sale = await sales.createSale({
    saleId,
    sku,
    quantity,
    perCustomerLimit: 2,
    endsAt: new Date(clock.now().getTime() + HOUR),
    price: usd(999),
  })
  expect(sale.price).toEqual(usd(999))
  return { sku, saleId }
}

async function checkout(input: {
  sku: string
  quantity?: number
  customerId?: string
  tickets?: { saleId: string; ticketId: string }[]
  key?: string
}) {
  const cart = await commerce.cart.create({
    currency: 'USD',
    email: 'buyer@example.com',
    ...(input.customerId ? { customerId: input.customerId } : {}),
  })
  await commerce.cart.addItem({
    cartId: cart.id,
    sku: input.sku,
    quantity: input.quantity ?? 1,
    ...(input.customerId ? { customerId: input.customerId } : {}),
  })
  return commerce.checkout.placeOrder({
    cartId: cart.id,
    idempotencyKey: input.key ?? `flash-${++n}-${Date.now()}`,
    payment: { method: 'pm_card_visa' },
    ...(input.customerId ? { customerId: input.customerId } : {}),
    ...(input.tickets ? { flashSaleTickets: input.tickets } : {}),
  })
}

describe('flash-sale price at checkout', () => {
  it('charges the sale price to a buyer with a ticket, and the regular price to everyone else', async () => {
    const { sku, saleId } = await drop()
    const { ticket } = await sales.admit({ saleId, customerId: 'cus_winner' })
    expect(ticket.price).toEqual(usd(999))
    const won = await checkout({ sku, customerId: 'cus_winner', tickets: [{ saleId, ticketId: ticket.id }] })
    expect(won.order.lines[0]!.unitPrice).toEqual(usd(999))
    expect(won.order.totals.total).toEqual(usd(999))
    const other = await checkout({ sku, customerId: 'cus_other' })
    expect(other.order.lines[0]!.unitPrice).toEqual(usd(2000))
    const guest = await checkout({ sku })
    expect(guest.order.lines[0]!.unitPrice).toEqual(usd(2000))
  })

  it('refuses forged, foreign and spent tickets, and a guest, writing no order', async () => {
    const { sku, saleId } = await drop()
    const { ticket } = await sales.admit({ saleId, customerId: 'cus_a' })
    const ordersBefore = await storage.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    const refused: [Parameters<typeof checkout>[0], string][] = [
      [
        { sku, customerId: 'cus_a', tickets: [{ saleId, ticketId: 'fst_FORGED0000000000000000000' }] },
        'flashSaleTickets.0',
      ],
      [{ sku, customerId: 'cus_b', tickets: [{ saleId, ticketId: ticket.id }] }, 'flashSaleTickets.0'],
      [
        { sku, customerId: 'cus_a', tickets: [{ saleId: 'no-such-sale', ticketId: ticket.id }] },
        'flashSaleTickets.0',
      ],
      [{ sku, tickets: [{ saleId, ticketId: ticket.id }] }, 'customerId'],
    ]
    for (const [input, path] of refused) {
      const error = await expectCommerceError(checkout(input), 'validation.failed')
      expect((error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path)
    }
    const ordersAfter = await storage.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(ordersAfter.n)).toBe(Number(ordersBefore.n))
    // The rightful owner still gets the price, once; a second checkout with the ticket is refused.
    const key = `owner-${++n}`
    const first = await checkout({
      sku,
      customerId: 'cus_a',
      tickets: [{ saleId, ticketId: ticket.id }],
      key,
    })
    expect(first.order.lines[0]!.unitPrice).toEqual(usd(999))
    await expectCommerceError(
      checkout({ sku, customerId: 'cus_a', tickets: [{ saleId, ticketId: ticket.id }] }),
      'validation.failed',
    )
  })

  it('needs one ticket per unit, and gives the tickets back when checkout refuses the order', async () => {
    const { sku, saleId } = await drop()
    const one = (await sales.admit({ saleId, customerId: 'cus_two' })).ticket
    const two = (await sales.admit({ saleId, customerId: 'cus_two' })).ticket
    // Two units, one ticket: refused, and the ticket is not spent by it.
    await expectCommerceError(
      checkout({ sku, quantity: 2, customerId: 'cus_two', tickets: [{ saleId, ticketId: one.id }] }),
      'validation.failed',
    )
    const both = await checkout({
      sku,
      quantity: 2,
      customerId: 'cus_two',
      tickets: [
        { saleId, ticketId: one.id },
        { saleId, ticketId: two.id },
      ],
    })
    expect(both.order.lines[0]!.unitPrice).toEqual(usd(999))
    expect(both.order.totals.subtotal).toEqual(usd(1998))
  })

  it('honours tickets a grace period after the sale ends, not after; a released admission voids its ticket', async () => {
    const { sku, saleId } = await drop()
    const late = (await sales.admit({ saleId, customerId: 'cus_late' })).ticket
    const kept = (await sales.admit({ saleId, customerId: 'cus_released' })).ticket
    await sales.release({ saleId, customerId: 'cus_released' })
    await expectCommerceError(
      checkout({ sku, customerId: 'cus_released', tickets: [{ saleId, ticketId: kept.id }] }),
      'validation.failed',
    )
    clock.advance(HOUR + 15 * 60_000) // the end plus the default 15-minute grace
    await expectCommerceError(
      checkout({ sku, customerId: 'cus_late', tickets: [{ saleId, ticketId: late.id }] }),
      'validation.failed',
    )
    clock.advance(-60_000) // within the grace
    const paid = await checkout({ sku, customerId: 'cus_late', tickets: [{ saleId, ticketId: late.id }] })
    expect(paid.order.lines[0]!.unitPrice).toEqual(usd(999))
    clock.set(START)
  })

  it('replays a retried checkout with the same key and tickets', async () => {
    const { sku, saleId } = await drop()
    const { ticket } = await sales.admit({ saleId, customerId: 'cus_retry' })
    const cart = await commerce.cart.create({
      currency: 'USD',
      customerId: 'cus_retry',
      email: 'r@example.com',
    })
    await commerce.cart.addItem({ cartId: cart.id, customerId: 'cus_retry', sku, quantity: 1 })
    const input = {
      cartId: cart.id,
      customerId: 'cus_retry',
      idempotencyKey: `retry-${++n}`,
      payment: { method: 'pm_card_visa' },
      flashSaleTickets: [{ saleId, ticketId: ticket.id }],
    }
    const [a, b] = await Promise.all([
      commerce.checkout.placeOrder(input),
      commerce.checkout.placeOrder(input),
    ])
    expect(b.order.id).toBe(a.order.id)
    expect(a.order.lines[0]!.unitPrice).toEqual(usd(999))
  })

  it('refuses tickets when no gate is configured', async () => {
    const bare = createCommerce({
      storage,
      clock,
      logger: silentLogger,
      payments: [createTestPaymentProvider()],
      unitsSold: false,
      stockStatus: false,
    })
    const { sku, saleId } = await drop()
    const { ticket } = await sales.admit({ saleId, customerId: 'cus_bare' })
    const cart = await bare.cart.create({ currency: 'USD', customerId: 'cus_bare', email: 'b@example.com' })
    await bare.cart.addItem({ cartId: cart.id, customerId: 'cus_bare', sku, quantity: 1 })
    await expectCommerceError(
      bare.checkout.placeOrder({
        cartId: cart.id,
        customerId: 'cus_bare',
        idempotencyKey: `bare-key-${++n}`,
        payment: { method: 'pm_card_visa' },
        flashSaleTickets: [{ saleId, ticketId: ticket.id }],
      }),
      'config.invalid',
    )
  })
})
