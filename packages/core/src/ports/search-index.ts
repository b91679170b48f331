import type { Money } from '../money/money.js'

/** What the index holds for one product. Built from the catalog; never the source of truth. */
export interface SearchDocument {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly tags: readonly string[]
  /** The product's category and all its ancestors, so a filter on a parent finds descendants. */
  readonly categoryIds: readonly string[]
  readonly sellerId: string | null
  /** Lowest active variant price in the index's currency. */
  readonly price: Money
  readonly inStock: boolean
  /** Units sold; the tie-breaker after relevance. */
  readonly popularity: number
  readonly rating: number | null
  readonly createdAt: Date
}

export type SearchSort = 'relevance' | 'popular' | 'price_asc' | 'price_desc' | 'newest' | 'rating'
export type SearchFacet = 'category' | 'price' | 'inStock' | 'tags'

export interface SearchQuery {
  /** Free text; typos tolerated. Empty browses everything that matches the filters. */
  readonly q?: string
  readonly filters?: {
    readonly categoryId?: string
    readonly priceMin?: number
    readonly priceMax?: number
    readonly inStock?: boolean
    readonly sellerId?: string
    readonly tags?: readonly string[]
  }
  readonly facets?: readonly SearchFacet[]
  /** Default `relevance` (then popularity) with text, `popular` without. */
  readonly sort?: SearchSort
  /** 1-based. Default 1. */
  readonly page?: number
  /** Default 20, at most 100. */
  readonly limit?: number
}

export interface SearchHit {
  readonly id: string
  readonly score: number
  readonly document: SearchDocument
  /** Matched fragments with `<mark>` around the matches, per field. */
  readonly highlights: readonly {
    readonly field: 'name' | 'description' | 'tags'
    readonly snippet: string
  }[]
}

export interface FacetCount {
  readonly value: string
  readonly count: number
}

export interface SearchResult {
  readonly hits: readonly SearchHit[]
  readonly total: number
  readonly facets: Partial<Record<SearchFacet, readonly FacetCount[]>>
  readonly page: number
  readonly limit: number
}

/**
 * A full-text product index. Upserts are idempotent (the outbox delivers at least once).
 * Relevance weighs name above tags above description, then popularity.
 */
export interface SearchIndex {
  upsert(documents: readonly SearchDocument[]): Promise<void>
  delete(ids: readonly string[]): Promise<void>
  search(query: SearchQuery): Promise<SearchResult>
  /** Removes every document (used by a full rebuild). */
  clear(): Promise<void>
}
