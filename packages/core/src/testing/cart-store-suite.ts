import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { CartRecord, CartStore } from '../ports/cart-store.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** The cart store contract. Every test makes its own carts and customers. */
export function cartStoreSuite(
  api: SuiteApi,
  makeStore: () => Promise<CartStore>,
  options: SuiteOptions = {},
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
      const saved = await store.save({ ...cart, promoCode: 'TEN' }, 1)
      assert.equal(saved.version, 2)
      assert.equal(saved.promoCode, 'TEN')
      await assert.rejects(store.save({ ...cart, promoCode: 'LATE' }, 1), (e: unknown) =>
        isCommerceError(e, 'conflict'),
      )
      assert.equal((await store.get(cart.id))?.promoCode, 'TEN')
      await assert.rejects(store.save(newCart(), 1), (e: unknown) => isCommerceError(e, 'not_found'))
    })

    it(`lets exactly one of ${concurrency} concurrent saves of one version win`, async () => {
      const store = await makeStore()
      const cart = newCart()
      await store.insert(cart)
      const results = await Promise.allSettled(
        Array.from({ length: concurrency }, (_, i) =>
          store.save({ ...cart, lines: [{ sku: `S${i}`, quantity: 1, addedAt: new Date() }] }, 1),
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
      const list = await store.listAbandoned(new Date(Date.UTC(2020, 0, 2)), 100)
      assert.ok(list.some((c) => c.id === abandoned.id))
      assert.ok(!list.some((c) => c.id === empty.id || c.id === converted.id))
    })

    it('reports each abandoned cart once per idle spell, even to racing sweepers', async () => {
      const store = await makeStore()
      const old = new Date(Date.UTC(2020, 0, 1))
      const cart = newCart({ updatedAt: old, lines: [{ sku: 'A', quantity: 1, addedAt: old }] })
      await store.insert(cart)
      const cutoff = new Date(Date.UTC(2020, 0, 2))
      const sweptAt = new Date(Date.UTC(2020, 0, 3))
      const sweeps = await Promise.all(
        Array.from({ length: 5 }, () => store.claimAbandoned(cutoff, sweptAt, 1000)),
      )
      assert.equal(sweeps.flat().filter((c) => c.id === cart.id).length, 1)
      assert.equal(
        (await store.claimAbandoned(cutoff, sweptAt, 1000)).filter((c) => c.id === cart.id).length,
        0,
      )
      // The shopper comes back, edits, and leaves again: a new idle spell is reported again.
      const edited = await store.save({ ...cart, updatedAt: new Date(Date.UTC(2020, 0, 4)) }, 1)
      const later = new Date(Date.UTC(2020, 0, 6))
      assert.equal(
        (await store.claimAbandoned(later, later, 1000)).filter((c) => c.id === edited.id).length,
        1,
      )
    })

    it('deletes expired carts', async () => {
      const store = await makeStore()
      const gone = newCart({ expiresAt: new Date(Date.UTC(2020, 0, 1)) })
      const kept = newCart()
      await store.insert(gone)
      await store.insert(kept)
      assert.ok((await store.deleteExpired(new Date(), 1000)) >= 1)
      assert.equal(await store.get(gone.id), null)
      assert.ok(await store.get(kept.id))
    })
  })
}
