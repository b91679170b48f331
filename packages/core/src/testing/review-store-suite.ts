import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import type { CatalogStore } from '../ports/catalog-store.js'
import type { NewReview, ReviewStore } from '../ports/review-store.js'
import { type CatalogInspector, catalogFixtures } from './catalog-fixtures.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface ReviewStoreHarness {
  readonly store: ReviewStore
  /** The catalog store of the same storage, to create the reviewed products. */
  readonly catalog: CatalogStore
  readonly inspect: CatalogInspector
}

/**
 * The review store contract: one review per customer and product, verified by purchased orders,
 * the rating aggregate exact under concurrency, and keyset pages newest first. Every test makes
 * its own products, so one store may serve all tests; `makeHarness` is called once per test.
 */
export function reviewStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<ReviewStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const { ids, tail, base, insertProduct } = catalogFixtures()

  const review = (productId: string, customerId: string, rating: number, at = base): NewReview => ({
    id: ids('rev'),
    productId,
    customerId,
    rating,
    title: 'Title',
    body: 'Body',
    createdAt: new Date(at),
  })

  describe('review store contract', () => {
    it('one review per customer, verified by purchased orders only, aggregate and search kept', async () => {
      const { store, catalog, inspect } = await makeHarness()
      const p = await insertProduct(catalog)
      const sku = p.variants[0]!.sku
      const buyer = `cus_buyer_${tail()}`
      const pending = `cus_pending_${tail()}`
      const line = { productId: p.id, sku, quantity: 1 }
      await inspect.insertOrder({ customerId: buyer, status: 'delivered', lines: [line] })
      await inspect.insertOrder({ customerId: pending, status: 'pending_payment', lines: [line] })
      await inspect.insertOrder({ customerId: pending, status: 'cancelled', lines: [line] })
      const searchBefore = await inspect.searchOutboxCount(p.id)
      const verified = await store.insertReview(review(p.id, buyer, 5))
      assert.equal(verified.verifiedPurchase, true)
      assert.equal(verified.rating, 5)
      assert.equal((await store.insertReview(review(p.id, pending, 2))).verifiedPurchase, false)
      await expectCommerceError(store.insertReview(review(p.id, buyer, 1)), 'conflict')
      assert.deepEqual(await inspect.product(p.id), {
        slug: p.slug,
        status: 'active',
        unitsSold: 0,
        ratingCount: 2,
        ratingSum: 7,
      })
      assert.deepEqual((await catalog.getProduct({ idOrSlug: p.id }))?.rating, {
        count: 2,
        sum: 7,
        average: 3.5,
      })
      // The rating is in the search document: each accepted review asks the indexer for it.
      assert.equal(await inspect.searchOutboxCount(p.id), searchBefore + 2)
    })

    it('refuses an unknown or draft product with not_found and counts nothing', async () => {
      const { store, catalog, inspect } = await makeHarness()
      await expectCommerceError(store.insertReview(review('prod_missing', 'cus_x', 4)), 'not_found', {
        entity: 'product',
      })
      const draft = await insertProduct(catalog, { status: 'draft' })
      await expectCommerceError(store.insertReview(review(draft.id, 'cus_x', 4)), 'not_found')
      assert.equal((await inspect.product(draft.id))?.ratingCount, 0)
      assert.equal((await store.listReviews({ productId: draft.id, limit: 10 })).items.length, 0)
    })

    it(`${concurrency} concurrent reviews keep the rating aggregate exact`, async () => {
      const { store, catalog, inspect } = await makeHarness()
      const p = await insertProduct(catalog)
      const ratings = Array.from({ length: concurrency }, (_, i) => (i % 5) + 1)
      const customers = Math.ceil(concurrency * 0.8)
      // The last fifth of the callers are customers who already wrote one: one of each pair wins.
      const results = await Promise.allSettled(
        ratings.map((rating, i) =>
          store.insertReview(review(p.id, `cus_${i % customers}`, rating, Date.now())),
        ),
      )
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [ratings[i]!] : []))
      assert.equal(won.length, customers)
      for (const r of results) if (r.status === 'rejected') assert.ok(isCommerceError(r.reason, 'conflict'))
      const stored = await inspect.product(p.id)
      assert.equal(stored?.ratingCount, won.length)
      assert.equal(
        stored?.ratingSum,
        won.reduce((x, y) => x + y, 0),
      )
    })

    it('lists reviews newest first in keyset pages, ties broken by id', async () => {
      const { store, catalog } = await makeHarness()
      const p = await insertProduct(catalog)
      const other = await insertProduct(catalog)
      await store.insertReview(review(other.id, 'cus_elsewhere', 3))
      const made: string[] = []
      for (let i = 0; i < 7; i++) {
        // Pairs share a timestamp: the id orders them.
        const r = await store.insertReview(review(p.id, `cus_${i}`, 4, base + Math.floor(i / 2) * 1000))
        made.push(r.id)
      }
      const expected = made
        .map((id, i) => ({ id, at: Math.floor(i / 2) }))
        .sort((x, y) => y.at - x.at || (x.id < y.id ? 1 : -1))
        .map((r) => r.id)
      for (const limit of [1, 3, 7, 100]) {
        const seen = await pageThrough((after) => store.listReviews({ productId: p.id, after, limit }), {
          sort: 'reviews',
          limit,
          key: (r) => r.id,
        })
        assert.deepEqual(
          seen.map((r) => r.id),
          expected,
          `pages of ${limit}`,
        )
      }
    })

    it('rejects a malformed cursor with validation.failed', async () => {
      const { store, catalog } = await makeHarness()
      const p = await insertProduct(catalog)
      for (const after of [
        { sort: 'reviews', key: "2026-01-01'; drop table reviews; --", id: 'rev_1' },
        { sort: 'reviews', key: 'yesterday', id: 'rev_1' },
        { sort: 'reviews', key: '2026-01-01T00:00:00.000000Z', id: "rev_1' or 1=1" },
      ]) {
        await expectCommerceError(
          store.listReviews({ productId: p.id, after, limit: 5 }),
          'validation.failed',
        )
      }
    })
  })
}
