import assert from 'node:assert/strict'
import type { Commerce } from '../commerce/create-commerce.js'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { CartRecord, CartStore } from '../ports/cart-store.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** A SKU for the `readForEdit` tests: one product with one variant, and its stock. */
export interface CartSkuSeed {
  readonly sku: string
  readonly status: 'active' | 'draft'
  /** The variant's prices, in minor units by currency. */
  readonly prices: Readonly<Record<string, number>>
  /** On hand at the default location; null for a SKU without an inventory item. */
  readonly onHand: number | null
  /** Units held by a reservation (taken from `onHand`). Default 0. */
  readonly reserved?: number
  /** Default false. */
  readonly allowBackorder?: boolean
}

export interface CartStoreSuiteOptions extends SuiteOptions {
  /**
   * Writes a SKU into the catalog and inventory the store's `readForEdit` reads (the suite only
   * knows the cart store). Required when the store has `readForEdit`; `seedSkuThrough(commerce)`
   * does it through a `createCommerce` over the same storage.
   */
  readonly seedSku?: (seed: CartSkuSeed) => Promise<void>
}

/** A `seedSku` for {@link cartStoreSuite} that writes through the services of `commerce`. */
export function seedSkuThrough(commerce: Pick<Commerce, 'catalog' | 'inventory'>) {
  return async (seed: CartSkuSeed): Promise<void> => {
    await commerce.catalog.createProduct({
      slug: seed.sku.toLowerCase(),
      name: `Item ${seed.sku}`,
      status: seed.status,
      variants: [
        {
          sku: seed.sku,
          options: { size: 'M' },
          prices: Object.entries(seed.prices).map(([currency, amount]) => ({ amount, currency })),
          weightGrams: 250,
        },
      ],
    })
    if (seed.onHand === null) return
    await commerce.inventory.setStock({ sku: seed.sku, onHand: seed.onHand })
    if (seed.allowBackorder) await commerce.inventory.configureItem({ sku: seed.sku, allowBackorder: true })
    if (seed.reserved)
      await commerce.inventory.reserve({ lines: [{ sku: seed.sku, quantity: seed.reserved }] })
  }
}

/** The cart store contract. Every test makes its own carts, customers and SKUs. */
export function cartStoreSuite(
  api: SuiteApi,
  makeStore: () => Promise<CartStore>,
  options: CartStoreSuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const newCart = (over: Partial<CartRecord> = {}): CartRecord => {
    const now = new Date()
    return {
      id: ids('cart'),
      customerId: null,
      currency: 'EUR',
      lines: [],
      email: null,
      promoCode: null,
      shippingAddress: null,
      shippingMethodId: null,
      orderId: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + 30 * 86_400_000),
      ...over,
    }
  }

  describe('cart store contract', () => {
    it('stores and reads back a cart with lines and address', async () => {
      const store = await makeStore()
      const cart = newCart({
        lines: [
          { sku: 'A', quantity: 2, addedAt: new Date(Date.UTC(2026, 0, 1)) },
          { sku: 'B', quantity: 1, addedAt: new Date(Date.UTC(2026, 0, 2)) },
        ],
        shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Berlin', country: 'DE' },
        email: 'ada@example.com',
      })
      await store.insert(cart)
      assert.deepEqual(await store.get(cart.id), cart)
      assert.equal(await store.get('cart_missing'), null)
    })

    it('saves only from the expected version and bumps it', async () => {
      const store = await makeStore()
      const cart = newCart()
      await store.insert(cart)
      const saved = await store.save({ cart: { ...cart, promoCode: 'TEN' }, expectedVersion: 1 })
      assert.equal(saved.version, 2)
      assert.equal(saved.promoCode, 'TEN')
      await assert.rejects(
        store.save({ cart: { ...cart, promoCode: 'LATE' }, expectedVersion: 1 }),
        (e: unknown) => isCommerceError(e, 'conflict'),
      )
      assert.equal((await store.get(cart.id))?.promoCode, 'TEN')
      await assert.rejects(store.save({ cart: newCart(), expectedVersion: 1 }), (e: unknown) =>
        isCommerceError(e, 'not_found'),
      )
    })

    it(`lets exactly one of ${concurrency} concurrent saves of one version win`, async () => {
      const store = await makeStore()
      const cart = newCart()
      await store.insert(cart)
      const results = await Promise.allSettled(
        Array.from({ length: concurrency }, (_, i) =>
          store.save({
            cart: { ...cart, lines: [{ sku: `S${i}`, quantity: 1, addedAt: new Date() }] },
            expectedVersion: 1,
          }),
        ),
      )
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
      assert.ok(results.every((r) => r.status === 'fulfilled' || isCommerceError(r.reason, 'conflict')))
    })

    it('finds the open cart of a customer and lists abandoned ones oldest first', async () => {
      const store = await makeStore()
      const customerId = ids('cus')
      const old = new Date(Date.UTC(2020, 0, 1))
      const abandoned = newCart({
        customerId,
        updatedAt: old,
        lines: [{ sku: 'A', quantity: 1, addedAt: old }],
      })
      const empty = newCart({ updatedAt: old })
      const converted = newCart({
        customerId,
        updatedAt: old,
        orderId: 'ord_1',
        lines: [{ sku: 'A', quantity: 1, addedAt: old }],
      })
      for (const c of [abandoned, empty, converted]) await store.insert(c)
      assert.equal((await store.findOpenForCustomer(customerId))?.id, abandoned.id)
      const list = await store.listAbandoned({ idleSince: new Date(Date.UTC(2020, 0, 2)), limit: 1000 })
      assert.ok(list.items.some((c) => c.id === abandoned.id))
      assert.ok(!list.items.some((c) => c.id === empty.id || c.id === converted.id))
    })

    it('pages abandoned carts least recently updated first, ties broken by id, without repeats or gaps', async () => {
      const store = await makeStore()
      const idleSince = new Date(Date.UTC(2019, 5, 2))
      const made = [0, 0, 1, 1, 1].map((day) => {
        const updatedAt = new Date(Date.UTC(2019, 4, 30 + day))
        return newCart({ updatedAt, lines: [{ sku: 'A', quantity: 1, addedAt: updatedAt }] })
      })
      for (const c of made) await store.insert(c)
      const whole = await store.listAbandoned({ idleSince, limit: 1000 })
      assert.equal(whole.next, null)
      const expected = [...made].sort(
        (a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : 1),
      )
      assert.deepEqual(
        whole.items.filter((c) => made.some((m) => m.id === c.id)).map((c) => c.id),
        expected.map((c) => c.id),
      )
      for (const limit of [1, 2]) {
        const paged = await pageThrough((after) => store.listAbandoned({ idleSince, after, limit }), {
          sort: 'abandoned_carts',
          limit,
          key: (c) => c.id,
        })
        assert.deepEqual(
          paged.map((c) => c.id),
          whole.items.map((c) => c.id),
        )
      }
      const bad = { sort: 'abandoned_carts', key: 'last tuesday', id: made[0]!.id }
      await assert.rejects(store.listAbandoned({ idleSince, after: bad, limit: 2 }), (e: unknown) =>
        isCommerceError(e, 'validation.failed'),
      )
    })

    it('reports each abandoned cart once per idle spell, even to racing sweepers', async () => {
      const store = await makeStore()
      const old = new Date(Date.UTC(2020, 0, 1))
      const cart = newCart({ updatedAt: old, lines: [{ sku: 'A', quantity: 1, addedAt: old }] })
      await store.insert(cart)
      const cutoff = new Date(Date.UTC(2020, 0, 2))
      const sweptAt = new Date(Date.UTC(2020, 0, 3))
      const sweeps = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.claimAbandoned({ idleSince: cutoff, at: sweptAt, limit: 1000 }),
        ),
      )
      assert.equal(sweeps.flat().filter((c) => c.id === cart.id).length, 1)
      assert.equal(
        (await store.claimAbandoned({ idleSince: cutoff, at: sweptAt, limit: 1000 })).filter(
          (c) => c.id === cart.id,
        ).length,
        0,
      )
      // The shopper comes back, edits, and leaves again: a new idle spell is reported again.
      const edited = await store.save({
        cart: { ...cart, updatedAt: new Date(Date.UTC(2020, 0, 4)) },
        expectedVersion: 1,
      })
      const later = new Date(Date.UTC(2020, 0, 6))
      assert.equal(
        (await store.claimAbandoned({ idleSince: later, at: later, limit: 1000 })).filter(
          (c) => c.id === edited.id,
        ).length,
        1,
      )
    })

    it('is given a way to seed SKUs when it reads carts for edits', async () => {
      const store = await makeStore()
      assert.ok(
        !store.readForEdit || options.seedSku,
        'the store has readForEdit: pass options.seedSku so the suite can test it',
      )
    })

    if (options.seedSku) {
      const seedSku = options.seedSku
      const skuNamed = (name: string) => `${name}-${ids('sku').slice(4).toLowerCase()}`

      it("reads a cart for an edit: its lines' and the SKU's pricing, and the SKU's stock", async () => {
        const store = await makeStore()
        assert.ok(store.readForEdit, 'options.seedSku was given, so the store must have readForEdit')
        const [a, b, draft, usdOnly, gone] = ['A', 'B', 'DRAFT', 'USD', 'GONE'].map(skuNamed) as [
          string,
          string,
          string,
          string,
          string,
        ]
        await seedSku({ sku: a, status: 'active', prices: { EUR: 500, USD: 600 }, onHand: 5, reserved: 2 })
        await seedSku({ sku: b, status: 'active', prices: { EUR: 300 }, onHand: null })
        await seedSku({ sku: draft, status: 'draft', prices: { EUR: 100 }, onHand: 1 })
        await seedSku({
          sku: usdOnly,
          status: 'active',
          prices: { USD: 700 },
          onHand: 0,
          allowBackorder: true,
        })
        const at = new Date(Date.UTC(2026, 0, 1))
        const cart = newCart({
          lines: [a, draft, gone].map((sku) => ({ sku, quantity: 1, addedAt: at })),
        })
        await store.insert(cart)

        const forB = await store.readForEdit({ cartId: cart.id, sku: b })
        assert.deepEqual(forB?.cart, cart)
        const bySku = new Map(forB?.variants.map((v) => [v.sku, v]))
        assert.deepEqual([...bySku.keys()].sort(), [a, b, draft].sort(), 'unknown SKUs are absent')
        assert.deepEqual(bySku.get(a)?.price, { amount: 500, currency: 'EUR' }, 'in the cart currency')
        assert.equal(bySku.get(a)?.status, 'active')
        assert.equal(bySku.get(a)?.weightGrams, 250)
        assert.deepEqual(bySku.get(a)?.options, { size: 'M' })
        assert.equal(bySku.get(draft)?.status, 'draft')
        assert.equal(forB?.stock, null, 'no inventory item')

        const forA = await store.readForEdit({ cartId: cart.id, sku: a })
        assert.deepEqual(forA?.stock, { tracked: true, allowBackorder: false, available: 3 })
        const forUsdOnly = await store.readForEdit({ cartId: cart.id, sku: usdOnly })
        assert.equal(forUsdOnly?.variants.find((v) => v.sku === usdOnly)?.price, null)
        assert.deepEqual(forUsdOnly?.stock, { tracked: true, allowBackorder: true, available: 0 })

        const noSku = await store.readForEdit({ cartId: cart.id })
        assert.deepEqual(noSku?.variants.map((v) => v.sku).sort(), [a, draft].sort())
        assert.equal(noSku?.stock, null)

        const saved = await store.save({ cart: { ...cart, lines: [] }, expectedVersion: cart.version })
        assert.deepEqual((await store.readForEdit({ cartId: cart.id, sku: a }))?.cart, saved)
        assert.equal(await store.readForEdit({ cartId: 'cart_missing', sku: a }), null)
      })
    }

    it('deletes expired carts', async () => {
      const store = await makeStore()
      const gone = newCart({ expiresAt: new Date(Date.UTC(2020, 0, 1)) })
      const kept = newCart()
      await store.insert(gone)
      await store.insert(kept)
      assert.ok((await store.deleteExpired({ at: new Date(), limit: 1000 })) >= 1)
      assert.equal(await store.get(gone.id), null)
      assert.ok(await store.get(kept.id))
    })
  })
}
