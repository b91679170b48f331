import {
  type Commerce,
  type CommerceConfig,
  type CommerceEvent,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type DeliveredEvent,
  defineSubscriber,
  isCommerceError,
  type ManualClock,
  outboxEvent,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { postgresFixture } from './support.js'

let fixture: Awaited<ReturnType<typeof postgresFixture>>
beforeAll(async () => {
  fixture = await postgresFixture('durable_subscribers', 20)
  // Every test builds its own storage over this pool, and each adds its guard listeners.
  fixture.pool.setMaxListeners(100)
})
afterAll(() => fixture.close())

const open: Commerce[] = []
afterEach(async () => {
  // A closed test's subscribers would hold back retention for the next ones: remove them.
  for (const c of open.splice(0)) {
    for (const name of c.subscribers.names()) await c.subscribers.remove({ name })
    await c.close()
  }
})

let n = 0
const uniq = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`

/** A commerce of its own over the shared pool (closing it leaves the pool open). */
function commerceWith(clock: ManualClock, extra: Partial<CommerceConfig> = {}): Commerce {
  const commerce = createCommerce({
    storage: postgresStorage({ pool: fixture.pool }),
    clock,
    logger: silentLogger,
    unitsSold: false,
    relay: false,
    payments: [createTestPaymentProvider({ clock, latencyMs: 0 })],
    ...extra,
  })
  open.push(commerce)
  return commerce
}

/** Writes domain events to the log the way services do: outbox envelopes keyed by aggregate. */
async function writeEvents(
  clock: ManualClock,
  events: { aggregateId: string; seq: number }[],
): Promise<string[]> {
  const messages = events.map((e) =>
    outboxEvent(
      {
        type: 'product.updated',
        productId: e.aggregateId,
        occurredAt: clock.now(),
        seq: e.seq,
      } as unknown as CommerceEvent,
      uniq('evt'),
      e.aggregateId,
    ),
  )
  await fixture.storage.outbox.enqueue({ messages, now: clock.now() })
  return messages.map((m) => (m.payload as { id: string }).id)
}

const seqOf = (e: DeliveredEvent) => (e.data as unknown as { seq: number }).seq

type Report = Awaited<ReturnType<Commerce['subscribers']['drain']>>

/**
 * Drains until `done` holds for what the drains delivered together (or 20 s pass). A cursor only
 * passes events once every transaction older than them has ended anywhere on the server, and the
 * other test files keep transactions open: one drain may legitimately deliver nothing yet.
 */
async function drainUntil(commerce: Commerce, done: (total: Report) => boolean): Promise<Report> {
  const total = { delivered: 0, failed: 0, deadLettered: 0 }
  const deadline = Date.now() + 20_000
  for (;;) {
    const report = await commerce.subscribers.drain()
    total.delivered += report.delivered
    total.failed += report.failed
    total.deadLettered += report.deadLettered
    if (done(total) || Date.now() > deadline) return total
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** A sellable SKU of a new product, priced in USD, with stock. */
async function stockedSku(
  commerce: Commerce,
  amount: number,
  onHand: number,
): Promise<{ sku: string; productId: string }> {
  const sku = uniq('SKU')
  const product = await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [{ amount, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand })
  return { sku, productId: product.id }
}

/** A guest checkout of `quantity` of `sku`. */
async function buy(commerce: Commerce, sku: string, quantity: number) {
  const cart = await commerce.cart.create({ currency: 'USD', email: 'buyer@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, sku, quantity })
  return commerce.checkout.placeOrder({ cartId: cart.id, idempotencyKey: uniq('key-00'), payment: {} })
}

describe('durable subscribers', () => {
  it('delivers the committed events of its types once each, in write order, with the envelope', async () => {
    const clock = createManualClock(new Date('2031-01-01T00:00:00Z'))
    const commerce = commerceWith(clock)
    const got: DeliveredEvent[] = []
    await commerce.subscribers.add(
      defineSubscriber({ name: uniq('feed'), events: ['product.updated'], handle: (e) => void got.push(e) }),
    )
    const other: DeliveredEvent[] = []
    await commerce.subscribers.add({
      name: uniq('other'),
      events: ['order.created'],
      handle: (e) => void other.push(e),
    })
    const agg = uniq('prod')
    const ids = await writeEvents(
      clock,
      [1, 2, 3].map((seq) => ({ aggregateId: agg, seq })),
    )

    const report = await drainUntil(commerce, (t) => t.delivered >= 3)
    expect(report).toEqual({ delivered: 3, failed: 0, deadLettered: 0 })
    expect(got.map((e) => e.id)).toEqual(ids)
    expect(got.map(seqOf)).toEqual([1, 2, 3])
    expect(got[0]).toMatchObject({
      type: 'product.updated',
      aggregateId: agg,
      schemaVersion: 1,
      occurredAt: '2031-01-01T00:00:00.000Z',
      delivery: { attempt: 1 },
    })
    expect(other).toEqual([])
    expect(await commerce.subscribers.drain()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 })
    expect(got).toHaveLength(3)
  })

  it('a new subscriber starts after the events already committed unless it asks for the beginning', async () => {
    const clock = createManualClock(new Date('2031-01-02T00:00:00Z'))
    const agg = uniq('prod')
    const [early] = await writeEvents(clock, [{ aggregateId: agg, seq: 1 }])
    const commerce = commerceWith(clock)
    const fromNow: string[] = []
    const fromStart: string[] = []
    await commerce.subscribers.add({ name: uniq('now'), events: '*', handle: (e) => void fromNow.push(e.id) })
    await commerce.subscribers.add({
      name: uniq('start'),
      events: '*',
      from: 'beginning',
      handle: (e) => void fromStart.push(e.id),
    })
    const [late] = await writeEvents(clock, [{ aggregateId: agg, seq: 2 }])
    await drainUntil(commerce, () => fromNow.includes(late!) && fromStart.includes(late!))
    expect(fromNow).toEqual([late])
    expect(fromStart).toContain(early)
    expect(fromStart.indexOf(early!)).toBeLessThan(fromStart.indexOf(late!))
  })

  it('retries a failing event with backoff on the clock, holding back what follows it until it succeeds', async () => {
    const clock = createManualClock(new Date('2031-01-03T00:00:00Z'))
    const commerce = commerceWith(clock, { relay: { retryDelayMs: 1000, maxRetryDelayMs: 4000 } })
    let failures = 2
    const got: [number, number][] = []
    await commerce.subscribers.add({
      name: uniq('flaky'),
      events: '*',
      handle: (e) => {
        if (seqOf(e) === 1 && failures-- > 0) throw new Error('ERP is down')
        got.push([seqOf(e), e.delivery.attempt])
      },
    })
    const agg = uniq('prod')
    await writeEvents(
      clock,
      [1, 2].map((seq) => ({ aggregateId: agg, seq })),
    )

    expect(await drainUntil(commerce, (t) => t.failed >= 1)).toEqual({
      delivered: 0,
      failed: 1,
      deadLettered: 0,
    })
    clock.advance(999)
    expect((await commerce.subscribers.drain()).failed).toBe(0)
    expect(got).toEqual([])
    clock.advance(1)
    expect(await drainUntil(commerce, (t) => t.failed >= 1)).toEqual({
      delivered: 0,
      failed: 1,
      deadLettered: 0,
    })
    // The second failure doubles the delay.
    clock.advance(1999)
    await commerce.subscribers.drain()
    expect(got).toEqual([])
    clock.advance(1)
    expect(await drainUntil(commerce, (t) => t.delivered >= 2)).toEqual({
      delivered: 2,
      failed: 0,
      deadLettered: 0,
    })
    expect(got).toEqual([
      [1, 3],
      [2, 1],
    ])
  })

  it('dead-letters an event after maxAttempts, goes on, and replays or discards it on request', async () => {
    const clock = createManualClock(new Date('2031-01-04T00:00:00Z'))
    const commerce = commerceWith(clock, { relay: { retryDelayMs: 10 } })
    const name = uniq('strict')
    let reject = true
    const got: number[] = []
    await commerce.subscribers.add({
      name,
      events: '*',
      maxAttempts: 2,
      handle: (e) => {
        if (seqOf(e) === 1 && reject) throw new Error('cannot map product')
        got.push(seqOf(e))
      },
    })
    const agg = uniq('prod')
    const [first] = await writeEvents(
      clock,
      [1, 2].map((seq) => ({ aggregateId: agg, seq })),
    )
    await drainUntil(commerce, (t) => t.failed >= 1)
    clock.advance(10)
    expect(await drainUntil(commerce, (t) => t.delivered >= 1)).toEqual({
      delivered: 1,
      failed: 1,
      deadLettered: 1,
    })
    expect(got).toEqual([2])

    const dead = await commerce.subscribers.deadLetters({ subscriber: name })
    expect(dead.nextCursor).toBeNull()
    expect(dead.items).toHaveLength(1)
    expect(dead.items[0]).toMatchObject({
      subscriber: name,
      eventId: first,
      type: 'product.updated',
      aggregateId: agg,
      attempts: 2,
      lastError: 'Error: cannot map product',
      replayRequestedAt: null,
    })

    // A replay that fails again stays dead, with one more attempt.
    expect(await commerce.subscribers.replay({ subscriber: name })).toEqual({ requested: 1 })
    expect((await commerce.subscribers.drain()).failed).toBe(1)
    expect((await commerce.subscribers.deadLetters({ subscriber: name })).items[0]).toMatchObject({
      attempts: 3,
      replayRequestedAt: null,
    })
    reject = false
    await commerce.subscribers.replay({ subscriber: name, eventIds: [first!] })
    expect((await commerce.subscribers.drain()).delivered).toBe(1)
    expect(got).toEqual([2, 1])
    expect((await commerce.subscribers.deadLetters({ subscriber: name })).items).toEqual([])

    // Discard.
    reject = true
    await writeEvents(clock, [{ aggregateId: agg, seq: 1 }])
    await drainUntil(commerce, (t) => t.failed >= 1)
    clock.advance(10)
    await drainUntil(commerce, (t) => t.deadLettered >= 1)
    expect((await commerce.subscribers.deadLetters({ subscriber: name })).items).toHaveLength(1)
    expect(await commerce.subscribers.discard({ subscriber: name })).toEqual({ discarded: 1 })
    expect((await commerce.subscribers.deadLetters({ subscriber: name })).items).toEqual([])
  })

  it('with partitions, a failing aggregate holds back only its own partition and each aggregate stays in order', async () => {
    const clock = createManualClock(new Date('2031-01-05T00:00:00Z'))
    const commerce = commerceWith(clock, { relay: { retryDelayMs: 60_000 } })
    const aggregates = Array.from({ length: 12 }, () => uniq('prod'))
    const poisoned = aggregates[0]!
    const got = new Map<string, number[]>()
    await commerce.subscribers.add({
      name: uniq('lanes'),
      events: '*',
      partitions: 4,
      handle: (e) => {
        if (e.aggregateId === poisoned) throw new Error('poisoned')
        got.set(e.aggregateId, [...(got.get(e.aggregateId) ?? []), seqOf(e)])
      },
    })
    const events = [1, 2, 3].flatMap((seq) => aggregates.map((aggregateId) => ({ aggregateId, seq })))
    await writeEvents(clock, events)
    // The adapter routes an aggregate to partition hashtext(id) mod 4: find the poisoned lane's members.
    const { rows } = await sql<{ id: string; lane: number }>`
      select a.id, (hashtext(a.id) & 2147483647) % 4 as lane from unnest(${aggregates}::text[]) as a(id)`.execute(
      fixture.storage.db,
    )
    const lane = new Map(rows.map((r) => [r.id, Number(r.lane)]))
    const blocked = aggregates.filter((a) => lane.get(a) === lane.get(poisoned))
    const healthy = aggregates.filter((a) => lane.get(a) !== lane.get(poisoned))
    expect(healthy.length).toBeGreaterThan(0)
    await drainUntil(commerce, () => healthy.every((a) => got.get(a)?.length === 3))
    // Healthy lanes are complete and in order; the poisoned lane got nothing past its failing head.
    for (const a of healthy) expect(got.get(a)).toEqual([1, 2, 3])
    for (const a of blocked) expect(got.get(a)).toBeUndefined()
  })

  it('refuses bad definitions with typed errors', async () => {
    const clock = createManualClock()
    const commerce = commerceWith(clock)
    const handle = () => undefined
    for (const bad of [
      { name: 'Has Spaces', events: '*', handle },
      { name: uniq('x'), events: [], handle },
      { name: uniq('x'), events: '*', handle: 'nope' },
      { name: uniq('x'), events: '*', handle, partitions: 0 },
      { name: uniq('x'), events: '*', handle, maxAttempts: 1.5 },
      { name: uniq('x'), events: '*', handle, extra: true },
    ]) {
      const error = await commerce.subscribers.add(bad as never).catch((e: unknown) => e)
      expect(isCommerceError(error) && error.code).toBe('validation.failed')
    }
    const name = uniq('once')
    await commerce.subscribers.add({ name, events: '*', handle, partitions: 2 })
    const again = await commerce.subscribers.add({ name, events: '*', handle }).catch((e: unknown) => e)
    expect(isCommerceError(again) && again.code).toBe('config.invalid')
    const elsewhere = commerceWith(clock)
    const changed = await elsewhere.subscribers
      .add({ name, events: '*', handle, partitions: 3 })
      .catch((e: unknown) => e)
    expect(isCommerceError(changed) && changed.code).toBe('conflict')
    expect(isCommerceError(changed) && changed.details).toMatchObject({ reason: 'partitions_changed' })

    const storage = postgresStorage({ pool: fixture.pool })
    const withoutLog = { ...storage, eventLog: undefined }
    expect(() =>
      createCommerce({
        storage: withoutLog,
        logger: silentLogger,
        subscribers: [{ name: 'a', events: '*', handle }],
      }),
    ).toThrow(/event log/)
  })

  it('checkout events reach a subscriber through the background relay, as committed', async () => {
    const clock = createManualClock(new Date('2031-01-06T00:00:00Z'))
    const got: DeliveredEvent[] = []
    const commerce = commerceWith(clock, {
      relay: { intervalMs: 20 },
      subscribers: [
        defineSubscriber({
          name: uniq('mailer'),
          events: ['order.created', 'order.status_changed'],
          handle: (e) => void got.push(e),
        }),
      ],
    })
    await commerce.migrate()
    const { sku } = await stockedSku(commerce, 1500, 5)
    const placed = await buy(commerce, sku, 2)
    expect(placed.outcome).toBe('confirmed')
    const deadline = Date.now() + 20_000
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(got.map((e) => [e.type, e.aggregateId])).toEqual([
      ['order.created', placed.order.id],
      ['order.status_changed', placed.order.id],
    ])
    expect(got[1]!.data).toMatchObject({ to: 'confirmed' })
    // Numbered among all the order's events (inventory ones, not subscribed here, included).
    expect(got[0]!.sequence).toBeGreaterThanOrEqual(1)
    expect(got[1]!.sequence).toBeGreaterThan(got[0]!.sequence)
    // The durable order.created carries the display number the database drew.
    expect(placed.order.displayNumber).toMatch(/^[0-9]+$/)
    expect(got[0]!.data).toMatchObject({
      orderId: placed.order.id,
      displayNumber: placed.order.displayNumber,
    })
  })

  it('order transitions after checkout (cancel, ship) are durable too, written with the change', async () => {
    const clock = createManualClock(new Date('2031-01-07T00:00:00Z'))
    const got: DeliveredEvent<'order.status_changed'>[] = []
    const commerce = commerceWith(clock)
    await commerce.subscribers.add(
      defineSubscriber({
        name: uniq('status'),
        events: ['order.status_changed'],
        handle: (e) => void got.push(e),
      }),
    )
    const { sku } = await stockedSku(commerce, 900, 5)
    const placeOne = async () => (await buy(commerce, sku, 1)).order.id
    const cancelled = await placeOne()
    const shipped = await placeOne()
    await commerce.orders.cancel({ orderId: cancelled })
    await commerce.shipments.create({ orderId: shipped, carrier: 'ups', trackingNumber: '1Z999' })
    await drainUntil(commerce, () => got.length >= 4)
    const moves = got.map((e) => [e.aggregateId, e.data.from, e.data.to])
    expect(moves).toEqual([
      [cancelled, 'pending_payment', 'confirmed'],
      [shipped, 'pending_payment', 'confirmed'],
      [cancelled, 'confirmed', 'cancelled'],
      [shipped, 'confirmed', 'shipped'],
    ])
  })

  it('a refund is announced durably once per idempotent give-back', async () => {
    const clock = createManualClock(new Date('2031-01-09T00:00:00Z'))
    const got: DeliveredEvent[] = []
    const commerce = commerceWith(clock, {
      payments: [createTestPaymentProvider({ clock, latencyMs: 0, captureMethod: 'automatic' })],
    })
    await commerce.subscribers.add({
      name: uniq('refunds'),
      events: ['order.refunded'],
      handle: (e) => void got.push(e),
    })
    const { sku } = await stockedSku(commerce, 1250, 5)
    const placed = await buy(commerce, sku, 2)
    await commerce.orders.cancel({ orderId: placed.order.id })
    await drainUntil(commerce, () => got.length >= 1)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({
      type: 'order.refunded',
      aggregateId: placed.order.id,
      data: { orderId: placed.order.id, amount: { amount: 2500, currency: 'USD' } },
    })
    expect(got[0]!.id).toMatch(/^evt_[0-9a-f]{26}$/)
  })

  it('cart edits, merges and abandonment commit their events with them', async () => {
    const clock = createManualClock(new Date('2031-01-10T00:00:00Z'))
    const got: DeliveredEvent[] = []
    const commerce = commerceWith(clock)
    await commerce.subscribers.add({
      name: uniq('carts'),
      events: ['cart.item_added', 'cart.merged', 'cart.abandoned'],
      handle: (e) => void got.push(e),
    })
    const { sku } = await stockedSku(commerce, 700, 50)
    const customerId = uniq('cus')
    const guest = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: guest.id, sku, quantity: 2 })
    // A refused edit writes nothing.
    await expect(commerce.cart.addItem({ cartId: guest.id, sku, quantity: 1000 })).rejects.toThrow()
    const own = await commerce.cart.create({ currency: 'USD', customerId })
    await commerce.cart.addItem({ cartId: own.id, customerId, sku, quantity: 1 })
    await commerce.cart.merge({ guestCartId: guest.id, customerId })
    clock.advance(3 * 3_600_000)
    const { notified } = await commerce.cart.notifyAbandoned({ idleForMs: 3_600_000 })
    expect(notified).toBeGreaterThanOrEqual(1)
    await drainUntil(commerce, () => got.some((e) => e.type === 'cart.abandoned' && e.aggregateId === own.id))
    const mine = got.filter((e) => e.aggregateId === guest.id || e.aggregateId === own.id)
    expect(mine.map((e) => [e.type, e.aggregateId])).toEqual([
      ['cart.item_added', guest.id],
      ['cart.item_added', own.id],
      ['cart.merged', own.id],
      ['cart.abandoned', own.id],
    ])
    expect(mine[0]!.data).toMatchObject({ sku, quantity: 2, customerId: null })
    expect(mine[2]!.data).toMatchObject({ guestCartId: guest.id, cartId: own.id, customerId })
    expect(mine[3]!.data).toMatchObject({ itemCount: 3, occurredAt: clock.now().toISOString() })
  })

  it('catalog writes commit their events with them: created, updated, archived, review', async () => {
    const clock = createManualClock(new Date('2031-01-08T00:00:00Z'))
    const got: DeliveredEvent[] = []
    const commerce = commerceWith(clock)
    await commerce.subscribers.add({
      name: uniq('catalog'),
      events: ['product.created', 'product.updated', 'product.archived', 'review.created'],
      handle: (e) => void got.push(e),
    })
    const sku = uniq('SKU')
    const product = await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: sku,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 900, currency: 'USD' }] }],
    })
    await commerce.catalog.updateProduct({ productId: product.id, name: `${sku} v2` })
    await commerce.catalog.addReview({ productId: product.id, customerId: 'cus_reviewer1', rating: 4 })
    await commerce.catalog.archiveProduct({ productId: product.id })
    // A write that fails writes no event.
    await expect(
      commerce.catalog.updateProduct({ productId: 'prod_missing0000000000000000', name: 'x' }),
    ).rejects.toThrow()
    await drainUntil(commerce, () => got.length >= 4)
    expect(got.map((e) => [e.type, e.aggregateId])).toEqual([
      ['product.created', product.id],
      ['product.updated', product.id],
      ['review.created', product.id],
      ['product.archived', product.id],
    ])
    expect(got[1]!.data).toMatchObject({ slug: sku.toLowerCase(), fields: ['name'] })
  })

  it('retention keeps events a subscriber has not passed, and purges them once it has or is removed', async () => {
    const clock = createManualClock(new Date('2031-02-01T00:00:00Z'))
    const commerce = commerceWith(clock, { outboxRetentionMs: 60_000 })
    const name = uniq('lagging')
    let up = false
    await commerce.subscribers.add({
      name,
      events: '*',
      handle: () => {
        if (!up) throw new Error('down')
      },
      maxAttempts: 100,
    })
    const [id] = await writeEvents(clock, [{ aggregateId: uniq('prod'), seq: 1 }])
    const stored = async () => {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from souk.outbox where topic = 'commerce.event' and payload->>'id' = ${id!}`.execute(
        fixture.storage.db,
      )
      return Number(rows[0]!.n)
    }
    await commerce.subscribers.drain()
    clock.advance(120_000)
    await commerce.checkout.recover()
    expect(await stored()).toBe(1)
    up = true
    await drainUntil(commerce, (t) => t.delivered >= 1)
    await commerce.checkout.recover()
    expect(await stored()).toBe(0)

    const [kept] = await writeEvents(clock, [{ aggregateId: uniq('prod'), seq: 2 }])
    up = false
    await commerce.subscribers.drain()
    clock.advance(120_000)
    await commerce.checkout.recover()
    const left = await sql<{ n: string }>`
      select count(*) as n from souk.outbox where payload->>'id' = ${kept!}`.execute(fixture.storage.db)
    expect(Number(left.rows[0]!.n)).toBe(1)
    await commerce.subscribers.remove({ name })
    await commerce.checkout.recover()
    const gone = await sql<{ n: string }>`
      select count(*) as n from souk.outbox where payload->>'id' = ${kept!}`.execute(fixture.storage.db)
    expect(Number(gone.rows[0]!.n)).toBe(0)
  })
})
