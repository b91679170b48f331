import {
  type Commerce,
  type CommerceEvent,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type DeliveredEvent,
  defaultAllocationStrategy,
  InsufficientStockError,
  isCommerceError,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventHorizonPassed } from './event-horizon.js'
import { postgresFixture } from './support.js'

const TYPES = [
  'inventory.reserved',
  'inventory.committed',
  'inventory.released',
  'inventory.adjusted',
] as const
type InventoryEventType = (typeof TYPES)[number]
type Delivered = DeliveredEvent<InventoryEventType>

let fixture: Awaited<ReturnType<typeof postgresFixture>>
let clock: ManualClock
/** Over the default allocation (one statement in the database) and over a host strategy. */
let commerce: Commerce
let planned: Commerce
const delivered: Delivered[] = []
const heard: CommerceEvent[] = []
let n = 0
const uniq = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 6)}`

beforeAll(async () => {
  fixture = await postgresFixture('inventory_events', 30)
  clock = createManualClock(new Date('2033-04-01T10:00:00.000Z'))
  const config = {
    storage: fixture.storage,
    clock,
    logger: silentLogger,
    unitsSold: false,
    relay: false,
    payments: [createTestPaymentProvider({ clock, latencyMs: 0 })],
  } as const
  commerce = createCommerce(config)
  // Any strategy but the default one itself plans in core and applies with createReservation.
  planned = createCommerce({ ...config, allocation: (input) => defaultAllocationStrategy(input) })
  for (const c of [commerce, planned]) {
    c.events.onAny((event) => {
      if ((TYPES as readonly string[]).includes(event.type)) heard.push(event)
    })
  }
  await commerce.subscribers.add({
    name: 'inventory-feed',
    events: [...TYPES],
    handle: (e) => void delivered.push(e as Delivered),
  })
})
afterAll(async () => {
  await planned?.close()
  await commerce?.close()
  await fixture?.close()
})

/**
 * The events committed since the last call, as delivered. The relay passes an event once no older
 * transaction runs anywhere on the server, so this first waits for that horizon to pass the newest
 * event (another suite's long transaction holds it back for a while).
 */
async function delivery(): Promise<Delivered[]> {
  await eventHorizonPassed(fixture.storage.db)
  await commerce.subscribers.drain()
  return delivered.splice(0)
}

/** The in-process events since the last call, through JSON as a durable subscriber gets them. */
const published = () => JSON.parse(JSON.stringify(heard.splice(0))) as unknown[]

/** Moves the clock to an odd millisecond, so the events' times show where they came from. */
function tick(): string {
  clock.advance(1_234)
  return clock.now().toISOString()
}

async function product(onHand: number): Promise<string> {
  const sku = uniq('SKU')
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 1000, currency: 'EUR' }] }],
  })
  if (onHand > 0) await commerce.inventory.setStock({ sku, onHand })
  await delivery()
  heard.length = 0
  return sku
}

/** The envelope's own fields agree with the event: occurredAt, and the aggregate. */
function expectEnvelopes(events: Delivered[], aggregateOf: (e: Delivered) => string): void {
  for (const e of events) {
    expect(e.occurredAt).toBe(e.data.occurredAt)
    expect(e.aggregateId).toBe(aggregateOf(e))
    expect(e.schemaVersion).toBe(1)
    expect(e.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/)
  }
}

const byReservation = (e: Delivered) =>
  'sku' in e.data ? e.data.sku : (e.data.reference ?? e.data.reservationId)

describe('durable inventory events', () => {
  for (const [label, of] of [
    ['default allocation', () => commerce],
    ['host allocation strategy', () => planned],
  ] as const) {
    it(`commerce.inventory (${label}): each change once, as published, timed by the clock`, async () => {
      const inv = of().inventory
      const sku = await product(0)
      const free = uniq('FREE')
      await inv.configureItem({ sku: free, tracked: false })

      const t1 = tick()
      await inv.setStock({ sku, onHand: 10 })
      await inv.setStock({ sku, onHand: 10 }) // no change: no event
      const t2 = tick()
      await inv.adjust({ sku, delta: -3, reason: 'damaged in transit' })
      const t3 = tick()
      const held = await inv.reserve({
        reference: uniq('cart'),
        lines: [
          { sku: free, quantity: 1 },
          { sku, quantity: 2 },
          { sku, quantity: 1 },
        ],
      })
      const t4 = tick()
      await inv.commit({ reservationId: held.id })
      await inv.commit({ reservationId: held.id }) // idempotent repeat: no event
      tick()
      const other = await inv.reserve({ lines: [{ sku, quantity: 1 }] })
      const t5 = tick()
      await inv.release({ reservationId: other.id })
      await inv.release({ reservationId: other.id })
      tick()
      const lapsing = await inv.reserve({ lines: [{ sku, quantity: 2 }], ttlMs: 1_000 })
      clock.advance(5_000)
      const t6 = clock.now().toISOString()
      expect(await inv.releaseExpired()).toEqual({ expired: 1 })

      const events = await delivery()
      expect(events.map((e) => e.data)).toEqual(published())
      expectEnvelopes(events, byReservation)
      expect(events.map((e) => [e.type, e.occurredAt])).toEqual([
        ['inventory.adjusted', t1],
        ['inventory.adjusted', t2],
        ['inventory.reserved', t3],
        ['inventory.committed', t4],
        ['inventory.reserved', expect.any(String)],
        ['inventory.released', t5],
        ['inventory.reserved', expect.any(String)],
        ['inventory.released', t6],
      ])
      expect(events[0]!.data).toMatchObject({ delta: 10, onHand: 10, reason: 'set', locationId: 'default' })
      expect(events[1]!.data).toMatchObject({ delta: -3, onHand: 7, reason: 'damaged in transit' })
      const lines = [free, sku].sort().map((s) => ({ sku: s, quantity: s === sku ? 3 : 1 }))
      expect(events[2]!.data).toMatchObject({ reservationId: held.id, lines })
      expect(events[3]!.data).toMatchObject({ reservationId: held.id, lines })
      expect(events[5]!.data).toMatchObject({ reservationId: other.id, reason: 'released' })
      expect(events[7]!.data).toMatchObject({ reservationId: lapsing.id, reason: 'expired' })
    })

    it(`commerce.inventory (${label}): nothing for a refused call`, async () => {
      const inv = of().inventory
      const sku = await product(3)
      const held = await inv.reserve({ lines: [{ sku, quantity: 2 }] })
      await inv.release({ reservationId: held.id })
      await delivery()
      heard.length = 0

      tick()
      await expect(inv.reserve({ lines: [{ sku, quantity: 4 }] })).rejects.toBeInstanceOf(
        InsufficientStockError,
      )
      await expect(inv.adjust({ sku, delta: -4, reason: 'audit' })).rejects.toBeInstanceOf(
        InsufficientStockError,
      )
      await expect(inv.commit({ reservationId: held.id })).rejects.toSatisfy((e) => isCommerceError(e))
      const kept = await inv.reserve({ lines: [{ sku, quantity: 2 }] })
      await expect(inv.setStock({ sku, onHand: 1 })).rejects.toBeInstanceOf(InsufficientStockError)
      await expect(inv.release({ reservationId: kept.id })).resolves.toMatchObject({ status: 'released' })

      const events = await delivery()
      expect(events.map((e) => e.type)).toEqual(['inventory.reserved', 'inventory.released'])
      expect(events.map((e) => e.data)).toEqual(published())
    })
  }

  it('nothing for a rolled-back transaction', async () => {
    const sku = await product(5)
    await expect(
      fixture.storage.transaction(async (stores) => {
        await stores.inventory.adjustOnHand({ sku, locationId: 'default', delta: 2, at: clock.now() })
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from souk.outbox
      where topic = 'commerce.event' and key = ${sku} and payload->>'type' = 'inventory.adjusted'
        and payload->'data'->>'delta' = '2'`.execute(fixture.storage.db)
    expect(rows[0]!.n).toBe(0)
    expect(await delivery()).toEqual([])
  })

  it('checkout: reserved once, committed or released, keyed by the order; restocks are adjusted', async () => {
    const sku = await product(10)
    const order = async (method: string) => {
      const cart = await commerce.cart.create({ currency: 'EUR', email: 'ada@example.com' })
      await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 2 })
      tick()
      return commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: uniq('key-0000'),
        payment: { method },
      })
    }
    const paid = await order('pm_card_visa')
    expect(paid.outcome).toBe('confirmed')
    await expect(order('pm_card_chargeDeclined')).rejects.toSatisfy((e) => isCommerceError(e))

    let events = await delivery()
    expect(events.map((e) => e.data)).toEqual(published())
    expect(events.map((e) => e.type)).toEqual([
      'inventory.reserved',
      'inventory.committed',
      'inventory.reserved',
      'inventory.released',
    ])
    expectEnvelopes(events, (e) => ('reference' in e.data ? e.data.reference! : ''))
    expect(events[0]!.aggregateId).toBe(paid.order.id)
    expect(events[1]!.data).toMatchObject({ lines: [{ sku, quantity: 2 }] })
    expect(events[3]!.data).toMatchObject({ reason: 'released' })

    // A paid order's cancellation puts the units back: durable only, with reason 'restock'.
    const at = tick()
    await commerce.orders.cancel({ orderId: paid.order.id })
    events = await delivery()
    expect(published()).toEqual([])
    expect(events.map((e) => e.data)).toEqual([
      {
        type: 'inventory.adjusted',
        sku,
        locationId: 'default',
        delta: 2,
        onHand: 10,
        reason: 'restock',
        occurredAt: at,
      },
    ])
    expect(events[0]!.aggregateId).toBe(sku)
  })

  it('one event per transition when commits and releases race', async () => {
    const sku = await product(50)
    for (let round = 0; round < 3; round++) {
      const held = await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })
      await delivery()
      heard.length = 0
      const calls = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? commerce.inventory.commit({ reservationId: held.id })
          : commerce.inventory.release({ reservationId: held.id }),
      )
      const settled = await Promise.allSettled(calls)
      expect(settled.some((s) => s.status === 'fulfilled')).toBe(true)
      const events = await delivery()
      expect(events).toHaveLength(1)
      expect(['inventory.committed', 'inventory.released']).toContain(events[0]!.type)
      expect(events.map((e) => e.data)).toEqual(published())
    }
  })
})
