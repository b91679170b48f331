import assert from 'node:assert/strict'
import type { CatalogStore } from '../ports/catalog-store.js'
import type { InventoryStore } from '../ports/inventory-store.js'
import type { ReviewStore } from '../ports/review-store.js'
import type { SearchFeed } from '../ports/search-feed.js'
import { catalogFixtures } from './catalog-fixtures.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi } from './suite-api.js'

export interface SearchFeedHarness {
  readonly feed: SearchFeed
  /** The stores of the same storage, to make the products, sales, stock and ratings documents show. */
  readonly catalog: CatalogStore
  readonly reviews: ReviewStore
  readonly inventory: InventoryStore
}

/**
 * The search feed contract: the documents the indexer reads (active products priced in the
 * currency, with category path, stock, popularity and rating), and the walk a reindex makes.
 * `makeHarness` is called once per test; the tests of one run must not share the storage with
 * writers outside it (the walk and the count see every product).
 */
export function searchFeedSuite(api: SuiteApi, makeHarness: () => Promise<SearchFeedHarness>): void {
  const { describe, it } = api
  const { ids, tail, base, seller, category, variant, insertProduct } = catalogFixtures()

  function walk(feed: SearchFeed, limit: number): Promise<string[]> {
    return pageThrough((after) => feed.listSearchableProductIds({ after, limit }), {
      sort: 'id',
      limit,
      key: (id) => id,
    })
  }

  describe('search feed contract', () => {
    it('builds documents of active products priced in the currency, and nothing for the others', async () => {
      const { feed, catalog, reviews, inventory } = await makeHarness()
      const sellerId = await seller(catalog)
      const root = await category(catalog)
      const leaf = await category(catalog, root)
      const sku = `DOC-${tail()}`.toUpperCase()
      const stocked = await insertProduct(catalog, {
        categoryId: leaf.id,
        sellerId,
        tags: ['wool', 'winter'],
        description: 'Warm.',
        variants: [
          {
            id: ids('var'),
            sku,
            options: { size: 'M' },
            prices: [
              { amount: 900, currency: 'EUR' },
              { amount: 1200, currency: 'USD' },
            ],
            weightGrams: 0,
            position: 0,
          },
          {
            id: ids('var'),
            sku: `${sku}-L`,
            options: { size: 'L' },
            prices: [{ amount: 1000, currency: 'USD' }],
            weightGrams: 0,
            position: 1,
          },
        ],
      })
      await inventory.setOnHand({ sku, locationId: 'default', onHand: 3, at: new Date() })
      await catalog.addUnitsSold([{ productId: stocked.id, quantity: 4 }])
      for (const [i, rating] of [5, 4, 4].entries()) {
        await reviews.insertReview({
          id: ids('rev'),
          productId: stocked.id,
          customerId: `cus_${i}`,
          rating,
          title: '',
          body: '',
          createdAt: new Date(base),
        })
      }
      const unstocked = await insertProduct(catalog, { prices: [500] })
      const draft = await insertProduct(catalog, { status: 'draft' })
      const archived = await insertProduct(catalog)
      await catalog.updateProduct({ id: archived.id, patch: { status: 'archived' }, at: new Date() })
      const euroOnly = await insertProduct(catalog, {
        variants: [variant([{ amount: 700, currency: 'EUR' }])],
        primaryCurrency: 'EUR',
      })
      const all = [stocked, unstocked, draft, archived, euroOnly].map((p) => p.id)

      const inUsd = await feed.searchDocuments({ ids: [...all, 'prod_missing'], currency: 'USD' })
      const byId = new Map(inUsd.map((d) => [d.id, d]))
      assert.deepEqual([...byId.keys()].sort(), [stocked.id, unstocked.id].sort())
      assert.deepEqual(byId.get(stocked.id), {
        id: stocked.id,
        slug: stocked.slug,
        name: stocked.name,
        description: 'Warm.',
        tags: ['wool', 'winter'],
        categoryIds: leaf.path,
        categories: [
          { id: root.id, name: 'Category 1' },
          { id: leaf.id, name: 'Category 2' },
        ],
        sellerId,
        price: { amount: 1000, currency: 'USD' },
        inStock: true,
        popularity: 4,
        rating: 4.33,
        createdAt: new Date(base),
      })
      const plain = byId.get(unstocked.id)
      assert.deepEqual(
        plain && [
          plain.categoryIds,
          plain.sellerId,
          plain.price,
          plain.inStock,
          plain.popularity,
          plain.rating,
        ],
        [[], null, { amount: 500, currency: 'USD' }, false, 0, null],
      )

      const inEur = await feed.searchDocuments({ ids: all, currency: 'EUR' })
      assert.deepEqual(
        inEur.map((d) => [d.id, d.price.amount]).sort(),
        [
          [stocked.id, 900],
          [euroOnly.id, 700],
        ].sort(),
      )
      assert.deepEqual(await feed.searchDocuments({ ids: [], currency: 'USD' }), [])
    })

    it('walks the ids of active products in ascending keyset pages, and counts them', async () => {
      const { feed, catalog } = await makeHarness()
      const before = await feed.countSearchableProducts()
      const active = [await insertProduct(catalog), await insertProduct(catalog)]
      const draft = await insertProduct(catalog, { status: 'draft' })
      assert.equal(await feed.countSearchableProducts(), before + 2)
      const walked = await walk(feed, 2)
      assert.deepEqual(walked, [...walked].sort(), 'ascending')
      assert.equal(new Set(walked).size, walked.length, 'no id twice')
      for (const p of active) assert.ok(walked.includes(p.id))
      assert.ok(!walked.includes(draft.id))
      assert.equal(walked.length, before + 2)
      assert.deepEqual(await walk(feed, 1000), walked, 'one page or many, the same walk')

      await catalog.updateProduct({ id: active[0]!.id, patch: { status: 'archived' }, at: new Date() })
      assert.equal(await feed.countSearchableProducts(), before + 1)
      assert.ok(!(await walk(feed, 3)).includes(active[0]!.id))
    })

    it('rejects a malformed cursor with validation.failed', async () => {
      const { feed } = await makeHarness()
      for (const id of ["prod_1'; drop table products; --", '']) {
        await expectCommerceError(
          feed.listSearchableProductIds({ after: { sort: 'id', key: id, id }, limit: 5 }),
          'validation.failed',
        )
      }
    })
  })
}
