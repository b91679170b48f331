import { NotFoundError } from '../errors/error-classes.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import type { SearchIndex, SearchResult, SuggestResult, SynonymSet } from '../ports/search-index.js'
import { parseInput } from '../validation/parse-input.js'
import type { ReindexOptions, SearchIndexer, SyncOptions, SyncReport } from './search-indexer.js'
import {
  type DeleteSynonymsInput,
  deleteSynonymsSchema,
  type ListSynonymsInput,
  listSynonymsSchema,
  type SearchQueryInput,
  type SuggestQueryInput,
  type SynonymSetInput,
  searchQuerySchema,
  suggestQuerySchema,
  synonymSetSchema,
} from './search-schemas.js'

export interface SearchServiceDeps {
  readonly index: SearchIndex
  readonly indexer: SearchIndexer
}

/** The listing name synonym cursors carry (sets by ascending id). */
const SYNONYMS_BY_ID = 'id'

/** `commerce.search`: product search, and the controls that keep the index in step. */
export interface SearchService {
  /**
   * Finds products: hits with highlights, the total and the requested facet counts. Throws
   * `ValidationError` for a bad query (q over 200 characters, limit over 100, page below 1, ...).
   * Synonym sets apply: searching "sofa" also finds "couch" when a set says they are the same.
   */
  query(input: SearchQueryInput): Promise<SearchResult>
  /**
   * Completions as a shopper types: products and categories whose names have words starting with
   * the typed words, a typo in a word tolerated (not in its first letter), exact matches first, then
   * the most popular. Empty `q` suggests nothing. Throws `ValidationError` for q over 100
   * characters or a limit outside 1–20.
   */
  suggest(input: SuggestQueryInput): Promise<SuggestResult>
  /** Creates or replaces a synonym set (staff). Returns it as stored, terms normalised. */
  setSynonyms(input: SynonymSetInput): Promise<SynonymSet>
  /** Synonym sets by id, keyset-paginated (staff). */
  listSynonyms(input?: ListSynonymsInput): Promise<CursorPage<SynonymSet>>
  /** Removes a synonym set (staff). Throws `NotFoundError` when there is none with that id. */
  deleteSynonyms(input: DeleteSynonymsInput): Promise<void>
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
    async suggest(input) {
      const query = parseInput(suggestQuerySchema, input, 'suggest query')
      if (query.q === '') return { products: [], categories: [] }
      return index.suggest(query)
    },
    async setSynonyms(input) {
      const set = parseInput(synonymSetSchema, input, 'synonym set')
      await index.upsertSynonyms(set)
      return set
    },
    async listSynonyms(input = {}) {
      const { cursor, limit } = parseInput(listSynonymsSchema, input, 'synonym list')
      return toCursorPage(await index.listSynonyms({ after: afterCursor(cursor, SYNONYMS_BY_ID), limit }))
    },
    async deleteSynonyms(input) {
      const { id } = parseInput(deleteSynonymsSchema, input, 'synonym set')
      if (!(await index.deleteSynonyms(id))) throw new NotFoundError('synonym set', id)
    },
    sync: (options) => indexer.sync(options),
    reindex: (options) => indexer.reindex(options),
  }
}
