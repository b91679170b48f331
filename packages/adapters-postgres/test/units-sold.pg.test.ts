import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  createUnitsSoldApplier,
  isCommerceError,
  type ManualClock,
  type OrderRecord,
  type Storage,
  silentLogger,
  type TestPaymentProvider,
  UNITS_SOLD_TOPIC,
} from '@souk/core'
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
  fixture = await postgresFixture('units_sold', 30)
  clock = createManualClock(new Date('2026-04-01T09:00:00Z'))
  payments = createTestPaymentProvider({ clock, captureMethod: 'automatic' })
  // No background applier here: every test applies with syncUnitsSold and checks exact counts.
  commerce = createCommerce({
    storage: fixture.storage,
    clock,
    logger: silentLogger,
    payments: [payments],
    unitsSold: false,
  })
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

async function product(stock = 100): Promise<{ id: string; sku: string }> {
  const sku = uniq('US')
  const created = await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Product ${sku}`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 1000, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: stock })
  return { id: created.id, sku }
}

/** Read from the table: getProduct is cached and would hide the change. */
async function unitsSold(productId: string): Promise<number> {
  const { rows } = await sql<{ units_sold: string }>`
    select units_sold::text from souk.products where id = ${productId}`.execute(fixture.storage.db)
  return Number(rows[0]!.units_sold)
}

async function searchMessages(productId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*)::text as n from souk.outbox where topic = 'search.product' and key = ${productId}`.execute(
    fixture.storage.db,
  )
  return Number(rows[0]!.n)
}

async function unitsSoldMessages(orderId: string): Promise<unknown[]> {
  const { rows } = await sql<{ payload: unknown }>`
    select payload from souk.outbox where topic = ${UNITS_SOLD_TOPIC} and key = ${orderId} order by id`.execute(
    fixture.storage.db,
  )
  return rows.map((r) => r.payload)
}

/** What the new checkout writes when it confirms an order. */
async function sale(orderId: string, lines: { sku: string; quantity: number }[]) {
  await fixture.storage.outbox.enqueue({
    messages: [{ topic: UNITS_SOLD_TOPIC, key: orderId, payload: { lines } }],
    now: clock.now(),
  })
}

async function buy(customerId: string, lines: { sku: string; quantity: number }[], method = 'pm_card_visa') {
  const cart = await commerce.cart.create({ currency: 'USD', customerId, email: 'c@example.com' })
  for (const line of lines) await commerce.cart.addItem({ cartId: cart.id, customerId, ...line })
  const placed = await commerce.checkout.placeOrder({
    cartId: cart.id,
    customerId,
    idempotencyKey: uniq('idem-key'),
    payment: { method },
  })
  return placed.order
}

async function deliver(order: OrderRecord) {
  for (const to of ['processing', 'shipped', 'delivered'] as const)
    await commerce.orders.transition({ orderId: order.id, to })
}

describe('units sold from the outbox, on real Postgres', () => {
  it('applies sale messages in one batch, summed per SKU, with one search refresh per product', async () => {
    const a = await product()
    const b = await product()
    const searchBefore = await searchMessages(a.id)
    await sale('ord_us_1', [
      { sku: a.sku, quantity: 2 },
      { sku: b.sku, quantity: 1 },
    ])
    await sale('ord_us_2', [{ sku: a.sku, quantity: 3 }])
    await sale('ord_us_3', [{ sku: 'NO-SUCH-SKU', quantity: 4 }])
    expect(await unitsSold(a.id)).toBe(0)

    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 3 })
    expect(await unitsSold(a.id)).toBe(5)
    expect(await unitsSold(b.id)).toBe(1)
    // Popularity is in the search document: one refresh for the batch, not one per message.
    expect(await searchMessages(a.id)).toBe(searchBefore + 1)
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 0 })
    expect(await unitsSold(a.id)).toBe(5)
  })

  it('sums messages from 50 concurrent orders exactly, with several appliers at once', async () => {
    const hot = await product()
    const others = await Promise.all(Array.from({ length: 5 }, () => product()))
    const appliers = Array.from({ length: 3 }, () =>
      createUnitsSoldApplier({ storage: fixture.storage, clock, logger: silentLogger }),
    )
    let writing = true
    const applying = appliers.map(async (applier) => {
      let applied = 0
      while (writing) applied += (await applier.sync({ batchSize: 7 })).applied
      return applied
    })
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        sale(`ord_us_conc_${i}`, [
          { sku: others[i % 5]!.sku, quantity: 1 },
          { sku: hot.sku, quantity: (i % 3) + 1 },
        ]),
      ),
    )
    writing = false
    const counted = (await Promise.all(applying)).reduce((x, y) => x + y, 0)
    const rest = await commerce.catalog.syncUnitsSold()
    expect(counted + rest.applied).toBe(50)
    // 17 orders of 1, 17 of 2, 16 of 3.
    expect(await unitsSold(hot.id)).toBe(17 + 34 + 48)
    for (const other of others) expect(await unitsSold(other.id)).toBe(10)
  })

  it('takes back the units of a cancelled paid order; an unpaid cancel writes nothing', async () => {
    const p = await product()
    const paid = await buy('cus_ulla', [{ sku: p.sku, quantity: 3 }])
    expect(paid.status).toBe('confirmed')
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(3)

    await commerce.orders.cancel({ orderId: paid.id, customerId: 'cus_ulla' })
    expect(await unitsSoldMessages(paid.id)).toContainEqual({ lines: [{ sku: p.sku, quantity: -3 }] })
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(0)
    // Cancelling again moves nothing and takes nothing back twice.
    await commerce.orders.cancel({ orderId: paid.id, customerId: 'cus_ulla' })
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 0 })

    const unpaid = await buy('cus_ulla', [{ sku: p.sku, quantity: 2 }], 'pm_card_threeDSecure2Required')
    expect(unpaid.status).toBe('pending_payment')
    await commerce.orders.cancel({ orderId: unpaid.id, customerId: 'cus_ulla' })
    expect(await unitsSoldMessages(unpaid.id)).toEqual([])
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(0)
  })

  it('takes back returned units, restocked or not, so only kept sales count', async () => {
    const p = await product()
    const q = await product()
    const order = await buy('cus_vik', [
      { sku: p.sku, quantity: 3 },
      { sku: q.sku, quantity: 2 },
    ])
    await deliver(order)
    const lineOf = (sku: string) => order.lines.find((l) => l.sku === sku)!.id
    await commerce.orders.receiveReturn({
      orderId: order.id,
      lines: [{ lineId: lineOf(p.sku), quantity: 1 }],
    })
    await commerce.orders.receiveReturn({
      orderId: order.id,
      lines: [{ lineId: lineOf(q.sku), quantity: 2 }],
      restock: false,
    })
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(2)
    expect(await unitsSold(q.id)).toBe(0)
    expect(await unitsSoldMessages(order.id)).toEqual(
      expect.arrayContaining([
        { lines: [{ sku: p.sku, quantity: -1 }] },
        { lines: [{ sku: q.sku, quantity: -2 }] },
      ]),
    )
  })

  it('never takes units sold below 0', async () => {
    const p = await product()
    await sale('ord_us_floor_1', [{ sku: p.sku, quantity: 2 }])
    await commerce.catalog.syncUnitsSold()
    await sale('ord_us_floor_2', [{ sku: p.sku, quantity: -5 }])
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(0)
    await sale('ord_us_floor_3', [{ sku: p.sku, quantity: 1 }])
    await commerce.catalog.syncUnitsSold()
    expect(await unitsSold(p.id)).toBe(1)
  })

  it('counts a message once when a worker dies between claim and ack', async () => {
    const p = await product()
    await sale('ord_us_crash', [{ sku: p.sku, quantity: 4 }])
    // The "worker" claims under a short lease, then dies: no ack, no fail.
    const claimed = await fixture.storage.outbox.claim({
      topic: UNITS_SOLD_TOPIC,
      limit: 100,
      leaseMs: 1000,
      now: clock.now(),
    })
    expect(claimed.map((m) => m.key)).toContain('ord_us_crash')
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 0 })
    clock.advance(1001)
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: claimed.length })
    expect(await unitsSold(p.id)).toBe(4)
    clock.advance(60_000)
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 0 })
    expect(await unitsSold(p.id)).toBe(4)
  })

  it('a worker that outlived its lease rolls back instead of counting twice', async () => {
    const p = await product()
    await sale('ord_us_slow', [{ sku: p.sku, quantity: 6 }])
    // A slow worker: it claims, then stalls before its transaction until released.
    let release!: () => void
    const stalled = new Promise<void>((resolve) => {
      release = resolve
    })
    let claimedBySlow!: () => void
    const slowClaimed = new Promise<void>((resolve) => {
      claimedBySlow = resolve
    })
    const slowStorage: Pick<Storage, 'outbox' | 'transaction'> = {
      outbox: fixture.storage.outbox,
      async transaction(work) {
        claimedBySlow()
        await stalled
        return fixture.storage.transaction(work)
      },
    }
    const slow = createUnitsSoldApplier({ storage: slowStorage, clock, logger: silentLogger, leaseMs: 1000 })
    const slowRun = slow.sync().then(
      () => 'resolved',
      (e: unknown) => (isCommerceError(e) ? e.code : String(e)),
    )
    await slowClaimed
    clock.advance(1001)
    // Its lease ran out: another worker takes the message over and applies it.
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 1 })
    release()
    expect(await slowRun).toBe('conflict')
    expect(await unitsSold(p.id)).toBe(6)
  })

  it('retries a malformed message with backoff without holding back the others', async () => {
    const p = await product()
    await fixture.storage.outbox.enqueue({
      messages: [
        { topic: UNITS_SOLD_TOPIC, key: 'ord_us_bad', payload: { lines: [{ sku: p.sku, quantity: 0 }] } },
      ],
      now: clock.now(),
    })
    await sale('ord_us_good', [{ sku: p.sku, quantity: 2 }])
    expect(await commerce.catalog.syncUnitsSold()).toEqual({ applied: 1 })
    expect(await unitsSold(p.id)).toBe(2)
    const { rows } = await sql<{ last_error: string | null; available_at: Date }>`
      select last_error, available_at from souk.outbox where key = 'ord_us_bad'`.execute(fixture.storage.db)
    expect(rows[0]!.last_error).toMatch(/malformed catalog\.units_sold payload/)
    expect(rows[0]!.available_at.getTime()).toBeGreaterThan(clock.now().getTime())
    // Clear it so later tests start from an empty topic.
    await sql`update souk.outbox set processed_at = now() where key = 'ord_us_bad'`.execute(
      fixture.storage.db,
    )
  })

  it('the default poller applies sales within its interval and stops on close', async () => {
    const p = await product()
    const polling = createCommerce({
      storage: fixture.storage,
      logger: silentLogger,
      unitsSold: { intervalMs: 50 },
    })
    try {
      // The poller starts once the schema is there: migrate() (a no-op here) says so.
      await polling.migrate()
      await fixture.storage.outbox.enqueue({
        messages: [
          { topic: UNITS_SOLD_TOPIC, key: 'ord_us_poll', payload: { lines: [{ sku: p.sku, quantity: 7 }] } },
        ],
        now: new Date(),
      })
      const deadline = Date.now() + 5000
      while ((await unitsSold(p.id)) !== 7 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25))
      expect(await unitsSold(p.id)).toBe(7)
    } finally {
      await polling.close()
    }
  })
})
