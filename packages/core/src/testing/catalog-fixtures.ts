import { createIdGenerator } from '../ids/id-generator.js'
import type { Money } from '../money/money.js'
import type { CatalogStore, NewProduct, NewVariant } from '../ports/catalog-store.js'

/**
 * Reads and writes storage directly, bypassing the stores under test, so the catalog suites check
 * what was persisted rather than the adapter's own getters, and can create orders (which reviews
 * and bought-together read) without an order store.
 */
export interface CatalogInspector {
  /** The stored row's counters, or null. */
  product(id: string): Promise<{
    slug: string
    status: string
    unitsSold: number
    ratingCount: number
    ratingSum: number
  } | null>
  /** The per-currency lowest price kept for listings, e.g. `{ EUR: 900, USD: 1000 }`. */
  lowestPrices(productId: string): Promise<Record<string, number>>
  /** Variant id per SKU of the product. */
  variantIds(productId: string): Promise<Record<string, string>>
  /** Rows enqueued for the search indexer (topic `search.product`) for the product. */
  searchOutboxCount(productId: string): Promise<number>
  /** Inserts an order in `status` for the customer with one line per product; returns its id. */
  insertOrder(input: {
    customerId: string
    status: string
    lines: readonly { productId: string; sku: string; quantity: number }[]
  }): Promise<string>
}

/** A product to insert, with `prices` (USD, one variant each) as a shorthand for `variants`. */
export type ProductOverrides = Partial<NewProduct> & { prices?: number[] }

/**
 * Builders the catalog suites share: fresh ids, slugs and SKUs on every call, so tests never
 * collide on one store, and a fixed creation time (`base`).
 */
export function catalogFixtures() {
  const ids = createIdGenerator()
  const tail = () => ids('x').slice(-10).toLowerCase()
  const base = Date.UTC(2026, 0, 1)

  async function seller(store: CatalogStore): Promise<string> {
    const id = ids('sel')
    await store.insertSeller({ id, slug: `seller-${tail()}`, name: 'Seller', createdAt: new Date(base) })
    return id
  }

  async function category(
    store: CatalogStore,
    parent: { id: string; path: readonly string[] } | null = null,
  ): Promise<{ id: string; path: string[] }> {
    const id = ids('cat')
    const path = [...(parent?.path ?? []), id]
    await store.insertCategory({
      id,
      slug: `cat-${tail()}`,
      name: `Category ${path.length}`,
      parentId: parent?.id ?? null,
      path,
      position: 0,
      createdAt: new Date(base),
    })
    return { id, path }
  }

  function product(over: ProductOverrides = {}): NewProduct {
    const { prices = [1000], ...rest } = over
    const suffix = tail()
    return {
      id: ids('prod'),
      slug: `product-${suffix}`,
      name: `Product ${suffix}`,
      description: 'A product',
      status: 'active',
      categoryId: null,
      sellerId: null,
      tags: [],
      attributes: {},
      variants: prices.map((amount, position) => ({
        id: ids('var'),
        sku: `SKU-${suffix}-${position}`.toUpperCase(),
        options: { size: String(position) },
        prices: [{ amount, currency: 'USD' }],
        weightGrams: 100,
        position,
      })),
      images: [],
      primaryCurrency: 'USD',
      createdAt: new Date(base),
      ...rest,
    }
  }

  /** A variant with a fresh id and SKU and these prices, for `variants` in `product(over)`. */
  function variant(prices: readonly Money[], position = 0): NewVariant {
    return {
      id: ids('var'),
      sku: `VAR-${tail()}`.toUpperCase(),
      options: {},
      prices,
      weightGrams: 0,
      position,
    }
  }

  /** Inserts a product built by `product(over)` and returns it. */
  async function insertProduct(store: CatalogStore, over: ProductOverrides = {}): Promise<NewProduct> {
    const p = product(over)
    await store.insertProduct(p)
    return p
  }

  return { ids, tail, base, seller, category, product, variant, insertProduct }
}
