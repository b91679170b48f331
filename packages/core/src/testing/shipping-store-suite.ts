import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import type { ShippingStore } from '../ports/shipping-store.js'
import type { ShippingMethod, ShippingZone } from '../shipping/shipping-types.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi } from './suite-api.js'

/** Reads what the adapter persisted without going through the store. */
export interface ShippingInspector {
  zone(id: string): Promise<{ name: string; countries: string[]; regions: string[] } | null>
  method(id: string): Promise<{ zoneId: string; kind: string; currency: string; active: boolean } | null>
}

export interface ShippingStoreHarness {
  readonly store: ShippingStore
  readonly inspect: ShippingInspector
}

/**
 * The shipping store contract: zones and methods. Every test uses fresh ids, and reads of shared
 * lists are filtered to the test's own rows, so one store may serve all.
 * @param makeHarness called once per test.
 */
export function shippingStoreSuite(api: SuiteApi, makeHarness: () => Promise<ShippingStoreHarness>): void {
  const { describe, it } = api
  const ids = createIdGenerator()
  const zone = (over: Partial<ShippingZone> = {}): ShippingZone => ({
    id: ids('shz'),
    name: 'Zone',
    countries: ['DE', 'AT'],
    regions: [],
    ...over,
  })
  const base = (zoneId: string) => ({
    id: ids('shm'),
    zoneId,
    name: 'Standard',
    carrier: 'DHL',
    currency: 'EUR',
    estimatedDays: { min: 2, max: 4 },
    active: true,
  })
  const flat = (zoneId: string, over: Partial<ShippingMethod> = {}): ShippingMethod =>
    ({ ...base(zoneId), kind: 'flat', price: money(499, 'EUR'), ...over }) as ShippingMethod

  describe('shipping store contract', () => {
    it('stores zones and reads them back', async () => {
      const { store, inspect } = await makeHarness()
      const a = zone({ name: 'DACH', countries: ['DE', 'AT', 'CH'] })
      const b = zone({ name: 'US west', countries: ['US', 'CA'], regions: ['US-CA', 'US-OR'] })
      const c = zone({ name: 'Rest of world', countries: ['*'] })
      for (const z of [a, b, c]) {
        assert.deepEqual(await store.createZone(z), z)
        assert.deepEqual(await store.getZone(z.id), z)
      }
      assert.deepEqual(await inspect.zone(b.id), {
        name: 'US west',
        countries: ['US', 'CA'],
        regions: ['US-CA', 'US-OR'],
      })
      const whole = await store.listZones({ limit: 1000 })
      assert.equal(whole.next, null)
      assert.deepEqual(
        whole.items.filter((z) => [a.id, b.id, c.id].includes(z.id)),
        [a, b, c],
      )
      const paged = await pageThrough((after) => store.listZones({ after, limit: 2 }), {
        sort: 'shipping_zones',
        limit: 2,
        key: (z) => z.id,
      })
      assert.deepEqual(paged, whole.items)
      assert.equal(await store.getZone('shz_missing'), null)
      await expectCommerceError(store.createZone({ ...a, name: 'again' }), 'conflict')
      assert.equal((await inspect.zone(a.id))?.name, 'DACH')
    })

    it('stores every kind of method and reads it back', async () => {
      const { store, inspect } = await makeHarness()
      const z = zone()
      await store.createZone(z)
      const methods: ShippingMethod[] = [
        flat(z.id),
        {
          ...base(z.id),
          kind: 'free_over',
          carrier: null,
          price: money(699, 'EUR'),
          threshold: money(5000, 'EUR'),
        },
        {
          ...base(z.id),
          kind: 'weight_table',
          currency: 'JPY',
          estimatedDays: { min: 0, max: 0 },
          active: false,
          brackets: [
            { upToGrams: 500, price: money(500, 'JPY') },
            { upToGrams: 2000, price: money(900, 'JPY') },
          ],
        },
      ]
      for (const m of methods) {
        assert.deepEqual(await store.createMethod(m), m)
        assert.deepEqual(await store.getMethod(m.id), m)
      }
      assert.deepEqual(await inspect.method(methods[2]!.id), {
        zoneId: z.id,
        kind: 'weight_table',
        currency: 'JPY',
        active: false,
      })
      assert.equal(await store.getMethod('shm_missing'), null)
    })

    it('refuses a method for an unknown zone and stores nothing', async () => {
      const { store, inspect } = await makeHarness()
      const m = flat('shz_missing')
      await expectCommerceError(store.createMethod(m), 'not_found')
      assert.equal(await inspect.method(m.id), null)
    })

    it('lists methods by zone, inactive ones only on request', async () => {
      const { store } = await makeHarness()
      const z1 = zone()
      const z2 = zone()
      await store.createZone(z1)
      await store.createZone(z2)
      const on = flat(z1.id)
      const off = flat(z1.id, { active: false })
      const elsewhere = flat(z2.id)
      for (const m of [on, off, elsewhere]) await store.createMethod(m)
      const list = async (query: { zoneId?: string; includeInactive: boolean }) => {
        const page = await store.listMethods({ ...query, limit: 1000 })
        assert.equal(page.next, null)
        return page.items
      }
      assert.deepEqual(await list({ zoneId: z1.id, includeInactive: false }), [on])
      assert.deepEqual(await list({ zoneId: z1.id, includeInactive: true }), [on, off])
      const all = await list({ includeInactive: false })
      assert.deepEqual(
        all.filter((m) => [on.id, off.id, elsewhere.id].includes(m.id)),
        [on, elsewhere],
      )
      for (const limit of [1, 2]) {
        const paged = await pageThrough(
          (after) => store.listMethods({ includeInactive: false, after, limit }),
          { sort: 'shipping_methods', limit, key: (m) => m.id },
        )
        assert.deepEqual(paged, all)
      }
      const bad = { sort: 'shipping_methods', key: 'shm_1; drop table', id: on.id }
      await expectCommerceError(
        store.listMethods({ includeInactive: true, after: bad, limit: 2 }),
        'validation.failed',
      )
    })

    it('updates a zone in place, and a method to another kind and zone', async () => {
      const { store, inspect } = await makeHarness()
      const z1 = zone({ countries: ['FR'] })
      const z2 = zone({ countries: ['IT'] })
      await store.createZone(z1)
      await store.createZone(z2)
      const changed: ShippingZone = {
        ...z1,
        name: 'France and Corsica',
        countries: ['FR', 'MC'],
        regions: ['FR-20R'],
      }
      assert.deepEqual(await store.updateZone(changed), changed)
      assert.deepEqual(await inspect.zone(z1.id), {
        name: 'France and Corsica',
        countries: ['FR', 'MC'],
        regions: ['FR-20R'],
      })
      assert.equal(await store.updateZone({ ...z1, id: 'shz_missing' }), null)

      const m = flat(z1.id)
      await store.createMethod(m)
      const table: ShippingMethod = {
        ...base(z2.id),
        id: m.id,
        zoneId: z2.id,
        kind: 'weight_table',
        currency: 'CHF',
        carrier: null,
        active: false,
        estimatedDays: { min: 1, max: 1 },
        brackets: [{ upToGrams: 1000, price: money(900, 'CHF') }],
      }
      assert.deepEqual(await store.updateMethod(table), table)
      assert.deepEqual(await store.getMethod(m.id), table)
      assert.deepEqual(await inspect.method(m.id), {
        zoneId: z2.id,
        kind: 'weight_table',
        currency: 'CHF',
        active: false,
      })
      // Methods follow their zone in lookups: the method now answers for Italy's zone only.
      assert.deepEqual(
        (await store.listMethods({ zoneId: z2.id, includeInactive: true, limit: 10 })).items.map((x) => x.id),
        [m.id],
      )
      await expectCommerceError(store.updateMethod({ ...table, zoneId: 'shz_missing' }), 'not_found', {
        entity: 'shipping zone',
      })
      assert.deepEqual(await inspect.method(m.id), {
        zoneId: z2.id,
        kind: 'weight_table',
        currency: 'CHF',
        active: false,
      })
      assert.equal(await store.updateMethod({ ...table, id: 'shm_missing' }), null)
    })

    it('finds the zones listing a country or "*", with their active methods', async () => {
      const { store } = await makeHarness()
      const country = zone({ countries: ['FR', 'BE'] })
      const regional = zone({ countries: ['FR'], regions: ['FR-20R'] })
      const world = zone({ countries: ['*'] })
      const other = zone({ countries: ['IT'] })
      for (const z of [country, regional, world, other]) await store.createZone(z)
      const m1 = flat(country.id)
      const m2 = flat(country.id, { active: false })
      const m3 = flat(world.id)
      const m4 = flat(other.id)
      for (const m of [m1, m2, m3, m4]) await store.createMethod(m)
      const mine = [country.id, regional.id, world.id, other.id]
      const found = (await store.findZoneMethods('FR')).filter((entry) => mine.includes(entry.zone.id))
      assert.deepEqual(found, [
        { zone: country, methods: [m1] },
        { zone: regional, methods: [] },
        { zone: world, methods: [m3] },
      ])
      const italy = (await store.findZoneMethods('IT')).filter((entry) => mine.includes(entry.zone.id))
      assert.deepEqual(
        italy.map((entry) => entry.zone.id),
        [world.id, other.id].sort(),
      )
    })
  })
}
