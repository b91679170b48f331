import type { CurrencyCode } from '../money/currencies.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'
import type { SearchDocument } from './search-index.js'

export interface SearchDocumentsQuery {
  /** Product ids. */
  readonly ids: readonly string[]
  /** The currency of each document's `price`. */
  readonly currency: CurrencyCode
}

export interface SearchableIdsQuery {
  /** Continue after this product (the previous page's `next`). */
  readonly after?: KeysetCursor
  readonly limit: number
}

/**
 * What the search indexer reads from storage to build documents: the catalog seen from the
 * search index. Read-only; a write that changes a document enqueues a `search.product` outbox
 * message (see `CatalogStore` and `ReviewStore`), which tells the indexer to read it again.
 * Contract: `@souk/core/testing`'s `searchFeedSuite`.
 */
export interface SearchFeed {
  /**
   * What the search index holds for these products, priced in `currency`: only active products
   * with a price in it are returned (the indexer deletes the others). `categoryIds` is the category
   * path, `inStock` follows the listings' rule, `popularity` is units sold, `rating` the average.
   */
  searchDocuments(query: SearchDocumentsQuery): Promise<SearchDocument[]>
  /** One page of the ids of active products, ascending (`next.sort` `'id'`): what a full reindex walks. */
  listSearchableProductIds(query: SearchableIdsQuery): Promise<KeysetPage<string>>
  /** How many products are active: the `total` of reindex progress. */
  countSearchableProducts(): Promise<number>
}
