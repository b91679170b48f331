import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type DeliveredEvent,
  defineSubscriber,
  idPattern,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { createTestDatabase } from '@souk/test-harness'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { soukMigrations } from '../src/migrations/souk-migrations.js'
import { eventHorizonPassed } from './event-horizon.js'
import { pgliteFixture, postgresFixture } from './support.js'

type Signal = DeliveredEvent<'inventory.low_stock' | 'inventory.back_in_stock'>

let fixture: Awaited<ReturnType<typeof postgresFixture>>
let commerce: Commerce
let clock: ManualClock
const delivered: Signal[] = []
let n = 0
const uniq = (p: string) => `${p}-${++n}`

beforeAll(async () => {
  fixture = await postgresFixture('stock_signals', 30)
  clock = createManualClock(new Date('2032-03-01T10:00:00.000Z'))
  commerce = createCommerce({
    storage: fixture.storage,
    clock,
    logger: silentLogger,
    unitsSold: false,
    relay: false,
    payments: [createTestPaymentProvider({ clock, latencyMs: 0 })],
  })
  await commerce.subscribers.add(
    defineSubscriber({
      name: 'stock-signals',
      events: ['inventory.low_stock', 'inventory.back_in_stock'],
      handle: (e) => void delivered.push(e),
    }),
  )
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

/**
 * The signals committed since the last call, as delivered (`signals`: their data, dates as ISO
 * strings). The relay passes an event once no older transaction runs on the server (whatever its
 * database), so this first waits for that horizon to pass the newest event: another suite's long
 * transaction on the same server holds it back for a while.
 */
async function delivery(): Promise<Signal[]> {
  await eventHorizonPassed(fixture.storage.db)
  await commerce.subscribers.drain()
  return delivered.splice(0)
}

const signals = async () => (await delivery()).map((e) => e.data)

/** Moves the clock to an odd millisecond, so the events' times show where they came from. */
function tick(): string {
  clock.advance(1_234)
  return clock.now().toISOString()
}

const low = (sku: string, available: number, threshold: number, occurredAt: string) => ({
  type: 'inventory.low_stock',
  sku,
  available,
  threshold,
  occurredAt,
})
const back = (sku: string, available: number, subscribers: string[], occurredAt: string) => ({
  type: 'inventory.back_in_stock',
  sku,
  available,
  subscribers,
  occurredAt,
})

/** A SKU only inventory knows, stocked with `onHand`; its first stock is drained away. */
async function stocked(onHand: number, threshold: number | null): Promise<string> {
  const sku = uniq('SIG')
  await commerce.inventory.configureItem({ sku, lowStockThreshold: threshold })
  await commerce.inventory.setStock({ sku, onHand, allowUnknownSku: true })
  await signals()
  return sku
}

/** A catalog product with stock, for the checkout and order paths. */
async function product(onHand: number, threshold: number | null): Promise<string> {
  const sku = uniq('PRD')
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Thing ${sku}`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 1000, currency: 'USD' }] }],
  })
  await commerce.inventory.configureItem({ sku, lowStockThreshold: threshold })
  await commerce.inventory.setStock({ sku, onHand })
  await signals()
  return sku
}

async function buy(sku: string, quantity: number) {
  const cart = await commerce.cart.create({ currency: 'USD', customerId: 'cus_sig', email: 'c@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, customerId: 'cus_sig', sku, quantity })
  const placed = await commerce.checkout.placeOrder({
    cartId: cart.id,
    customerId: 'cus_sig',
    idempotencyKey: uniq('checkout-key'),
    payment: { method: 'pm_card_visa' },
  })
  expect(placed.outcome).toBe('confirmed')
  return placed.order
}

async function stateOf(sku: string): Promise<string | undefined> {
  const { rows } = await sql<{ stock_state: string }>`
    select stock_state from souk.inventory_items where sku = ${sku}`.execute(fixture.storage.db)
  return rows[0]?.stock_state
}

describe('stock signals: every path that changes stock', () => {
  it('checkout: the sale reserved in SQL crosses once, and its commit does not again', async () => {
    const sku = await product(5, 3)
    const at = tick()
    await buy(sku, 2)
    expect(await signals()).toEqual([low(sku, 3, 3, at)])
    const soldOut = tick()
    await buy(sku, 3)
    // Already low: selling out is no new crossing.
    expect(await signals()).toEqual([])
    expect(await stateOf(sku)).toBe('out')
    expect(soldOut).not.toBe(at)
  })

  it('checkout: selling out from above the threshold is a low-stock crossing', async () => {
    const sku = await product(4, 1)
    const at = tick()
    await buy(sku, 4)
    expect(await signals()).toEqual([low(sku, 0, 1, at)])
  })

  it('reserve', async () => {
    const sku = await stocked(6, 3)
    tick()
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 2 }] })
    expect(await signals()).toEqual([])
    const at = tick()
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 2 }] })
    expect(await signals()).toEqual([low(sku, 2, 3, at)])
  })

  it('release', async () => {
    const sku = await stocked(2, null)
    const hold = await commerce.inventory.reserve({ lines: [{ sku, quantity: 2 }] })
    expect(await signals()).toEqual([])
    await commerce.inventory.subscribeBackInStock({ sku, subscriber: 'cus_rel' })
    const at = tick()
    await commerce.inventory.release({ reservationId: hold.id })
    await commerce.inventory.release({ reservationId: hold.id })
    expect(await signals()).toEqual([back(sku, 2, ['cus_rel'], at)])
  })

  it('expiry', async () => {
    const sku = await stocked(3, 1)
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 3 }], ttlMs: 60_000 })
    expect(await signals()).toEqual([low(sku, 0, 1, clock.now().toISOString())])
    clock.advance(61_000)
    expect(await commerce.inventory.releaseExpired()).toEqual({ expired: 1 })
    expect(await signals()).toEqual([back(sku, 3, [], clock.now().toISOString())])
  })

  it('commit: a sale that was held moves nothing', async () => {
    const sku = await stocked(5, 3)
    const hold = await commerce.inventory.reserve({ lines: [{ sku, quantity: 3 }] })
    expect(await signals()).toHaveLength(1)
    tick()
    await commerce.inventory.commit({ reservationId: hold.id })
    expect(await signals()).toEqual([])
    expect(await stateOf(sku)).toBe('low')
  })

  it('order cancel: a paid order puts its units back on hand', async () => {
    const sku = await product(2, null)
    const order = await buy(sku, 2)
    expect(await stateOf(sku)).toBe('out')
    await commerce.inventory.subscribeBackInStock({ sku, subscriber: 'cus_cancel' })
    const at = tick()
    await commerce.orders.cancel({ orderId: order.id, customerId: 'cus_sig' })
    expect(await signals()).toEqual([back(sku, 2, ['cus_cancel'], at)])
  })

  it('return restock', async () => {
    const sku = await product(3, 2)
    const order = await buy(sku, 3)
    expect(await signals()).toEqual([low(sku, 0, 2, clock.now().toISOString())])
    for (const to of ['processing', 'shipped', 'delivered'] as const)
      await commerce.orders.transition({ orderId: order.id, to })
    const line = order.lines[0]!
    await commerce.orders.requestReturn({
      orderId: order.id,
      customerId: 'cus_sig',
      lines: [{ lineId: line.id, quantity: 3 }],
    })
    const at = tick()
    await commerce.orders.receiveReturn({ orderId: order.id, lines: [{ lineId: line.id, quantity: 1 }] })
    expect(await signals()).toEqual([back(sku, 1, [], at)])
    // Back to 3, above the threshold of 2: a state change, but no event.
    await commerce.orders.receiveReturn({ orderId: order.id, lines: [{ lineId: line.id, quantity: 2 }] })
    expect(await signals()).toEqual([])
    expect(await stateOf(sku)).toBe('in')
  })

  it('adjust', async () => {
    const sku = await stocked(10, 4)
    const at = tick()
    await commerce.inventory.adjust({ sku, delta: -7, reason: 'breakage', allowUnknownSku: true })
    expect(await signals()).toEqual([low(sku, 3, 4, at)])
    await commerce.inventory.adjust({ sku, delta: -3, reason: 'breakage', allowUnknownSku: true })
    expect(await signals()).toEqual([])
    const again = tick()
    await commerce.inventory.adjust({ sku, delta: 1, reason: 'found', allowUnknownSku: true })
    expect(await signals()).toEqual([back(sku, 1, [], again)])
  })

  it('setStock, at a second location too', async () => {
    const sku = await stocked(8, 5)
    const at = tick()
    await commerce.inventory.setStock({ sku, onHand: 5, allowUnknownSku: true })
    expect(await signals()).toEqual([low(sku, 5, 5, at)])
    await commerce.inventory.setStock({ sku, onHand: 0, allowUnknownSku: true })
    expect(await signals()).toEqual([])
    const back1 = tick()
    await commerce.inventory.setStock({ sku, locationId: 'sig-east', onHand: 2, allowUnknownSku: true })
    expect(await signals()).toEqual([back(sku, 2, [], back1)])
  })
})

describe('stock signals: once per crossing', () => {
  it('stays quiet while low, and fires again after going back above the line', async () => {
    const sku = await stocked(10, 5)
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 5 }] })
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
    expect(await signals()).toEqual([low(sku, 5, 5, clock.now().toISOString())])
    await commerce.inventory.adjust({ sku, delta: 10, reason: 'delivery', allowUnknownSku: true })
    expect(await signals()).toEqual([])
    const at = tick()
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 9 }] })
    expect(await signals()).toEqual([low(sku, 4, 5, at)])
  })

  it('tells the subscribers once and forgets them', async () => {
    const sku = await stocked(1, null)
    await commerce.inventory.subscribeBackInStock({ sku, subscriber: 'cus_a' })
    clock.advance(1)
    await commerce.inventory.subscribeBackInStock({ sku, subscriber: 'cus_b' })
    await commerce.inventory.adjust({ sku, delta: -1, reason: 'count', allowUnknownSku: true })
    const first = tick()
    await commerce.inventory.adjust({ sku, delta: 2, reason: 'delivery', allowUnknownSku: true })
    expect(await signals()).toEqual([back(sku, 2, ['cus_a', 'cus_b'], first)])
    const { rows } = await sql`select * from souk.stock_subscriptions where sku = ${sku}`.execute(
      fixture.storage.db,
    )
    expect(rows).toEqual([])
    await commerce.inventory.adjust({ sku, delta: -2, reason: 'count', allowUnknownSku: true })
    const second = tick()
    await commerce.inventory.adjust({ sku, delta: 1, reason: 'delivery', allowUnknownSku: true })
    expect(await signals()).toEqual([back(sku, 1, [], second)])
  })

  it('writes the envelope at the injected clock, durably and never on the in-process bus', async () => {
    const inProcess: string[] = []
    const stop = commerce.events.onAny((e) => void inProcess.push(e.type))
    const sku = await stocked(3, 2)
    const at = tick()
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
    const [event] = await delivery()
    stop()
    expect(event).toMatchObject({
      type: 'inventory.low_stock',
      aggregateId: sku,
      schemaVersion: 1,
      occurredAt: at,
      data: { occurredAt: at },
    })
    expect(event!.id).toMatch(idPattern('evt'))
    const { rows } = await sql<{ key: string; created_at: Date; available_at: Date }>`
      select key, created_at, available_at from souk.outbox
      where topic = 'commerce.event' and payload->>'id' = ${event!.id}`.execute(fixture.storage.db)
    expect(rows).toEqual([{ key: sku, created_at: new Date(at), available_at: new Date(at) }])
    expect(inProcess).toEqual(['inventory.adjusted', 'inventory.reserved'])
  })

  it('a failed change raises nothing', async () => {
    const sku = await stocked(2, 5)
    // Already low (2 <= 5) from the start: stocking it was a back-in-stock, and nothing since.
    await expect(commerce.inventory.reserve({ lines: [{ sku, quantity: 3 }] })).rejects.toThrow()
    await expect(
      commerce.inventory.adjust({ sku, delta: -3, reason: 'count', allowUnknownSku: true }),
    ).rejects.toThrow()
    expect(await signals()).toEqual([])
    expect(await stateOf(sku)).toBe('low')
  })

  it('one statement over several SKUs signals each crossing, in SKU order', async () => {
    const base = uniq('MULTI')
    const [a, b] = [`${base}-A`, `${base}-B`]
    for (const [sku, onHand, threshold] of [
      [a, 1, 0],
      [b, 2, 1],
    ] as const) {
      await commerce.inventory.configureItem({ sku, lowStockThreshold: threshold })
      await commerce.inventory.setStock({ sku, onHand, allowUnknownSku: true })
    }
    await signals()
    const at = tick()
    const hold = await commerce.inventory.reserve({
      lines: [
        { sku: b, quantity: 2 },
        { sku: a, quantity: 1 },
      ],
    })
    expect(await signals()).toEqual([low(a, 0, 0, at), low(b, 0, 1, at)])
    await commerce.inventory.subscribeBackInStock({ sku: b, subscriber: 'cus_multi' })
    const later = tick()
    await commerce.inventory.release({ reservationId: hold.id })
    expect(await signals()).toEqual([back(a, 1, [], later), back(b, 2, ['cus_multi'], later)])
  })

  it('a change that rolls back raises nothing', async () => {
    const sku = await stocked(5, 2)
    const failed = await fixture.storage
      .transaction(async (stores) => {
        await stores.inventory.adjustOnHand({ sku, locationId: 'default', delta: -4, at: clock.now() })
        throw new Error('the rest of the work failed')
      })
      .catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(Error)
    expect(await signals()).toEqual([])
    expect(await stateOf(sku)).toBe('in')
  })

  it('racing reserves across the threshold raise exactly one low_stock', async () => {
    const sku = await stocked(30, 10)
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, () => commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })),
    )
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    const got = await signals()
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'inventory.low_stock', sku, available: 10, threshold: 10 })
    expect(await commerce.inventory.available({ sku })).toBe(6)
  })

  it('racing releases out of stock raise exactly one back_in_stock', async () => {
    const sku = await stocked(24, null)
    const holds = await Promise.all(
      Array.from({ length: 24 }, () => commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })),
    )
    await commerce.inventory.subscribeBackInStock({ sku, subscriber: 'cus_race' })
    await Promise.all(holds.map((h) => commerce.inventory.release({ reservationId: h.id })))
    const got = await signals()
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'inventory.back_in_stock', sku, subscribers: ['cus_race'] })
  })
})

describe('stock state', () => {
  it('follows settings without events: threshold, tracking, new items', async () => {
    const sku = await stocked(4, null)
    expect(await stateOf(sku)).toBe('in')
    await commerce.inventory.configureItem({ sku, lowStockThreshold: 4 })
    expect(await stateOf(sku)).toBe('low')
    await commerce.inventory.configureItem({ sku, tracked: false })
    expect(await stateOf(sku)).toBe('in')
    await commerce.inventory.configureItem({ sku, tracked: true, lowStockThreshold: null })
    expect(await stateOf(sku)).toBe('in')
    const fresh = uniq('NEW')
    await commerce.inventory.configureItem({ sku: fresh })
    expect(await stateOf(fresh)).toBe('out')
    const untracked = uniq('NEW')
    await commerce.inventory.configureItem({ sku: untracked, tracked: false })
    expect(await stateOf(untracked)).toBe('in')
    expect(await signals()).toEqual([])
  })

  it('is backfilled from the counters by the migration, without events', async () => {
    const database = await createTestDatabase('stock_signals_backfill')
    const pool = new pg.Pool({ connectionString: database.url, max: 2 })
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    try {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => soukMigrations('souk') },
        migrationTableSchema: 'souk',
        migrationTableName: 'migrations',
        migrationLockTableName: 'migrations_lock',
      })
      expect((await migrator.migrateTo('009-event-subscribers')).error).toBeUndefined()
      await sql`
        insert into souk.locations (id, name) values ('east', 'East');
        insert into souk.inventory_items (sku, tracked, low_stock_threshold) values
          ('LOW', true, 3), ('NONE', true, null), ('UNTRACKED', false, null), ('PLENTY', true, 3),
          ('ZERO', true, null), ('SPLIT', true, 3);
        insert into souk.stock_levels (sku, location_id, on_hand, reserved, updated_at) values
          ('LOW', 'default', 5, 3, now()), ('UNTRACKED', 'default', 0, 0, now()),
          ('PLENTY', 'default', 10, 0, now()), ('ZERO', 'default', 4, 4, now()),
          ('SPLIT', 'default', 2, 0, now()), ('SPLIT', 'east', 2, 0, now())`.execute(db)
      expect((await migrator.migrateToLatest()).error).toBeUndefined()
      const { rows } = await sql<{ sku: string; stock_state: string }>`
        select sku, stock_state from souk.inventory_items order by sku`.execute(db)
      expect(Object.fromEntries(rows.map((r) => [r.sku, r.stock_state]))).toEqual({
        LOW: 'low',
        NONE: 'out',
        PLENTY: 'in',
        SPLIT: 'in',
        UNTRACKED: 'in',
        ZERO: 'out',
      })
      const events = await sql`select 1 from souk.outbox where topic = 'commerce.event'`.execute(db)
      expect(events.rows).toEqual([])
    } finally {
      await db.destroy()
      await database.drop()
    }
  })

  it('works the same on PGlite', async () => {
    const lite = await pgliteFixture({ pgTrgm: false })
    try {
      const { inventory } = lite.storage
      const at = new Date('2032-04-01T00:00:00.007Z')
      await inventory.upsertItem({ sku: 'LITE', lowStockThreshold: 2 })
      await inventory.addStockSubscription({ sku: 'LITE', subscriber: 'cus_lite', at })
      await inventory.setOnHand({ sku: 'LITE', locationId: 'default', onHand: 4, at })
      await inventory.adjustOnHand({ sku: 'LITE', locationId: 'default', delta: -2, at })
      const { rows } = await sql<{ payload: { type: string; occurredAt: string; data: unknown } }>`
        select payload from souk.outbox where topic = 'commerce.event'
          and payload->>'type' in ('inventory.low_stock', 'inventory.back_in_stock') order by id`.execute(
        lite.storage.db,
      )
      expect(rows.map((r) => r.payload.data)).toEqual([
        back('LITE', 4, ['cus_lite'], at.toISOString()),
        low('LITE', 2, 2, at.toISOString()),
      ])
    } finally {
      await lite.close()
    }
  })
})
