import type { Money } from '../money/money.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/** A category a document belongs to, named, so an index can suggest categories as a shopper types. */
export interface SearchDocumentCategory {
  readonly id: string
  readonly name: string
}

/** What the index holds for one product. Built from the catalog; never the source of truth. */
export interface SearchDocument {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly tags: readonly string[]
  /** The product's category and all its ancestors, so a filter on a parent finds descendants. */
  readonly categoryIds: readonly string[]
  /**
   * The same categories with their names (any order), for suggest. Optional: a document without
   * it makes no category suggestions. The catalog's feed always fills it.
   */
  readonly categories?: readonly SearchDocumentCategory[]
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

export interface SuggestQuery {
  /**
   * What the shopper has typed so far: every word matches as the start of a word, the last one
   * typically unfinished; a word may carry a typo (1 from 4 characters, 2 from 7), but its first
   * letter must be right.
   */
  readonly q: string
  /** Most product and most category suggestions (each list). */
  readonly limit: number
}

export interface ProductSuggestion {
  readonly id: string
  readonly slug: string
  readonly name: string
  /** Every typed word starts a word of the name as typed (no typo, no synonym needed). */
  readonly exact: boolean
}

export interface CategorySuggestion {
  readonly id: string
  readonly name: string
  /** Indexed products in the category or its descendants. */
  readonly count: number
  readonly exact: boolean
}

/**
 * Completions of a prefix: products whose name, and categories whose name, have a word starting
 * with each typed word. Exact matches first, then the more popular products (more products for a
 * category), then by name and id.
 */
export interface SuggestResult {
  readonly products: readonly ProductSuggestion[]
  readonly categories: readonly CategorySuggestion[]
}

/**
 * Words a query treats as one. Multi-way (no `root`): searching any term finds documents with any
 * other. One-way: searching `root` also finds the `terms`, but a term finds only itself.
 * A term may be a phrase of up to 5 words; terms are lower-case, single-spaced.
 */
export interface SynonymSet {
  /** Staff-chosen: letters, digits, `_` and `-`, 1–100. */
  readonly id: string
  readonly terms: readonly string[]
  readonly root: string | null
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
  /** Removes every document (used by a full rebuild); synonym sets stay. */
  clear(): Promise<void>
  /** Prefix completions of product and category names, typo tolerant; applies synonyms to whole words. */
  suggest(query: SuggestQuery): Promise<SuggestResult>
  /** Creates or replaces a synonym set by id (already validated by `synonymSetSchema`). */
  upsertSynonyms(set: SynonymSet): Promise<void>
  /** Removes a synonym set; false when there was none with that id. */
  deleteSynonyms(id: string): Promise<boolean>
  /** Synonym sets by ascending id (`next.sort` is `'id'`). */
  listSynonyms(query: {
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<SynonymSet>>
}
