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
import type { PriceSchedule } from '../pricing/price-schedule-types.js'
import type { KeysetCursor } from './keyset-page.js'

export type { KeysetCursor } from './keyset-page.js'

export interface NewVariant extends Omit<ProductVariant, 'id' | 'compareAtPrice'> {
  /** Used for a new SKU; a SKU the product already has keeps its variant id. */
  readonly id: string
  /** Default null. */
  readonly compareAtPrice?: ProductVariant['compareAtPrice']
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
  /**
   * The variants' price schedules that had not ended at the time asked (`getProduct`'s `at`), by
   * start. The catalog service picks the one in force when it answers, so a cached product stays
   * right across a schedule's start and end.
   */
  readonly priceSchedules: readonly PriceSchedule[]
}

/** Which product `getProduct` reads, and as of when its price schedules are taken. */
export interface ProductLookup {
  /** A product id, else a slug. */
  readonly idOrSlug: string
  /** Schedules not ended at this instant come with the product. Default: the database's time. */
  readonly at?: Date
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
  /**
   * The instant whose prices in force the items show (scheduled prices). Default: the database's
   * time. Price filters and sorts use the regular prices.
   */
  readonly at?: Date
}

export interface ProductListResult {
  readonly items: ProductSummary[]
  /** Null when `countTotal` was false. */
  readonly total: number | null
  readonly next: KeysetCursor | null
  /**
   * The first instant after `at` at which a price shown on this page changes (a schedule of one of
   * its products starts or ends); null when none does. Caches expire the page then.
   */
  readonly pricesValidUntil?: Date | null
}

/** A product write: `patch` applied at `at`. */
export interface ProductUpdate {
  readonly id: string
  readonly patch: ProductPatch
  /** The new `updatedAt`. */
  readonly at: Date
  /**
   * When set, the product changes only while its seller is this one, read under the write's own
   * row lock (a concurrent reassignment cannot slip between check and write); otherwise nothing
   * changes and the result is null, as for an unknown product. Absent: no check.
   */
  readonly expectedSellerId?: string
}

/** Changes to a category in place; absent fields keep their value. */
export interface CategoryUpdate {
  readonly id: string
  readonly slug?: string
  readonly name?: string
  readonly position?: number
  /** The clock's time, for the search outbox messages a rename enqueues for the subtree's products. */
  readonly at: Date
}

/** A category (with its subtree) to hang under `parentId`, or at the root when null. */
export interface CategoryMove {
  readonly id: string
  readonly parentId: string | null
  /** Order among its new siblings; absent keeps the current position. */
  readonly position?: number
  /** Deepest the tree may become (a root is depth 1); a move past it is refused. */
  readonly maxDepth: number
  /** Time of the search outbox messages. */
  readonly at: Date
}

/** A category write, with the products whose cached reads or search documents it changed. */
export interface CategoryChange {
  readonly category: Category
  /** Products in the category or any descendant (their category path changed, or its names). */
  readonly productIds: readonly string[]
}

export interface VariantPricingQuery {
  readonly skus: readonly string[]
  /** The currency of `price` on each result. */
  readonly currency: CurrencyCode
  /** The instant whose price in force `price` is (scheduled prices). Default: the database's time. */
  readonly at?: Date
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
  /**
   * Renames a category or moves it among its siblings. Null for an unknown id. Throws
   * `ConflictError` (details `{ field: 'slug' }`) for a taken slug. `productIds` lists the products
   * in its subtree only when the slug or name changed (their reads show its names).
   */
  updateCategory(update: CategoryUpdate): Promise<CategoryChange | null>
  /**
   * Moves a category and its subtree, atomically and serialised against other moves, so two
   * concurrent moves can never make a cycle: rewrites the path of every category in the subtree
   * and the category path of every product in it, and enqueues a `search.product` outbox message
   * for each such product, in one transaction. Null for an unknown id. Throws `NotFoundError`
   * (entity `category`) for an unknown parent, `ValidationError` (path `parentId`) for a move
   * under the category itself or one of its descendants, or one that makes the tree deeper than
   * `maxDepth`.
   */
  moveCategory(move: CategoryMove): Promise<CategoryChange | null>
  /**
   * Deletes a category that has neither child categories nor products (of any status). Returns
   * false for an unknown id. Throws `ConflictError` (details `{ field: 'children' | 'products' }`)
   * otherwise, also when a child or product arrives concurrently.
   */
  deleteCategory(id: string): Promise<boolean>
  /** Sellers with the given slugs; unknown slugs are absent. */
  getSellersBySlug(slugs: readonly string[]): Promise<Seller[]>
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
  /**
   * By id, else by slug. Null when neither matches. `priceSchedules` holds the schedules not ended
   * at `at` (default: the database's time).
   */
  getProduct(query: ProductLookup): Promise<StoredProduct | null>
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
