import type {
  Category,
  CategoryRef,
  Product,
  ProductImage,
  ProductSort,
  ProductStatus,
  ProductSummary,
  ProductVariant,
  Seller,
  UnitsSoldLine,
  VariantPricing,
} from '../catalog/catalog-types.js'
import type { CurrencyCode } from '../money/currencies.js'
import type { KeysetCursor } from './keyset-page.js'

export type { KeysetCursor } from './keyset-page.js'

export interface NewVariant extends Omit<ProductVariant, 'id'> {
  /** Used for a new SKU; a SKU the product already has keeps its variant id. */
  readonly id: string
}

export interface NewImage extends ProductImage {
  readonly id: string
}

/** A product to insert. Images are normalised: sorted by position, exactly one primary. */
export interface NewProduct {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly status: ProductStatus
  readonly categoryId: string | null
  readonly sellerId: string | null
  readonly tags: readonly string[]
  readonly attributes: Readonly<Record<string, string>>
  readonly variants: readonly NewVariant[]
  readonly images: readonly NewImage[]
  /** The currency of the first variant's first price as given; set whenever `variants` is. */
  readonly primaryCurrency: CurrencyCode
  readonly createdAt: Date
}

/** Fields to change; absent fields keep their value. `variants` and `images` replace all. */
export type ProductPatch = Partial<Omit<NewProduct, 'id' | 'createdAt'>>

/** A product with the records it refers to, read in one round trip. */
export interface StoredProduct extends Product {
  readonly category: CategoryRef | null
  /** Root first, ending with the category itself. */
  readonly categoryPath: readonly CategoryRef[]
  readonly seller: Seller | null
}

export interface ProductListQuery {
  readonly status: ProductStatus
  /** The category or any descendant. */
  readonly categoryId?: string
  readonly sellerId?: string
  /** Every one of these tags. */
  readonly tags?: readonly string[]
  /** Restricts to products priced in it; `price` on items is in it. Required for price sorts and bounds. */
  readonly currency?: CurrencyCode
  /** Bounds on the product's lowest price in `currency`, minor units, inclusive. */
  readonly priceMin?: number
  readonly priceMax?: number
  readonly inStock?: boolean
  readonly sort: ProductSort
  /** Continue after this row; its `sort` equals `sort` (the service checks). */
  readonly after?: KeysetCursor
  readonly limit: number
  /** Count all matches too; false when the caller already knows the total. */
  readonly countTotal: boolean
}

export interface ProductListResult {
  readonly items: ProductSummary[]
  /** Null when `countTotal` was false. */
  readonly total: number | null
  readonly next: KeysetCursor | null
}

/** A product write: `patch` applied at `at`. */
export interface ProductUpdate {
  readonly id: string
  readonly patch: ProductPatch
  /** The new `updatedAt`. */
  readonly at: Date
}

export interface VariantPricingQuery {
  readonly skus: readonly string[]
  /** The currency of `price` on each result. */
  readonly currency: CurrencyCode
}

/**
 * Persistence of sellers, categories, products with their variants, and units sold. Every write
 * that changes a product enqueues search-index work in the same transaction (the outbox). Reads
 * may be served from replicas. Reviews, recommendations and the search feed are ports of their own
 * (`ReviewStore`, `RecommendationStore`, `SearchFeed`). Contract: `@souk/core/testing`'s
 * `catalogStoreSuite`.
 */
export interface CatalogStore {
  /** Throws `ConflictError` for a taken slug. */
  insertSeller(seller: Seller): Promise<void>
  /** Throws `ConflictError` for a taken slug. `path` is computed by the caller from the parent's. */
  insertCategory(category: Category): Promise<void>
  getCategory(id: string): Promise<Category | null>
  /** Every category, ordered by depth, position, name, id. */
  listCategories(): Promise<Category[]>

  /**
   * Inserts a product with its variants, prices and images. Throws `ConflictError` (details
   * `{ field: 'slug' | 'sku' }`) for a taken slug or SKU and `NotFoundError` for an unknown
   * category or seller; nothing is written then.
   */
  insertProduct(product: NewProduct): Promise<void>
  /**
   * Applies `patch` under a lock on the product row and sets `updatedAt` to `at`. Returns the slug
   * and status before the change, or null for an unknown product. Errors as for `insertProduct`;
   * a SKU that belongs to another product is a conflict.
   */
  updateProduct(
    update: ProductUpdate,
  ): Promise<{ previousSlug: string; previousStatus: ProductStatus } | null>
  /** By id, else by slug. Null when neither matches. */
  getProduct(idOrSlug: string): Promise<StoredProduct | null>
  /** One page in keyset order (sort key, then id); never an OFFSET scan. */
  listProducts(query: ProductListQuery): Promise<ProductListResult>
  /** Pricing of the given SKUs in one query; unknown SKUs are absent. */
  getVariantsBySku(query: VariantPricingQuery): Promise<VariantPricing[]>
  /**
   * Adds sold quantities to products' units sold in one statement, locking product rows in id
   * order so concurrent callers never deadlock. Quantities may be negative (cancellations and
   * returns): lines are summed per product, a product whose sum is 0 is left alone, and units sold
   * never go below 0. Each changed product gets a `search.product` outbox message (popularity is in
   * its search document). Lines naming unknown SKUs or products are ignored. Call it with the
   * stores of the transaction that commits the change.
   */
  addUnitsSold(lines: readonly UnitsSoldLine[]): Promise<void>
}
