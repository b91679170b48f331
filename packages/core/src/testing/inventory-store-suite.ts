import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { InventoryStore, NewReservation } from '../ports/inventory-store.js'
import { expectCommerceError } from './expect-commerce-error.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/**
 * Reads what the adapter persisted without going through the store, so the suite checks storage
 * itself rather than the adapter's own getters.
 */
export interface InventoryInspector {
  /** The stored counters of one level, or null if there is no row. */
  level(sku: string, locationId: string): Promise<{ onHand: number; reserved: number } | null>
  /** Sum of quantities held at a level by reservations in status `active`. */
  activeReservedSum(sku: string, locationId: string): Promise<number>
  /** Stored status of a reservation, or null. */
  reservationStatus(id: string): Promise<string | null>
}

export interface InventoryStoreHarness {
  readonly store: InventoryStore
  readonly inspect: InventoryInspector
}

const LOC = 'default'

/**
 * The inventory store contract. Every test uses fresh random SKUs, so one store may serve all.
 * @param makeHarness called once per test.
 */
export function inventoryStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<InventoryStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const ids = createIdGenerator()
  const sku = (name: string) => `${name}-${ids('t').slice(-10)}`
  const now = () => new Date()
  const reservation = (
    over: Partial<NewReservation> & Pick<NewReservation, 'lines' | 'allocations'>,
  ): NewReservation => ({
    id: ids('res'),
    reference: null,
    expiresAt: new Date(Date.now() + 60_000),
    createdAt: new Date(),
    ...over,
  })
  const hold = (s: string, quantity: number, locationId = LOC) =>
    reservation({ lines: [{ sku: s, quantity }], allocations: [{ sku: s, locationId, quantity }] })

  describe('inventory store contract', () => {
    it('setOnHand creates the SKU, the location and the level, and reports the change', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('set')
      const change = await store.setOnHand({ sku: a, locationId: LOC, onHand: 7, at: now() })
      assert.deepEqual(change.level, { sku: a, locationId: LOC, onHand: 7, reserved: 0, available: 7 })
      assert.equal(change.previousOnHand, 0)
      assert.equal(change.availableAfter.get(a), 7)
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 7, reserved: 0 })
      const [item] = await store.getItems([a])
      assert.deepEqual(item, { sku: a, tracked: true, allowBackorder: false, lowStockThreshold: null })
      assert.ok((await store.listLocations()).some((l) => l.id === LOC))
    })

    it('adjustOnHand adds and removes atomically and refuses to go below reserved', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('adj')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 5, at: now() })
      const up = await store.adjustOnHand({ sku: a, locationId: LOC, delta: 3, at: now() })
      assert.equal(up.level.onHand, 8)
      assert.equal(up.previousOnHand, 5)
      await store.createReservation(hold(a, 6))
      await expectCommerceError(
        store.adjustOnHand({ sku: a, locationId: LOC, delta: -3, at: now() }),
        'inventory.insufficient_stock',
      )
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 8, reserved: 6 })
      await expectCommerceError(
        store.setOnHand({ sku: a, locationId: LOC, onHand: 5, at: now() }),
        'inventory.insufficient_stock',
      )
      await expectCommerceError(
        store.adjustOnHand({ sku: sku('none'), locationId: LOC, delta: 1, at: now() }),
        'not_found',
      )
    })

    it('concurrent adjustments lose no update', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('adjrace')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 0, at: now() })
      await Promise.all(
        Array.from({ length: concurrency }, () =>
          store.adjustOnHand({ sku: a, locationId: LOC, delta: 2, at: now() }),
        ),
      )
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 2 * concurrency, reserved: 0 })
    })

    it('createReservation holds stock and is all-or-nothing across lines', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('ra')
      const b = sku('rb')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 10, at: now() })
      await store.setOnHand({ sku: b, locationId: LOC, onHand: 1, at: now() })
      const change = await store.createReservation(hold(a, 4))
      assert.equal(change.availableAfter.get(a), 6)
      const both = reservation({
        lines: [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 2 },
        ],
        allocations: [
          { sku: a, locationId: LOC, quantity: 2 },
          { sku: b, locationId: LOC, quantity: 2 },
        ],
      })
      await expectCommerceError(store.createReservation(both), 'inventory.insufficient_stock', {
        shortfalls: [{ sku: b, requested: 2, available: 1 }],
      })
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 10, reserved: 4 })
      assert.deepEqual(await inspect.level(b, LOC), { onHand: 1, reserved: 0 })
      assert.equal(await inspect.reservationStatus(both.id), null)
    })

    it('stores the reservation with its lines and allocations', async () => {
      const { store } = await makeHarness()
      const a = sku('get')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 3, at: now() })
      const r = { ...hold(a, 2), reference: 'order_1' }
      await store.createReservation(r)
      const stored = await store.getReservation(r.id)
      assert.ok(stored)
      assert.equal(stored.status, 'active')
      assert.equal(stored.reference, 'order_1')
      assert.deepEqual(stored.lines, [{ sku: a, quantity: 2 }])
      assert.deepEqual(stored.allocations, [{ sku: a, locationId: LOC, quantity: 2 }])
      assert.equal(stored.expiresAt.getTime(), r.expiresAt.getTime())
      assert.equal(await store.getReservation('res_unknown'), null)
    })

    it('commit sells held stock once; a repeat changes nothing', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('commit')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 5, at: now() })
      const r = hold(a, 2)
      await store.createReservation(r)
      const first = await store.commitReservation({ reservationId: r.id, at: now() })
      assert.equal(first.changed, true)
      assert.equal(first.reservation.status, 'committed')
      const again = await store.commitReservation({ reservationId: r.id, at: now() })
      assert.equal(again.changed, false)
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 3, reserved: 0 })
      assert.equal(await inspect.reservationStatus(r.id), 'committed')
      await expectCommerceError(
        store.releaseReservation({ reservationId: r.id, at: now() }),
        'inventory.reservation_committed',
      )
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 3, reserved: 0 })
    })

    it('release gives stock back once; a released reservation cannot be committed', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('release')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 5, at: now() })
      const r = hold(a, 2)
      await store.createReservation(r)
      const first = await store.releaseReservation({ reservationId: r.id, at: now() })
      assert.equal(first.changed, true)
      assert.equal(first.availableAfter.get(a), 5)
      assert.equal((await store.releaseReservation({ reservationId: r.id, at: now() })).changed, false)
      await expectCommerceError(
        store.commitReservation({ reservationId: r.id, at: now() }),
        'inventory.reservation_released',
      )
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 5, reserved: 0 })
      await expectCommerceError(
        store.commitReservation({ reservationId: 'res_missing', at: now() }),
        'not_found',
      )
      await expectCommerceError(
        store.releaseReservation({ reservationId: 'res_missing', at: now() }),
        'not_found',
      )
    })

    it('expires only what is past its expiry; an expired reservation cannot be committed', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('expire')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 5, at: now() })
      const t0 = Date.now()
      const soon = { ...hold(a, 1), expiresAt: new Date(t0 + 1_000) }
      const later = { ...hold(a, 2), expiresAt: new Date(t0 + 100_000) }
      await store.createReservation(soon)
      await store.createReservation(later)
      const expired = await store.expireReservations({ at: new Date(t0 + 5_000), limit: 1000 })
      const mine = expired.filter((c) => c.reservation.id === soon.id)
      assert.equal(mine.length, 1)
      assert.equal(mine[0]!.reservation.status, 'expired')
      assert.ok(!expired.some((c) => c.reservation.id === later.id))
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 5, reserved: 2 })
      await expectCommerceError(
        store.commitReservation({ reservationId: soon.id, at: new Date(t0 + 5_000) }),
        'inventory.reservation_expired',
      )
      assert.equal(
        (await store.releaseReservation({ reservationId: soon.id, at: new Date(t0 + 5_000) })).changed,
        false,
      )
      // Past its expiry but not yet swept: commit must refuse too.
      await expectCommerceError(
        store.commitReservation({ reservationId: later.id, at: new Date(t0 + 200_000) }),
        'inventory.reservation_expired',
      )
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 5, reserved: 2 })
    })

    it('backorderable SKUs reserve past on hand; untracked SKUs hold nothing', async () => {
      const { store, inspect } = await makeHarness()
      const back = sku('back')
      const free = sku('free')
      await store.upsertItem({ sku: back, allowBackorder: true })
      await store.setOnHand({ sku: back, locationId: LOC, onHand: 1, at: now() })
      await store.upsertItem({ sku: free, tracked: false })
      const r = reservation({
        lines: [
          { sku: back, quantity: 3 },
          { sku: free, quantity: 9 },
        ],
        allocations: [{ sku: back, locationId: LOC, quantity: 3 }],
      })
      await store.createReservation(r)
      assert.deepEqual(await inspect.level(back, LOC), { onHand: 1, reserved: 3 })
      assert.equal(await inspect.level(free, LOC), null)
      const stored = await store.getReservation(r.id)
      assert.deepEqual(stored?.lines, [
        { sku: back, quantity: 3 },
        { sku: free, quantity: 9 },
      ])
      await store.commitReservation({ reservationId: r.id, at: now() })
      assert.deepEqual(await inspect.level(back, LOC), { onHand: -2, reserved: 0 })
    })

    it('returns an allocation snapshot with items, levels and preferred locations first', async () => {
      const { store } = await makeHarness()
      const a = sku('snap')
      const far = `far-${ids('l').slice(-8)}`
      const near = `near-${ids('l').slice(-8)}`
      await store.upsertLocation({ id: far, name: 'Far', priority: 50 })
      await store.upsertLocation({ id: near, name: 'Near', priority: 1 })
      await store.setOnHand({ sku: a, locationId: far, onHand: 2, at: now() })
      await store.setOnHand({ sku: a, locationId: near, onHand: 3, at: now() })
      const snap = await store.getAllocationSnapshot([a, sku('unknown')])
      assert.deepEqual(
        snap.items.map((i) => i.sku),
        [a],
      )
      assert.equal(snap.levels.length, 2)
      assert.deepEqual(
        snap.locations.map((l) => l.id),
        [near, far],
      )
    })

    it(`${concurrency} concurrent single-unit reservations against stock ${Math.floor(concurrency / 4)} oversell nothing`, async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('race')
      const stock = Math.floor(concurrency / 4)
      await store.setOnHand({ sku: a, locationId: LOC, onHand: stock, at: now() })
      const results = await Promise.allSettled(
        Array.from({ length: concurrency }, () => store.createReservation(hold(a, 1))),
      )
      const won = results.filter((r) => r.status === 'fulfilled').length
      const lost = results.filter(
        (r) => r.status === 'rejected' && isCommerceError(r.reason, 'inventory.insufficient_stock'),
      )
      assert.equal(won, stock)
      assert.equal(lost.length, concurrency - stock)
      assert.deepEqual(await inspect.level(a, LOC), { onHand: stock, reserved: stock })
      assert.equal(await inspect.activeReservedSum(a, LOC), stock)
    })

    it('concurrent multi-SKU reservations in opposite orders never deadlock', async () => {
      const { store, inspect } = await makeHarness()
      const a = sku('dla')
      const b = sku('dlb')
      await store.setOnHand({ sku: a, locationId: LOC, onHand: 1000, at: now() })
      await store.setOnHand({ sku: b, locationId: LOC, onHand: 1000, at: now() })
      const pair = (first: string, second: string) =>
        reservation({
          lines: [
            { sku: first, quantity: 1 },
            { sku: second, quantity: 1 },
          ],
          allocations: [
            { sku: first, locationId: LOC, quantity: 1 },
            { sku: second, locationId: LOC, quantity: 1 },
          ],
        })
      const made = Array.from({ length: concurrency }, (_, i) => (i % 2 ? pair(a, b) : pair(b, a)))
      await Promise.all(made.map((r) => store.createReservation(r)))
      await Promise.all(
        made.map((r, i) =>
          i % 3 === 0
            ? store.releaseReservation({ reservationId: r.id, at: now() })
            : store.commitReservation({ reservationId: r.id, at: now() }),
        ),
      )
      const released = made.filter((_, i) => i % 3 === 0).length
      const sold = concurrency - released
      assert.deepEqual(await inspect.level(a, LOC), { onHand: 1000 - sold, reserved: 0 })
      assert.deepEqual(await inspect.level(b, LOC), { onHand: 1000 - sold, reserved: 0 })
    })

    it('keeps back-in-stock subscriptions idempotently', async () => {
      const { store } = await makeHarness()
      const a = sku('sub')
      await store.addStockSubscription({ sku: a, subscriber: 'cus_1', at: now() })
      await store.addStockSubscription({ sku: a, subscriber: 'cus_1', at: now() })
      await store.addStockSubscription({ sku: a, subscriber: 'cus_2', at: now() })
      assert.deepEqual((await store.listStockSubscribers(a)).sort(), ['cus_1', 'cus_2'])
      await store.removeStockSubscription({ sku: a, subscriber: 'cus_1' })
      assert.deepEqual(await store.listStockSubscribers(a), ['cus_2'])
    })
  })
}
