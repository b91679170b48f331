import assert from 'node:assert/strict'
import type { CatalogStore, NewProduct } from '../ports/catalog-store.js'
import type { RecommendationStore } from '../ports/recommendation-store.js'
import { type CatalogInspector, catalogFixtures } from './catalog-fixtures.js'
import type { SuiteApi } from './suite-api.js'

export interface RecommendationStoreHarness {
  readonly store: RecommendationStore
  /** The catalog store of the same storage, to create products and count their sales. */
  readonly catalog: CatalogStore
  /** Orders are written directly: bought-together reads them. */
  readonly inspect: Pick<CatalogInspector, 'insertOrder'>
}

/**
 * The recommendation store contract: bought-together from purchased orders, and similar products
 * by category and a price band the caller chooses. Every test makes its own products and
 * category, so one store may serve all tests; `makeHarness` is called once per test.
 */
export function recommendationStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<RecommendationStoreHarness>,
): void {
  const { describe, it } = api
  const { category, variant, insertProduct } = catalogFixtures()
  const idsOf = (summaries: readonly { id: string }[]) => summaries.map((s) => s.id)

  describe('recommendation store contract', () => {
    it('recommends products bought together in purchased orders, most frequent first', async () => {
      const { store, catalog, inspect } = await makeHarness()
      const [main, often, once, unpaid, archived] = await Promise.all([
        insertProduct(catalog),
        insertProduct(catalog),
        insertProduct(catalog),
        insertProduct(catalog),
        insertProduct(catalog),
      ])
      await catalog.updateProduct({ id: archived.id, patch: { status: 'archived' }, at: new Date() })
      const line = (p: NewProduct) => ({ productId: p.id, sku: p.variants[0]!.sku, quantity: 1 })
      const order = (customerId: string, status: string, lines: NewProduct[]) =>
        inspect.insertOrder({ customerId, status, lines: lines.map(line) })
      await order('cus_1', 'confirmed', [main, often, archived])
      await order('cus_2', 'shipped', [main, often])
      await order('cus_3', 'delivered', [main, once])
      await order('cus_4', 'pending_payment', [main, unpaid])
      await order('cus_5', 'payment_failed', [main, unpaid])
      const fbt = await store.frequentlyBoughtTogether({ productId: main.id, limit: 10, currency: 'USD' })
      assert.deepEqual(idsOf(fbt), [often.id, once.id])
      assert.deepEqual(fbt[0]!.price, { amount: 1000, currency: 'USD' })
      const top = await store.frequentlyBoughtTogether({ productId: main.id, limit: 1, currency: null })
      assert.deepEqual(idsOf(top), [often.id])
      assert.equal(top[0]!.price, null)
      assert.deepEqual(
        await store.frequentlyBoughtTogether({ productId: unpaid.id, limit: 10, currency: null }),
        [],
      )
      assert.deepEqual(
        await store.frequentlyBoughtTogether({ productId: 'prod_missing', limit: 10, currency: null }),
        [],
      )
    })

    it('finds similar products: same category, price within the band in the primary currency, by popularity', async () => {
      const { store, catalog } = await makeHarness()
      const cat = await category(catalog)
      const otherCat = await category(catalog)
      const at = (prices: number[], over: Partial<NewProduct> = {}) =>
        insertProduct(catalog, { categoryId: cat.id, prices, ...over })
      const main = await at([1000])
      const low = await at([800])
      const high = await at([1200])
      const tooLow = await at([799])
      const tooHigh = await at([1201])
      const near = await at([950])
      // The lowest variant price counts: 1300 is outside ±20%, its 1100 variant inside.
      const cheapVariant = await at([1300, 1100])
      await insertProduct(catalog, { categoryId: otherCat.id, prices: [1000] })
      await at([1000], { status: 'draft' })
      await catalog.addUnitsSold([
        { productId: high.id, quantity: 3 },
        { productId: near.id, quantity: 2 },
        { productId: cheapVariant.id, quantity: 1 },
      ])
      const similar = (priceBandPercent: number, limit = 10) =>
        store.similarProducts({ productId: main.id, limit, currency: 'USD', priceBandPercent })
      const within20 = await similar(20)
      assert.deepEqual(idsOf(within20), [high.id, near.id, cheapVariant.id, low.id])
      assert.deepEqual(within20[0]!.price, { amount: 1200, currency: 'USD' })
      assert.deepEqual(idsOf(await similar(20, 2)), [high.id, near.id])
      // The band is the caller's: a narrower one drops the edges, a wider one takes more in.
      assert.deepEqual(idsOf(await similar(5)), [near.id])
      assert.deepEqual(idsOf(await similar(0)), [])
      assert.deepEqual(idsOf(await similar(30)), [
        high.id,
        near.id,
        cheapVariant.id,
        tooHigh.id,
        tooLow.id,
        low.id,
      ])
      assert.deepEqual(
        await store.similarProducts({
          productId: 'prod_missing',
          limit: 10,
          currency: null,
          priceBandPercent: 20,
        }),
        [],
      )
    })

    it('compares prices in the product’s primary currency, and prices summaries in the asked one', async () => {
      const { store, catalog } = await makeHarness()
      const cat = await category(catalog)
      const euro = (eur: number, usd: number): Partial<NewProduct> => ({
        categoryId: cat.id,
        primaryCurrency: 'EUR',
        variants: [
          variant([
            { amount: eur, currency: 'EUR' },
            { amount: usd, currency: 'USD' },
          ]),
        ],
      })
      const main = await insertProduct(catalog, euro(1000, 5000))
      // Close in euros, far in dollars: similar. Far in euros, same in dollars: not.
      const close = await insertProduct(catalog, euro(1100, 9000))
      await insertProduct(catalog, euro(2000, 5000))
      const similar = await store.similarProducts({
        productId: main.id,
        limit: 10,
        currency: 'USD',
        priceBandPercent: 20,
      })
      assert.deepEqual(idsOf(similar), [close.id])
      assert.deepEqual(similar[0]!.price, { amount: 9000, currency: 'USD' })
    })
  })
}
