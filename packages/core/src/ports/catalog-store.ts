import type { Money } from '../money/money.js'

export type ProductStatus = 'draft' | 'active' | 'archived'

export interface ProductVariantRecord {
  readonly id: string
  readonly productId: string
  readonly sku: string
  /** Option values, e.g. `{ size: 'M', colour: 'red' }`. */
  readonly options: Readonly<Record<string, string>>
  /** One price per currency. */
  readonly prices: readonly Money[]
  readonly weightGrams: number
}

export interface ProductRecord {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly status: ProductStatus
  readonly categoryId: string | null
  readonly sellerId: string | null
  readonly tags: readonly string[]
  readonly attributes: Readonly<Record<string, string>>
  readonly images: readonly {
    readonly url: string
    readonly alt: string
    readonly position: number
    readonly primary: boolean
  }[]
  readonly variants: readonly ProductVariantRecord[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface CategoryRecord {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly parentId: string | null
}

/** Cursor-paginated browse query; the cursor is opaque to callers. */
export interface ProductListQuery {
  readonly categoryId?: string
  readonly priceMin?: Money
  readonly priceMax?: Money
  readonly inStock?: boolean
  readonly sellerId?: string
  readonly tags?: readonly string[]
  readonly sort: 'newest' | 'price_asc' | 'price_desc' | 'popular' | 'rating'
  readonly cursor?: string
  readonly limit: number
}

/**
 * Persistence of products, categories and reviews. Writes enqueue search-index work in the same
 * transaction (the outbox). Catalog reads may be served from replicas and caches.
 */
export interface CatalogStore {
  saveProduct(product: ProductRecord): Promise<void>
  getProduct(idOrSlug: string): Promise<ProductRecord | null>
  listProducts(
    query: ProductListQuery,
  ): Promise<{ items: ProductRecord[]; total: number; nextCursor: string | null }>
  saveCategory(category: CategoryRecord): Promise<void>
  listCategories(): Promise<CategoryRecord[]>
}
