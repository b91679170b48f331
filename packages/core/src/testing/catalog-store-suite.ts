import assert from 'node:assert/strict'
import type { ProductSort, ProductSummary } from '../catalog/catalog-types.js'
import type { CatalogStore, KeysetCursor, NewProduct, ProductListQuery } from '../ports/catalog-store.js'
import type { InventoryStore } from '../ports/inventory-store.js'
import type { ReviewStore } from '../ports/review-store.js'
import { type CatalogInspector, catalogFixtures } from './catalog-fixtures.js'
import { expectCommerceError } from './expect-commerce-error.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface CatalogStoreHarness {
  readonly store: CatalogStore
  /** The inventory store of the same storage, to set stock for in-stock filters. */
  readonly inventory: InventoryStore
  /** The review store of the same storage, to give products ratings for the `rating` sort. */
  readonly reviews: ReviewStore
  readonly inspect: CatalogInspector
}

/**
 * The catalog store contract: sellers, categories, products with their variants and prices,
 * listings, and units sold. Every test makes its own seller, category and SKUs and scopes its
 * listings to them, so one store may serve all tests; `makeHarness` is called once per test.
 */
export function catalogStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<CatalogStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const { ids, tail, base, seller, category, product, variant } = catalogFixtures()

  /** Every page of a listing (the first also counting the total), through `pageThrough`'s checks. */
  function listAll(
    store: CatalogStore,
    query: Omit<ProductListQuery, 'limit' | 'countTotal'>,
    pageSize = 2,
  ): Promise<ProductSummary[]> {
    return pageThrough(
      (after) => store.listProducts({ ...query, after, limit: pageSize, countTotal: after === undefined }),
      { sort: query.sort, limit: pageSize, key: (item) => item.id },
    )
  }

  describe('catalog store contract', () => {
    it('stores a product with variants, prices, images, category path and seller, by id and by slug', async () => {
      const { store, inspect } = await makeHarness()
      const sellerId = await seller(store)
      const root = await category(store)
      const leaf = await category(store, root)
      const p = product({
        categoryId: leaf.id,
        sellerId,
        tags: ['blue', 'cotton'],
        attributes: { material: 'cotton' },
        images: [
          { id: ids('img'), url: 'https://img.example/a.jpg', alt: 'front', position: 0, primary: true },
          { id: ids('img'), url: 'https://img.example/b.jpg', alt: 'back', position: 1, primary: false },
        ],
        variants: [
          {
            id: ids('var'),
            sku: `TEE-${tail()}-M`.toUpperCase(),
            options: { size: 'M', colour: 'blue' },
            prices: [
              { amount: 900, currency: 'EUR' },
              { amount: 1000, currency: 'USD' },
            ],
            weightGrams: 180,
            position: 0,
          },
          {
            id: ids('var'),
            sku: `TEE-${tail()}-L`.toUpperCase(),
            options: { size: 'L', colour: 'blue' },
            prices: [{ amount: 1200, currency: 'USD' }],
            weightGrams: 200,
            position: 1,
          },
        ],
        primaryCurrency: 'USD',
      })
      await store.insertProduct(p)
      const byId = await store.getProduct({ idOrSlug: p.id })
      assert.ok(byId)
      assert.deepEqual(await store.getProduct({ idOrSlug: p.slug }), byId)
      assert.equal(byId.name, p.name)
      assert.equal(byId.status, 'active')
      assert.deepEqual(byId.tags, ['blue', 'cotton'])
      assert.deepEqual(byId.attributes, { material: 'cotton' })
      assert.equal(byId.primaryCurrency, 'USD')
      assert.deepEqual(
        byId.variants.map((v) => [v.id, v.sku, v.options, v.prices, v.weightGrams, v.position]),
        p.variants.map((v) => [v.id, v.sku, v.options, v.prices, v.weightGrams, v.position]),
      )
      assert.deepEqual(
        byId.images,
        p.images.map(({ id: _id, ...image }) => image),
      )
      assert.deepEqual(
        byId.categoryPath.map((c) => c.id),
        leaf.path,
      )
      assert.equal(byId.category?.id, leaf.id)
      assert.equal(byId.seller?.id, sellerId)
      assert.deepEqual(byId.rating, { count: 0, sum: 0, average: null })
      assert.equal(byId.unitsSold, 0)
      assert.equal(byId.createdAt.getTime(), base)
      assert.deepEqual(await inspect.lowestPrices(p.id), { EUR: 900, USD: 1000 })
      assert.equal(await inspect.searchOutboxCount(p.id), 1)
      assert.equal(await store.getProduct({ idOrSlug: 'no-such-product' }), null)
    })

    it('refuses a taken slug or SKU with a conflict and writes nothing', async () => {
      const { store, inspect } = await makeHarness()
      const first = product()
      await store.insertProduct(first)
      const sameSlug = product({ slug: first.slug })
      await expectCommerceError(store.insertProduct(sameSlug), 'conflict', { field: 'slug' })
      const sameSku = product({ variants: [{ ...first.variants[0]!, id: ids('var') }] })
      await expectCommerceError(store.insertProduct(sameSku), 'conflict', { field: 'sku' })
      for (const refused of [sameSlug, sameSku]) {
        assert.equal(await inspect.product(refused.id), null)
        assert.equal(await inspect.searchOutboxCount(refused.id), 0)
        assert.deepEqual(await inspect.lowestPrices(refused.id), {})
      }
    })

    it('refuses an unknown category or seller with not_found', async () => {
      const { store, inspect } = await makeHarness()
      const a = product({ categoryId: 'cat_missing' })
      await expectCommerceError(store.insertProduct(a), 'not_found', { entity: 'category' })
      const b = product({ sellerId: 'sel_missing' })
      await expectCommerceError(store.insertProduct(b), 'not_found', { entity: 'seller' })
      assert.equal(await inspect.product(a.id), null)
      assert.equal(await inspect.product(b.id), null)
    })

    it('updates fields, replaces variants keeping the ids of kept SKUs, and enqueues search work', async () => {
      const { store, inspect } = await makeHarness()
      const cat = await category(store)
      const p = product({ prices: [1000, 2000] })
      await store.insertProduct(p)
      const before = await inspect.variantIds(p.id)
      const kept = p.variants[1]!
      const added = { ...product().variants[0]!, position: 1, prices: [{ amount: 500, currency: 'EUR' }] }
      const result = await store.updateProduct({
        id: p.id,
        patch: {
          slug: `renamed-${tail()}`,
          name: 'Renamed',
          categoryId: cat.id,
          tags: ['new'],
          status: 'archived',
          variants: [
            { ...kept, id: ids('var'), position: 0, prices: [{ amount: 1500, currency: 'USD' }] },
            added,
          ],
          primaryCurrency: 'USD',
          images: [{ id: ids('img'), url: 'https://img.example/c.jpg', alt: '', position: 0, primary: true }],
        },
        at: new Date(base + 5000),
      })
      assert.deepEqual(result, { previousSlug: p.slug, previousStatus: 'active' })
      const after = await store.getProduct({ idOrSlug: p.id })
      assert.ok(after)
      assert.equal(after.name, 'Renamed')
      assert.equal(after.status, 'archived')
      assert.deepEqual(after.tags, ['new'])
      assert.deepEqual(
        after.categoryPath.map((c) => c.id),
        cat.path,
      )
      assert.equal(after.updatedAt.getTime(), base + 5000)
      assert.deepEqual(
        after.variants.map((v) => v.sku),
        [kept.sku, added.sku],
      )
      assert.equal(after.variants[0]!.id, before[kept.sku], 'a kept SKU keeps its variant id')
      assert.equal(after.images.length, 1)
      assert.deepEqual(await inspect.lowestPrices(p.id), { EUR: 500, USD: 1500 })
      assert.equal(await inspect.searchOutboxCount(p.id), 2)
      assert.equal(await store.getProduct({ idOrSlug: p.slug }), null, 'the old slug is free')
      assert.equal(
        await store.updateProduct({ id: 'prod_missing', patch: { name: 'x' }, at: new Date() }),
        null,
      )
    })

    it('an update that takes another product’s SKU or slug is a conflict and changes nothing', async () => {
      const { store, inspect } = await makeHarness()
      const a = product()
      const b = product()
      await store.insertProduct(a)
      await store.insertProduct(b)
      await expectCommerceError(
        store.updateProduct({
          id: a.id,
          patch: { name: 'Changed', variants: [{ ...b.variants[0]!, id: ids('var') }] },
          at: new Date(),
        }),
        'conflict',
        { field: 'sku' },
      )
      await expectCommerceError(
        store.updateProduct({ id: a.id, patch: { slug: b.slug }, at: new Date() }),
        'conflict',
        { field: 'slug' },
      )
      const stored = await store.getProduct({ idOrSlug: a.id })
      assert.equal(stored?.name, a.name)
      assert.deepEqual(
        stored?.variants.map((v) => v.sku),
        a.variants.map((v) => v.sku),
      )
      assert.equal(await inspect.searchOutboxCount(a.id), 1)
    })

    it('keeps category paths and lists categories parents first', async () => {
      const { store } = await makeHarness()
      const root = await category(store)
      const child = await category(store, root)
      const grandchild = await category(store, child)
      assert.deepEqual((await store.getCategory(grandchild.id))?.path, [root.id, child.id, grandchild.id])
      assert.equal(await store.getCategory('cat_missing'), null)
      const all = await store.listCategories()
      const order = [root.id, child.id, grandchild.id].map((id) => all.findIndex((c) => c.id === id))
      assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!)
      await expectCommerceError(
        store.insertCategory({
          id: ids('cat'),
          slug: `orphan-${tail()}`,
          name: 'Orphan',
          parentId: 'cat_missing',
          path: ['cat_missing', 'x'],
          position: 0,
          createdAt: new Date(),
        }),
        'not_found',
      )
    })

    it('filters by category (with descendants), seller, tags, price, stock and status, and counts alike', async () => {
      const { store, inventory } = await makeHarness()
      const sellerId = await seller(store)
      const root = await category(store)
      const child = await category(store, root)
      const other = await category(store)
      const at = new Date()
      const make = async (
        over: Partial<NewProduct> & { prices?: number[] },
        stock: number | 'untracked' | 'backorder' | null,
      ) => {
        const p = product({ sellerId, ...over })
        await store.insertProduct(p)
        const sku = p.variants[0]!.sku
        if (stock === 'untracked') await inventory.upsertItem({ sku, tracked: false })
        else if (stock === 'backorder') await inventory.upsertItem({ sku, allowBackorder: true })
        else if (stock !== null) await inventory.setOnHand({ sku, locationId: 'default', onHand: stock, at })
        return p
      }
      const a = await make({ categoryId: root.id, tags: ['red', 'sale'], prices: [500] }, 3)
      const b = await make({ categoryId: child.id, tags: ['red'], prices: [1500] }, 0)
      const c = await make({ categoryId: other.id, tags: ['sale'], prices: [2500] }, 'untracked')
      const d = await make({ categoryId: child.id, prices: [1000] }, 'backorder')
      const e = await make({ categoryId: child.id, prices: [800] }, null)
      const draft = await make({ categoryId: root.id, status: 'draft', prices: [700] }, 5)
      const eur = await make(
        {
          categoryId: root.id,
          prices: [600],
          variants: [variant([{ amount: 600, currency: 'EUR' }])],
          primaryCurrency: 'EUR',
        },
        2,
      )
      const cases: [string, Partial<ProductListQuery>, NewProduct[]][] = [
        ['seller only', {}, [a, b, c, d, e, eur]],
        ['root category includes descendants', { categoryId: root.id }, [a, b, d, e, eur]],
        ['child category', { categoryId: child.id }, [b, d, e]],
        ['tags (all of them)', { tags: ['red', 'sale'] }, [a]],
        ['one tag', { tags: ['red'] }, [a, b]],
        ['currency restricts to products sold in it', { currency: 'EUR' }, [eur]],
        ['price range', { currency: 'USD', priceMin: 800, priceMax: 1500 }, [b, d, e]],
        ['price min only', { currency: 'USD', priceMin: 1000 }, [b, c, d]],
        ['in stock (tracked with stock, untracked, backorder)', { inStock: true }, [a, c, d, eur]],
        ['out of stock (zero, or never stocked)', { inStock: false }, [b, e]],
        ['drafts', { status: 'draft' }, [draft]],
        ['combined', { categoryId: root.id, inStock: true, currency: 'USD', priceMax: 1000 }, [a, d]],
      ]
      for (const [name, filters, expected] of cases) {
        const query = { status: 'active' as const, sellerId, sort: 'newest' as const, ...filters }
        const items = await listAll(store, query)
        assert.deepEqual(items.map((i) => i.id).sort(), expected.map((p) => p.id).sort(), name)
        const counted = await store.listProducts({ ...query, limit: 1, countTotal: true })
        assert.equal(counted.total, expected.length, `${name}: total`)
        assert.equal((await store.listProducts({ ...query, limit: 1, countTotal: false })).total, null)
      }
      const [summary] = await listAll(store, {
        status: 'active',
        sellerId,
        sort: 'newest',
        currency: 'USD',
        tags: ['red', 'sale'],
      })
      assert.ok(summary)
      assert.deepEqual(summary.price, { amount: 500, currency: 'USD' })
      assert.deepEqual(summary.prices, [{ amount: 500, currency: 'USD' }])
      assert.equal(summary.inStock, true)
      assert.equal(summary.sellerId, sellerId)
    })

    it('every sort is a total order with the id as tie-breaker, and pages concatenate to it', async () => {
      const { store, reviews, inspect } = await makeHarness()
      const sellerId = await seller(store)
      const spec = [
        { price: 300, minute: 1, sold: 5, ratings: [5] },
        { price: 100, minute: 2, sold: 5, ratings: [4, 5] },
        { price: 300, minute: 2, sold: 0, ratings: [] },
        { price: 200, minute: 3, sold: 9, ratings: [5] },
        { price: 100, minute: 3, sold: 0, ratings: [3] },
        { price: 500, minute: 0, sold: 1, ratings: [4, 5] },
        { price: 300, minute: 1, sold: 5, ratings: [] },
      ]
      const made = []
      for (const s of spec) {
        const p = product({
          sellerId,
          prices: [s.price + 50, s.price],
          createdAt: new Date(base + s.minute * 60_000),
        })
        await store.insertProduct(p)
        if (s.sold > 0) await store.addUnitsSold([{ productId: p.id, quantity: s.sold }])
        for (const [i, rating] of s.ratings.entries()) {
          await reviews.insertReview({
            id: ids('rev'),
            productId: p.id,
            customerId: `cus_${i}`,
            rating,
            title: '',
            body: '',
            createdAt: new Date(base),
          })
        }
        made.push({
          id: p.id,
          ...s,
          avg: s.ratings.length ? s.ratings.reduce((x, y) => x + y, 0) / s.ratings.length : 0,
        })
      }
      const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
      const expected: Record<ProductSort, typeof made> = {
        newest: [...made].sort((x, y) => y.minute - x.minute || -byId(x, y)),
        popular: [...made].sort((x, y) => y.sold - x.sold || -byId(x, y)),
        rating: [...made].sort((x, y) => y.avg - x.avg || -byId(x, y)),
        price_asc: [...made].sort((x, y) => x.price - y.price || byId(x, y)),
        price_desc: [...made].sort((x, y) => y.price - x.price || -byId(x, y)),
      }
      for (const sort of Object.keys(expected) as ProductSort[]) {
        for (const pageSize of [1, 2, 3, 100]) {
          const items = await listAll(store, { status: 'active', sellerId, sort, currency: 'USD' }, pageSize)
          assert.deepEqual(
            items.map((i) => i.id),
            expected[sort].map((m) => m.id),
            `${sort} in pages of ${pageSize}`,
          )
        }
      }
      const top = made.find((m) => m.sold === 9)!
      assert.equal((await inspect.product(top.id))?.unitsSold, 9)
    })

    it('pagination neither repeats nor skips while products are inserted between pages', async () => {
      const { store } = await makeHarness()
      for (const sort of ['newest', 'price_asc', 'price_desc', 'popular', 'rating'] as ProductSort[]) {
        const sellerId = await seller(store)
        const existing: string[] = []
        for (let i = 0; i < 12; i++) {
          const p = product({
            sellerId,
            prices: [100 * (i % 4) + 100],
            createdAt: new Date(base + (i % 5) * 1000),
          })
          await store.insertProduct(p)
          existing.push(p.id)
        }
        const seen: string[] = []
        let after: KeysetCursor | undefined
        for (let guard = 0; guard < 100; guard++) {
          const page = await store.listProducts({
            status: 'active',
            sellerId,
            sort,
            currency: 'USD',
            after,
            limit: 3,
            countTotal: false,
          })
          seen.push(...page.items.map((i) => i.id))
          // New products land before, between and after the pages already read.
          for (const price of [50, 250, 1000]) {
            await store.insertProduct(
              product({ sellerId, prices: [price], createdAt: new Date(base + 2500) }),
            )
          }
          if (!page.next) break
          after = page.next
        }
        assert.equal(new Set(seen).size, seen.length, `${sort}: no product twice`)
        for (const id of existing) assert.ok(seen.includes(id), `${sort}: ${id} not skipped`)
      }
    })

    it('rejects a malformed cursor with validation.failed', async () => {
      const { store } = await makeHarness()
      const query = { status: 'active' as const, sort: 'newest' as const, limit: 5, countTotal: false }
      for (const key of ["2026-01-01'; drop table products; --", 'yesterday', '']) {
        await expectCommerceError(
          store.listProducts({ ...query, after: { sort: 'newest', key, id: 'prod_1' } }),
          'validation.failed',
        )
      }
      await expectCommerceError(
        store.listProducts({
          ...query,
          sort: 'popular',
          after: { sort: 'popular', key: '1.5', id: 'prod_1' },
        }),
        'validation.failed',
      )
      await expectCommerceError(store.listProducts({ ...query, sort: 'price_asc' }), 'validation.failed')
    })

    it('prices SKUs for carts in one call: price in the currency or null, unknown SKUs absent', async () => {
      const { store } = await makeHarness()
      const sellerId = await seller(store)
      const p = product({ sellerId, prices: [1000, 1200] })
      await store.insertProduct(p)
      const [m, l] = p.variants
      const priced = await store.getVariantsBySku({ skus: [l!.sku, m!.sku, 'NO-SUCH-SKU'], currency: 'USD' })
      assert.deepEqual(
        priced.sort((x, y) => (x.sku < y.sku ? -1 : 1)),
        [m!, l!]
          .map((v) => ({
            sku: v.sku,
            variantId: v.id,
            productId: p.id,
            slug: p.slug,
            name: p.name,
            options: v.options,
            status: 'active',
            price: v.prices[0]!,
            // No schedule in force: the price is the regular one; no compare-at was set.
            regularPrice: v.prices[0]!,
            compareAtPrice: null,
            weightGrams: v.weightGrams,
            sellerId,
          }))
          .sort((x, y) => (x.sku < y.sku ? -1 : 1)),
      )
      const inEur = await store.getVariantsBySku({ skus: [m!.sku], currency: 'EUR' })
      assert.equal(inEur[0]?.price, null)
      assert.deepEqual(await store.getVariantsBySku({ skus: [], currency: 'USD' }), [])
    })

    it('adds units sold by SKU and by product, exactly under concurrency, ignoring unknown ones', async () => {
      const { store, inspect } = await makeHarness()
      const a = product({ prices: [100, 200] })
      const b = product()
      await store.insertProduct(a)
      await store.insertProduct(b)
      await store.addUnitsSold([
        { sku: a.variants[0]!.sku, quantity: 2 },
        { sku: a.variants[1]!.sku, quantity: 3 },
        { productId: b.id, quantity: 4 },
        { sku: 'NO-SUCH-SKU', quantity: 9 },
        { productId: 'prod_missing', quantity: 9 },
      ])
      assert.equal((await inspect.product(a.id))?.unitsSold, 5)
      assert.equal((await inspect.product(b.id))?.unitsSold, 4)
      // Opposite orders in concurrent calls must not deadlock.
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.addUnitsSold(
            i % 2
              ? [
                  { productId: a.id, quantity: 1 },
                  { productId: b.id, quantity: 1 },
                ]
              : [
                  { sku: b.variants[0]!.sku, quantity: 1 },
                  { sku: a.variants[1]!.sku, quantity: 1 },
                ],
          ),
        ),
      )
      assert.equal((await inspect.product(a.id))?.unitsSold, 5 + concurrency)
      assert.equal((await inspect.product(b.id))?.unitsSold, 4 + concurrency)
    })

    it('takes back units sold with negative quantities, never below 0, refreshing search', async () => {
      const { store, inspect } = await makeHarness()
      const a = product({ prices: [100, 200] })
      const b = product()
      const c = product()
      for (const p of [a, b, c]) await store.insertProduct(p)
      await store.addUnitsSold([
        { productId: a.id, quantity: 5 },
        { productId: b.id, quantity: 2 },
        { productId: c.id, quantity: 1 },
      ])
      const searchBefore = await inspect.searchOutboxCount(c.id)
      await store.addUnitsSold([
        { sku: a.variants[0]!.sku, quantity: -2 },
        { sku: a.variants[1]!.sku, quantity: 1 },
        { productId: b.id, quantity: -7 },
        // Nets to nothing: the row is left alone and search is not asked to refresh it.
        { productId: c.id, quantity: 3 },
        { productId: c.id, quantity: -3 },
      ])
      assert.equal((await inspect.product(a.id))?.unitsSold, 4)
      assert.equal((await inspect.product(b.id))?.unitsSold, 0)
      assert.equal((await inspect.product(c.id))?.unitsSold, 1)
      assert.equal(await inspect.searchOutboxCount(c.id), searchBefore)
    })
  })
}
