import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { NewPriceSchedule, PriceScheduleStore } from '../ports/price-schedule-store.js'
import type { PriceSchedule } from '../pricing/price-schedule-types.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface PriceScheduleStoreHarness {
  readonly store: PriceScheduleStore
  /**
   * Creates a product with one variant priced in `currencies` (1000 minor units each) and returns
   * its ids. Each call makes a fresh SKU.
   */
  newVariant(currencies: readonly string[]): Promise<{ sku: string; variantId: string; productId: string }>
  /** Reads a stored schedule without going through the store: its variant, currency, amount and window. */
  stored(id: string): Promise<{
    variantId: string
    currency: string
    amount: number
    startsAt: Date
    endsAt: Date | null
  } | null>
}

/**
 * The price schedule store contract: schedules stored per variant and currency, windows that never
 * overlap (also when inserts race), keyset listing, delete. Fresh SKUs per test, so one store may
 * serve all. Times are whole seconds: every backend keeps them exactly.
 */
export function priceScheduleStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<PriceScheduleStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const at = (iso: string) => new Date(iso)
  const schedule = (
    sku: string,
    startsAt: string,
    endsAt: string | null,
    amount = 800,
    currency = 'USD',
  ): NewPriceSchedule => ({
    id: ids('psch'),
    sku,
    price: { amount, currency },
    startsAt: at(startsAt),
    endsAt: endsAt === null ? null : at(endsAt),
    createdAt: at('2026-01-01T00:00:00Z'),
  })

  describe('price schedule store', () => {
    it('stores a schedule with its variant and product and returns it', async () => {
      const h = await makeHarness()
      const v = await h.newVariant(['USD'])
      const s = await h.store.insert(schedule(v.sku, '2030-01-01T00:00:00Z', '2030-01-08T00:00:00Z'))
      assert.deepEqual(s, {
        id: s.id,
        sku: v.sku,
        variantId: v.variantId,
        productId: v.productId,
        price: { amount: 800, currency: 'USD' },
        startsAt: at('2030-01-01T00:00:00Z'),
        endsAt: at('2030-01-08T00:00:00Z'),
        createdAt: at('2026-01-01T00:00:00Z'),
      })
      assert.deepEqual(await h.stored(s.id), {
        variantId: v.variantId,
        currency: 'USD',
        amount: 800,
        startsAt: at('2030-01-01T00:00:00Z'),
        endsAt: at('2030-01-08T00:00:00Z'),
      })
    })

    it('refuses an unknown SKU and a currency the variant has no regular price in', async () => {
      const h = await makeHarness()
      const v = await h.newVariant(['USD'])
      await expectCommerceError(
        h.store.insert(schedule(`NOPE-${ids('x')}`, '2030-01-01T00:00:00Z', null)),
        'not_found',
      )
      await expectCommerceError(
        h.store.insert(schedule(v.sku, '2030-01-01T00:00:00Z', null, 800, 'EUR')),
        'validation.failed',
      )
      assert.equal((await h.store.list({ sku: v.sku, limit: 10 })).items.length, 0)
    })

    it('refuses overlapping windows of one variant and currency, and allows touching ones', async () => {
      const h = await makeHarness()
      const v = await h.newVariant(['USD', 'EUR'])
      const first = await h.store.insert(schedule(v.sku, '2030-01-10T00:00:00Z', '2030-01-20T00:00:00Z'))
      const overlapping: [string, string | null][] = [
        ['2030-01-10T00:00:00Z', '2030-01-20T00:00:00Z'], // the same window
        ['2030-01-05T00:00:00Z', '2030-01-11T00:00:00Z'], // across its start
        ['2030-01-19T00:00:00Z', '2030-01-25T00:00:00Z'], // across its end
        ['2030-01-12T00:00:00Z', '2030-01-13T00:00:00Z'], // inside it
        ['2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z'], // around it
        ['2030-01-15T00:00:00Z', null], // open-ended from inside it
        ['2029-01-01T00:00:00Z', null], // open-ended from before it
      ]
      for (const [startsAt, endsAt] of overlapping) {
        await expectCommerceError(h.store.insert(schedule(v.sku, startsAt, endsAt)), 'conflict', {
          field: 'window',
          scheduleId: first.id,
        })
      }
      // Touching windows ([a, b) then [b, c)), another currency: all fine.
      await h.store.insert(schedule(v.sku, '2030-01-20T00:00:00Z', '2030-01-30T00:00:00Z'))
      await h.store.insert(schedule(v.sku, '2030-01-01T00:00:00Z', '2030-01-10T00:00:00Z'))
      await h.store.insert(schedule(v.sku, '2030-01-10T00:00:00Z', null, 700, 'EUR'))
      const open = await h.store.insert(schedule(v.sku, '2030-03-01T00:00:00Z', null))
      await expectCommerceError(
        h.store.insert(schedule(v.sku, '2031-01-01T00:00:00Z', '2031-02-01T00:00:00Z')),
        'conflict',
        {
          scheduleId: open.id,
        },
      )
      assert.equal((await h.store.list({ sku: v.sku, limit: 100 })).items.length, 5)
    })

    it(`lets exactly one of ${concurrency} racing overlapping schedules land`, async () => {
      const h = await makeHarness()
      const v = await h.newVariant(['USD'])
      const results = await Promise.allSettled(
        Array.from({ length: concurrency }, (_, i) =>
          h.store.insert(
            schedule(v.sku, `2030-05-01T00:00:${String(i % 60).padStart(2, '0')}Z`, '2030-06-01T00:00:00Z'),
          ),
        ),
      )
      const landed = results.filter((r) => r.status === 'fulfilled')
      assert.equal(landed.length, 1)
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(isCommerceError(r.reason, 'conflict'), String(r.reason))
      }
      assert.equal((await h.store.list({ sku: v.sku, limit: 100 })).items.length, 1)
    })

    it('lists by start then id, filtered, a page at a time', async () => {
      const h = await makeHarness()
      const a = await h.newVariant(['USD'])
      const b = await h.newVariant(['USD'])
      const made: PriceSchedule[] = []
      for (let day = 10; day < 17; day++) {
        made.push(
          await h.store.insert(schedule(a.sku, `2030-07-${day}T00:00:00Z`, `2030-07-${day}T12:00:00Z`)),
        )
      }
      made.push(await h.store.insert(schedule(b.sku, '2030-07-10T00:00:00Z', null)))
      const ofA = await pageThrough(
        (after) => h.store.list({ sku: a.sku, limit: 3, ...(after ? { after } : {}) }),
        {
          sort: 'price_schedules',
          limit: 3,
          key: (s) => s.id,
        },
      )
      assert.deepEqual(
        ofA.map((s) => s.id),
        made.filter((s) => s.sku === a.sku).map((s) => s.id),
      )
      const ofB = await h.store.list({ productId: b.productId, limit: 10 })
      assert.deepEqual(
        ofB.items.map((s) => s.id),
        [made.at(-1)!.id],
      )
      const current = await h.store.list({ sku: a.sku, endingAfter: at('2030-07-14T06:00:00Z'), limit: 10 })
      assert.deepEqual(
        current.items.map((s) => s.startsAt.toISOString()),
        ['2030-07-14T00:00:00.000Z', '2030-07-15T00:00:00.000Z', '2030-07-16T00:00:00.000Z'],
      )
    })

    it('deletes a schedule once and frees its window', async () => {
      const h = await makeHarness()
      const v = await h.newVariant(['USD'])
      const s = await h.store.insert(schedule(v.sku, '2030-09-01T00:00:00Z', '2030-09-02T00:00:00Z'))
      assert.deepEqual(await h.store.delete({ id: s.id }), s)
      assert.equal(await h.store.delete({ id: s.id }), null)
      assert.equal(await h.stored(s.id), null)
      await h.store.insert(schedule(v.sku, '2030-09-01T00:00:00Z', '2030-09-02T00:00:00Z'))
    })
  })
}
