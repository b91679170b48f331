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

export interface SearchFilters {
  /** The category or any of its descendants (documents hold their category's ancestors). */
  readonly categoryId?: string
  /** Lowest price, minor units of the index's currency, inclusive. */
  readonly priceMin?: number
  /** Highest price, minor units, inclusive. */
  readonly priceMax?: number
  readonly inStock?: boolean
  readonly sellerId?: string
  /** Documents carrying every one of these tags. */
  readonly tags?: readonly string[]
}

export interface SearchQuery {
  /**
   * Free text; typos tolerated, the last word also matches as a prefix, a word written `-word` is
   * excluded. Empty browses everything that matches the filters.
   */
  readonly q?: string
  readonly filters?: SearchFilters
  /**
   * Facets to count over every document that matches `q` and `filters`. Price facet values are
   * buckets named by `priceBucketValue` (see search/price-buckets.ts).
   */
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
  /**
   * Matched fragments per field, HTML-escaped with `<mark>` around the matches, so a page may
   * render them as HTML. Only fields with a match appear; `tags` joins the matching tags.
   */
  readonly highlights: readonly {
    readonly field: 'name' | 'description' | 'tags'
    readonly snippet: string
  }[]
}

export interface FacetCount {
  /** A category id, a tag, `'true'`/`'false'` for `inStock`, or a price bucket such as `'1000-2500'`. */
  readonly value: string
  readonly count: number
}

export interface SearchResult {
  readonly hits: readonly SearchHit[]
  /** Every document that matches, over all pages. */
  readonly total: number
  /**
   * Counts per requested facet: categories and tags by count (highest first, then value), at most
   * the adapter's facet limit; price buckets in price order; only values with a count above 0.
   */
  readonly facets: Partial<Record<SearchFacet, readonly FacetCount[]>>
  readonly page: number
  readonly limit: number
  /** The text actually searched when the index corrected a misspelt word, e.g. `'wireless headphones'`. */
  readonly correctedQuery?: string
}

/**
 * A full-text product index. Upserts are idempotent (the outbox delivers at least once).
 * Relevance weighs name above tags above description, then popularity; every sort ends on the id
 * so pages never overlap. Contract: `@souk/core/testing`'s `searchIndexSuite`.
 */
export interface SearchIndex {
  /** Inserts or replaces documents by id; writing the same document again changes nothing. */
  upsert(documents: readonly SearchDocument[]): Promise<void>
  /** Removes documents; unknown ids are ignored. */
  delete(ids: readonly string[]): Promise<void>
  /** Expects a query already validated (the search service validates with `searchQuerySchema`). */
  search(query: SearchQuery): Promise<SearchResult>
  /** Removes every document (used by a full rebuild). */
  clear(): Promise<void>
}
