import {
  effectiveSort,
  type SearchFacet,
  type SearchQuery,
  type SearchSort,
  ValidationError,
} from '@souk/core'
import type { TypesenseSearchParams } from './typesense-client.js'
import { QUERY_FIELDS, QUERY_WEIGHTS } from './typesense-schema.js'

/** Marks Typesense puts around matches; private-use characters no product text contains. */
export const HIGHLIGHT_START = '\uE000'
export const HIGHLIGHT_END = '\uE001'

/** Typos allowed per word, and the word lengths from which one and two are allowed. */
export const TYPO_SETTINGS = { num_typos: 2, min_len_1typo: 4, min_len_2typo: 7 } as const

/** Souk facet → Typesense field. */
export const FACET_FIELDS: Readonly<Record<SearchFacet, string>> = {
  category: 'categoryIds',
  price: 'priceBucket',
  inStock: 'inStock',
  tags: 'tags',
}

/** Every sort ends on `sortKey` (the id), so equal keys never swap between pages. */
export const SORT_BY: Readonly<Record<SearchSort, string>> = {
  relevance: '_text_match:desc,popularity:desc,sortKey:asc',
  popular: 'popularity:desc,sortKey:asc',
  price_asc: 'price:asc,sortKey:asc',
  price_desc: 'price:desc,sortKey:asc',
  newest: 'createdAt:desc,sortKey:desc',
  rating: 'rating:desc,popularity:desc,sortKey:asc',
}

/**
 * A string value in a filter_by clause. Typesense takes backtick-quoted strings verbatim and has
 * no escape for a backtick inside one, so such a value cannot be filtered on: refused.
 */
export function filterValue(value: string, path: string): string {
  if (value.includes('`')) {
    throw new ValidationError(`Invalid search filter: ${path} must not contain a backtick on Typesense`, [
      { path, message: 'must not contain a backtick (Typesense filter syntax has no escape for it)' },
    ])
  }
  return `\`${value}\``
}

/** The query's filters as a Typesense filter_by expression (clauses ANDed), or undefined. */
export function toFilterBy(filters: SearchQuery['filters']): string | undefined {
  if (!filters) return undefined
  const clauses: string[] = []
  if (filters.categoryId !== undefined) {
    clauses.push(`categoryIds:=${filterValue(filters.categoryId, 'filters.categoryId')}`)
  }
  if (filters.priceMin !== undefined) clauses.push(`price:>=${Math.trunc(filters.priceMin)}`)
  if (filters.priceMax !== undefined) clauses.push(`price:<=${Math.trunc(filters.priceMax)}`)
  if (filters.inStock !== undefined) clauses.push(`inStock:=${filters.inStock ? 'true' : 'false'}`)
  if (filters.sellerId !== undefined)
    clauses.push(`sellerId:=${filterValue(filters.sellerId, 'filters.sellerId')}`)
  for (const [i, tag] of (filters.tags ?? []).entries()) {
    // One clause per tag: a product must carry every tag, not any of them.
    clauses.push(`tags:=${filterValue(tag, `filters.tags.${i}`)}`)
  }
  return clauses.length > 0 ? clauses.join(' && ') : undefined
}

export interface QueryTranslationOptions {
  /** Most values returned per facet. */
  readonly maxFacetValues: number
}

/**
 * Translates a Souk search query into Typesense search parameters: text over name, tags and
 * description weighted 4:2:1, up to two typos, prefix matching, every word required (no dropped
 * tokens, as in the Postgres index), exhaustive facet counts and highlights between private marks
 * that `toHighlights` turns into escaped HTML.
 */
export function toSearchParams(query: SearchQuery, options: QueryTranslationOptions): TypesenseSearchParams {
  const text = (query.q ?? '').trim()
  const page = query.page ?? 1
  const limit = query.limit ?? 20
  const facets = [...new Set(query.facets ?? [])]
  const filterBy = toFilterBy(query.filters)
  return {
    q: text === '' ? '*' : text,
    query_by: QUERY_FIELDS.join(','),
    query_by_weights: QUERY_WEIGHTS.join(','),
    prefix: true,
    ...TYPO_SETTINGS,
    typo_tokens_threshold: 1,
    drop_tokens_threshold: 0,
    ...(filterBy === undefined ? {} : { filter_by: filterBy }),
    ...(facets.length === 0
      ? {}
      : {
          facet_by: facets.map((f) => FACET_FIELDS[f]).join(','),
          max_facet_values: options.maxFacetValues,
          facet_strategy: 'exhaustive' as const,
        }),
    sort_by: SORT_BY[effectiveSort({ q: text, sort: query.sort })],
    page,
    per_page: limit,
    highlight_fields: QUERY_FIELDS.join(','),
    highlight_full_fields: 'name,tags',
    highlight_start_tag: HIGHLIGHT_START,
    highlight_end_tag: HIGHLIGHT_END,
    highlight_affix_num_tokens: 8,
  }
}
