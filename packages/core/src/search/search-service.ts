import type { SearchIndex, SearchResult } from '../ports/search-index.js'
import { parseInput } from '../validation/parse-input.js'
import type { ReindexOptions, SearchIndexer, SyncOptions, SyncReport } from './search-indexer.js'
import { type SearchQueryInput, searchQuerySchema } from './search-schemas.js'

export interface SearchServiceDeps {
  readonly index: SearchIndex
  readonly indexer: SearchIndexer
}

/** `commerce.search`: product search, and the controls that keep the index in step. */
export interface SearchService {
  /**
   * Finds products: hits with highlights, the total and the requested facet counts. Throws
   * `ValidationError` for a bad query (q over 200 characters, limit over 100, page below 1, ...).
   */
  query(input: SearchQueryInput): Promise<SearchResult>
  /** Applies the catalog changes waiting in the outbox once. See `SearchIndexer.sync`. */
  sync(options?: SyncOptions): Promise<SyncReport>
  /** Rebuilds the index from the catalog, reporting progress. See `SearchIndexer.reindex`. */
  reindex(options?: ReindexOptions): Promise<{ readonly indexed: number; readonly total: number }>
}

/** Creates `commerce.search` over an index and the indexer that feeds it. */
export function createSearchService(deps: SearchServiceDeps): SearchService {
  const { index, indexer } = deps
  return {
    async query(input) {
      const query = parseInput(searchQuerySchema, input, 'search query')
      return index.search(query)
    },
    sync: (options) => indexer.sync(options),
    reindex: (options) => indexer.reindex(options),
  }
}
