import {
  type Commerce,
  type CommerceEvent,
  createCommerce,
  createManualClock,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

let n = 0
// Stock mechanics on SKUs no catalog product has: stock calls pass `allowUnknownSku: true`.
const sku = (name: string) => `${name}-${++n}`

describeOnDrivers('inventory_service', (fixture) => {
  let commerce: Commerce
  let clock: ManualClock
  let events: CommerceEvent[]

  beforeAll(() => {
    clock = createManualClock(new Date('2026-01-01T00:00:00Z'))
    commerce = createCommerce({ storage: fixture().storage, clock, logger: silentLogger })
    commerce.events.onAny((e) => {
      events.push(e)
    })
  })
  afterAll(() => commerce.close())
  beforeEach(() => {
    events = []
  })

  async function reservationCount(): Promise<number> {
    const row = await fixture()
      .storage.db.selectFrom('reservations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  describe('inventory service: bad input changes nothing', () => {
    const badReservations: [string, unknown][] = [
      ['negative quantity', { lines: [{ sku: 'A', quantity: -1 }] }],
      ['zero quantity', { lines: [{ sku: 'A', quantity: 0 }] }],
      ['fractional quantity', { lines: [{ sku: 'A', quantity: 1.5 }] }],
      ['huge quantity', { lines: [{ sku: 'A', quantity: 1e12 }] }],
      ['NaN quantity', { lines: [{ sku: 'A', quantity: Number.NaN }] }],
      ['string quantity', { lines: [{ sku: 'A', quantity: '3' }] }],
      ['no lines', { lines: [] }],
      ['too many lines', { lines: Array.from({ length: 501 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }],
      ['empty sku', { lines: [{ sku: '', quantity: 1 }] }],
      ['sku with spaces', { lines: [{ sku: 'a b', quantity: 1 }] }],
      ['sku too long', { lines: [{ sku: 'x'.repeat(65), quantity: 1 }] }],
      ['sql in sku', { lines: [{ sku: "A'; drop table souk.stock_levels; --", quantity: 1 }] }],
      ['unknown field', { lines: [{ sku: 'A', quantity: 1 }], priority: 'high' }],
      ['ttl too short', { lines: [{ sku: 'A', quantity: 1 }], ttlMs: 0 }],
      [
        'ttl and expiresAt',
        { lines: [{ sku: 'A', quantity: 1 }], ttlMs: 60_000, expiresAt: new Date('2030-01-01') },
      ],
      ['expiry in the past', { lines: [{ sku: 'A', quantity: 1 }], expiresAt: new Date('2020-01-01') }],
      ['not an object', 'reserve please'],
    ]

    it.each(badReservations)('reserve rejects %s with validation.failed', async (_, input) => {
      await commerce.inventory.setStock({ sku: 'A', onHand: 10, allowUnknownSku: true })
      const before = await reservationCount()
      const error = await expectCommerceError(commerce.inventory.reserve(input as never), 'validation.failed')
      expect(Array.isArray(error.details.issues)).toBe(true)
      expect(await reservationCount()).toBe(before)
      expect(await commerce.inventory.getLevels({ sku: 'A' })).toEqual([
        { sku: 'A', locationId: 'default', onHand: 10, reserved: 0, available: 10 },
      ])
    })

    it('summed quantities over the line limit are rejected', async () => {
      await expectCommerceError(
        commerce.inventory.reserve({
          lines: [
            { sku: 'A', quantity: 1_000_000 },
            { sku: 'A', quantity: 1 },
          ],
        }),
        'validation.failed',
      )
    })

    it.each([
      ['negative on hand', { sku: 'A', onHand: -1 }],
      ['fractional on hand', { sku: 'A', onHand: 2.5 }],
      ['huge on hand', { sku: 'A', onHand: 1e15 }],
      ['bad location', { sku: 'A', locationId: 'no spaces allowed', onHand: 1 }],
    ])('setStock rejects %s', async (_, input) => {
      await expectCommerceError(commerce.inventory.setStock(input as never), 'validation.failed')
    })

    it('adjust rejects a zero or fractional delta and an empty reason', async () => {
      await expectCommerceError(
        commerce.inventory.adjust({ sku: 'A', delta: 0, reason: 'x' }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.inventory.adjust({ sku: 'A', delta: 0.5, reason: 'x' }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.inventory.adjust({ sku: 'A', delta: 1, reason: ' ' }),
        'validation.failed',
      )
    })

    it('keeps stock only for SKUs the catalog knows, unless a call allows an unknown SKU', async () => {
      const typo = sku('TYPO')
      await expectCommerceError(commerce.inventory.setStock({ sku: typo, onHand: 5 }), 'not_found', {
        entity: 'sku',
        id: typo,
      })
      await expectCommerceError(
        commerce.inventory.adjust({ sku: typo, delta: 5, reason: 'delivery' }),
        'not_found',
      )
      const stored = await fixture()
        .storage.db.selectFrom('inventory_items')
        .select('sku')
        .where('sku', '=', typo)
        .execute()
      expect(stored).toEqual([])
      expect(events).toEqual([])

      const known = sku('KNOWN')
      await commerce.catalog.createProduct({
        slug: known.toLowerCase(),
        name: 'Known tee',
        variants: [{ sku: known, prices: [{ amount: 1500, currency: 'EUR' }] }],
      })
      expect((await commerce.inventory.setStock({ sku: known, onHand: 5 })).onHand).toBe(5)
      expect((await commerce.inventory.adjust({ sku: known, delta: 2, reason: 'delivery' })).onHand).toBe(7)

      // Stock that arrives before its product: the caller says so.
      const early = sku('EARLY')
      expect(
        (await commerce.inventory.setStock({ sku: early, onHand: 3, allowUnknownSku: true })).onHand,
      ).toBe(3)
      await expectCommerceError(
        commerce.inventory.adjust({ sku: early, delta: 1, reason: 'count' }),
        'not_found',
      )
      expect(
        (await commerce.inventory.adjust({ sku: early, delta: 1, reason: 'count', allowUnknownSku: true }))
          .onHand,
      ).toBe(4)
    })

    it('unknown SKUs and reservation ids are not_found; malformed ids are validation errors', async () => {
      await expectCommerceError(
        commerce.inventory.reserve({ lines: [{ sku: 'NOPE', quantity: 1 }] }),
        'not_found',
      )
      await expectCommerceError(commerce.inventory.getLevels({ sku: 'NOPE' }), 'not_found')
      await expectCommerceError(commerce.inventory.available({ sku: 'NOPE' }), 'not_found')
      await expectCommerceError(
        commerce.inventory.adjust({ sku: 'NOPE', delta: 1, reason: 'count', allowUnknownSku: true }),
        'not_found',
      )
      await expectCommerceError(
        commerce.inventory.commit({ reservationId: 'res_01JAAAAAAAAAAAAAAAAAAAAAAA' }),
        'not_found',
      )
      await expectCommerceError(
        commerce.inventory.release({ reservationId: 'res_01JAAAAAAAAAAAAAAAAAAAAAAA' }),
        'not_found',
      )
      await expectCommerceError(
        commerce.inventory.commit({ reservationId: "res_1' or '1'='1" }),
        'validation.failed',
      )
      await expectCommerceError(commerce.inventory.commit({ reservationId: '' }), 'validation.failed')
      await expectCommerceError(
        commerce.inventory.getReservation({ reservationId: 'x'.repeat(101) }),
        'validation.failed',
      )
    })
  })

  describe('inventory service: reservations', () => {
    it('sums lines of one SKU before checking, so a cart cannot oversell it', async () => {
      const a = sku('twice')
      await commerce.inventory.setStock({ sku: a, onHand: 5, allowUnknownSku: true })
      await expectCommerceError(
        commerce.inventory.reserve({
          lines: [
            { sku: a, quantity: 3 },
            { sku: a, quantity: 3 },
          ],
        }),
        'inventory.insufficient_stock',
        { shortfalls: [{ sku: a, requested: 6, available: 5 }] },
      )
      expect(await commerce.inventory.available({ sku: a })).toBe(5)
      expect(events.filter((e) => e.type === 'inventory.reserved')).toEqual([])
    })

    it('reserves, commits once and reports each step as an event', async () => {
      const a = sku('flow')
      const b = sku('flow')
      await commerce.inventory.setStock({ sku: a, onHand: 4, allowUnknownSku: true })
      await commerce.inventory.setStock({ sku: b, onHand: 4, allowUnknownSku: true })
      events = []
      const r = await commerce.inventory.reserve({
        lines: [
          { sku: b, quantity: 1 },
          { sku: a, quantity: 2 },
        ],
        reference: 'order_1',
      })
      expect(r.expiresAt).toEqual(new Date(clock.now().getTime() + 15 * 60_000))
      expect(r.lines).toEqual([
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ])
      expect(await commerce.inventory.available({ sku: a })).toBe(2)
      const committed = await commerce.inventory.commit({ reservationId: r.id })
      expect(committed.status).toBe('committed')
      await commerce.inventory.commit({ reservationId: r.id })
      expect(await commerce.inventory.getLevels({ sku: a })).toEqual([
        { sku: a, locationId: 'default', onHand: 2, reserved: 0, available: 2 },
      ])
      expect(events.map((e) => e.type)).toEqual(['inventory.reserved', 'inventory.committed'])
      await expectCommerceError(
        commerce.inventory.release({ reservationId: r.id }),
        'inventory.reservation_committed',
      )
    })

    it('expires holds past their expiry on the injected clock and refuses to commit them', async () => {
      const a = sku('expiry')
      await commerce.inventory.setStock({ sku: a, onHand: 3, allowUnknownSku: true })
      const r = await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 3 }], ttlMs: 60_000 })
      expect(await commerce.inventory.available({ sku: a })).toBe(0)
      clock.advance(61_000)
      await expectCommerceError(
        commerce.inventory.commit({ reservationId: r.id }),
        'inventory.reservation_expired',
      )
      const { expired } = await commerce.inventory.releaseExpired()
      expect(expired).toBeGreaterThanOrEqual(1)
      expect(await commerce.inventory.available({ sku: a })).toBe(3)
      expect((await commerce.inventory.getReservation({ reservationId: r.id })).status).toBe('expired')
      const released = events.find((e) => e.type === 'inventory.released')
      expect(released).toMatchObject({ reservationId: r.id, reason: 'expired' })
      await expectCommerceError(
        commerce.inventory.commit({ reservationId: r.id }),
        'inventory.reservation_expired',
      )
    })

    it('prefers one location that fills the whole cart, else splits by priority', async () => {
      const a = sku('loc')
      const b = sku('loc')
      const near = `near-${n}`
      const far = `far-${n}`
      await commerce.inventory.upsertLocation({ id: near, name: 'Near', priority: 1 })
      await commerce.inventory.upsertLocation({ id: far, name: 'Far', priority: 2 })
      await commerce.inventory.setStock({ sku: a, locationId: near, onHand: 5, allowUnknownSku: true })
      await commerce.inventory.setStock({ sku: b, locationId: near, onHand: 1, allowUnknownSku: true })
      await commerce.inventory.setStock({ sku: a, locationId: far, onHand: 5, allowUnknownSku: true })
      await commerce.inventory.setStock({ sku: b, locationId: far, onHand: 5, allowUnknownSku: true })

      const whole = await commerce.inventory.reserve({
        lines: [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 2 },
        ],
      })
      expect(whole.allocations).toEqual([
        { sku: a, locationId: far, quantity: 2 },
        { sku: b, locationId: far, quantity: 2 },
      ])
      const split = await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 7 }] })
      expect(split.allocations).toEqual([
        { sku: a, locationId: near, quantity: 5 },
        { sku: a, locationId: far, quantity: 2 },
      ])
      await expectCommerceError(
        commerce.inventory.reserve({ lines: [{ sku: a, quantity: 2 }] }),
        'inventory.insufficient_stock',
      )
      expect(await commerce.inventory.available({ sku: a })).toBe(1)
    })

    it('lets backorderable SKUs go short and never holds untracked ones', async () => {
      const back = sku('back')
      const digital = sku('digital')
      await commerce.inventory.configureItem({ sku: back, allowBackorder: true })
      await commerce.inventory.setStock({ sku: back, onHand: 1, allowUnknownSku: true })
      await commerce.inventory.configureItem({ sku: digital, tracked: false })
      const r = await commerce.inventory.reserve({
        lines: [
          { sku: back, quantity: 4 },
          { sku: digital, quantity: 100 },
        ],
      })
      expect(r.allocations).toEqual([{ sku: back, locationId: 'default', quantity: 4 }])
      expect(await commerce.inventory.available({ sku: back })).toBe(-3)
      expect(await commerce.inventory.available({ sku: digital })).toBe(Number.POSITIVE_INFINITY)
    })
  })

  describe('inventory service: custom allocation strategies', () => {
    it('refuses a plan that does not hold every unit, so a buggy strategy cannot oversell', async () => {
      const a = sku('strategy')
      await commerce.inventory.setStock({ sku: a, onHand: 2, allowUnknownSku: true })
      const sloppy = createCommerce({
        storage: fixture().storage,
        clock,
        logger: silentLogger,
        allocation: () => [],
      })
      const short = createCommerce({
        storage: fixture().storage,
        clock,
        logger: silentLogger,
        allocation: ({ lines }) =>
          lines.map((l) => ({ sku: l.sku, locationId: 'default', quantity: l.quantity - 1 })),
      })
      await expectCommerceError(
        sloppy.inventory.reserve({ lines: [{ sku: a, quantity: 5 }] }),
        'config.invalid',
      )
      await expectCommerceError(
        short.inventory.reserve({ lines: [{ sku: a, quantity: 2 }] }),
        'config.invalid',
      )
      expect(await commerce.inventory.available({ sku: a })).toBe(2)
    })

    it('keeps a location priority when an update leaves it out', async () => {
      await commerce.inventory.upsertLocation({ id: 'keep-priority', name: 'Keep', priority: 7 })
      const renamed = await commerce.inventory.upsertLocation({ id: 'keep-priority', name: 'Kept' })
      expect(renamed).toEqual({ id: 'keep-priority', name: 'Kept', priority: 7 })
    })
  })

  describe('inventory service: stock events', () => {
    /** Low-stock and back-in-stock are durable only: read them from the outbox they are written to. */
    async function stockSignals(a: string): Promise<Record<string, unknown>[]> {
      const { rows } = await sql<{ data: Record<string, unknown> }>`
      select payload->'data' as data from souk.outbox where topic = 'commerce.event' and key = ${a}
        and payload->>'type' in ('inventory.low_stock', 'inventory.back_in_stock')
      order by id`.execute(fixture().storage.db)
      return rows.map((r) => r.data)
    }

    it('fires low_stock once when available crosses the threshold', async () => {
      const a = sku('low')
      await commerce.inventory.configureItem({ sku: a, lowStockThreshold: 3 })
      await commerce.inventory.setStock({ sku: a, onHand: 6, allowUnknownSku: true })
      await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 2 }] }) // 4 left: above
      await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 2 }] }) // 2 left: crosses
      await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 1 }] }) // 1 left: already low
      const low = (await stockSignals(a)).filter((e) => e.type === 'inventory.low_stock')
      expect(low).toEqual([
        {
          type: 'inventory.low_stock',
          sku: a,
          available: 2,
          threshold: 3,
          occurredAt: clock.now().toISOString(),
        },
      ])
      expect(events.map((e) => e.type)).not.toContain('inventory.low_stock')
    })

    it('counts the first stock of a new SKU as back in stock', async () => {
      const a = sku('first')
      await commerce.inventory.subscribeBackInStock({ sku: a, subscriber: 'cus_early' })
      await commerce.inventory.setStock({ sku: a, onHand: 2, allowUnknownSku: true })
      expect(events.map((e) => e.type)).toEqual(['inventory.adjusted'])
      expect(await stockSignals(a)).toMatchObject([
        { type: 'inventory.back_in_stock', sku: a, available: 2, subscribers: ['cus_early'] },
      ])
    })

    it('fires back_in_stock with the subscribers when stock returns', async () => {
      const a = sku('back-in')
      await commerce.inventory.setStock({ sku: a, onHand: 1, allowUnknownSku: true })
      const r = await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 1 }] })
      const before = (await stockSignals(a)).length
      await commerce.inventory.subscribeBackInStock({ sku: a, subscriber: 'cus_1' })
      await commerce.inventory.subscribeBackInStock({ sku: a, subscriber: 'cus_2' })
      await commerce.inventory.unsubscribeBackInStock({ sku: a, subscriber: 'cus_2' })
      await commerce.inventory.release({ reservationId: r.id })
      await commerce.inventory.release({ reservationId: r.id })
      expect((await stockSignals(a)).slice(before)).toEqual([
        {
          type: 'inventory.back_in_stock',
          sku: a,
          available: 1,
          subscribers: ['cus_1'],
          occurredAt: clock.now().toISOString(),
        },
      ])

      await commerce.inventory.adjust({ sku: a, delta: -1, reason: 'damaged', allowUnknownSku: true })
      events = []
      const sold = (await stockSignals(a)).length
      await commerce.inventory.adjust({ sku: a, delta: 5, reason: 'delivery', allowUnknownSku: true })
      expect(events.map((e) => e.type)).toEqual(['inventory.adjusted'])
      expect(events[0]).toMatchObject({ delta: 5, onHand: 5, reason: 'delivery' })
      // Told once: the subscription ended with the first back_in_stock.
      expect((await stockSignals(a)).slice(sold)).toMatchObject([
        { type: 'inventory.back_in_stock', available: 5, subscribers: [] },
      ])
    })

    it('refuses to set or adjust on hand below what is reserved', async () => {
      const a = sku('floor')
      await commerce.inventory.setStock({ sku: a, onHand: 5, allowUnknownSku: true })
      await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 4 }] })
      await expectCommerceError(
        commerce.inventory.setStock({ sku: a, onHand: 3, allowUnknownSku: true }),
        'inventory.insufficient_stock',
      )
      await expectCommerceError(
        commerce.inventory.adjust({ sku: a, delta: -2, reason: 'count', allowUnknownSku: true }),
        'inventory.insufficient_stock',
      )
      expect(await commerce.inventory.getLevels({ sku: a })).toEqual([
        { sku: a, locationId: 'default', onHand: 5, reserved: 4, available: 1 },
      ])
    })
  })
})
