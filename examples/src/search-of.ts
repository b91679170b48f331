import type { Commerce, SearchService } from '@souk/core'

/** The members of `commerce.search` the example uses. */
export type SearchLike = Pick<SearchService, 'query' | 'reindex' | 'sync'>

/**
 * `commerce.search` when `createCommerce` wires it, else undefined: the example then falls back to
 * `catalog.listProducts` (no typo tolerance, no facets) instead of failing.
 */
export function searchOf(commerce: Commerce): SearchLike | undefined {
  const search = (commerce as { search?: unknown }).search
  return typeof search === 'object' && search !== null && typeof (search as SearchLike).query === 'function'
    ? (search as SearchLike)
    : undefined
}
