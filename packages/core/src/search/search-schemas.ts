import { z } from 'zod'
import { entityIdSchema } from '../inventory/inventory-schemas.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { cursorSchema, pageLimitSchema } from '../pagination/cursor-page.js'
import type {
  SearchDocument,
  SearchFacet,
  SearchQuery,
  SearchSort,
  SynonymSet,
} from '../ports/search-index.js'
import { text } from '../validation/text-schema.js'
import { MAX_SYNONYM_TERM_WORDS, normalizeSynonymTerm } from './suggest-text.js'

/** Longest search text, in characters. */
export const MAX_QUERY_LENGTH = 200
/** Largest page of hits. */
export const MAX_SEARCH_LIMIT = 100
/** Hits per page when a query names none. */
export const DEFAULT_SEARCH_LIMIT = 20
/** Deepest result reachable by paging (`page × limit`); deeper pages are refused, as engines do. */
export const MAX_SEARCH_DEPTH = 10_000
/** Most tags one query may filter on. */
export const MAX_FILTER_TAGS = 10

export const SEARCH_SORTS = ['relevance', 'popular', 'price_asc', 'price_desc', 'newest', 'rating'] as const
export const SEARCH_FACETS = ['category', 'price', 'inStock', 'tags'] as const

const amount = z.number().int('must be whole minor units').min(0).max(Number.MAX_SAFE_INTEGER)

const filtersSchema = z
  .strictObject({
    categoryId: entityIdSchema.optional(),
    priceMin: amount.optional(),
    priceMax: amount.optional(),
    inStock: z.boolean().optional(),
    sellerId: entityIdSchema.optional(),
    tags: z
      .array(text({ min: 1, max: 50, label: 'tag' }))
      .min(1)
      .max(MAX_FILTER_TAGS)
      .transform((tags) => [...new Set(tags)])
      .optional(),
  })
  .refine((f) => f.priceMin === undefined || f.priceMax === undefined || f.priceMin <= f.priceMax, {
    message: 'priceMin must not exceed priceMax',
    path: ['priceMin'],
  })

/**
 * `commerce.search.query` input. `q` at most 200 characters (trimmed; empty browses), `page` from 1,
 * `limit` 1–100 (default 20), and `page × limit` at most 10,000.
 */
export const searchQuerySchema = z
  .strictObject({
    q: text({ max: MAX_QUERY_LENGTH, label: 'q' }).optional(),
    filters: filtersSchema.optional(),
    facets: z
      .array(z.enum(SEARCH_FACETS))
      .max(SEARCH_FACETS.length * 2)
      .transform((facets): SearchFacet[] => [...new Set(facets)])
      .optional(),
    sort: z.enum(SEARCH_SORTS).optional(),
    page: z.number().int().min(1).default(1),
    limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
  })
  .refine((query) => query.page * query.limit <= MAX_SEARCH_DEPTH, {
    message: `page × limit must be at most ${MAX_SEARCH_DEPTH}; narrow the query instead`,
    path: ['page'],
  })
export type SearchQueryInput = z.input<typeof searchQuerySchema>

/** The sort a query gets when it names none: relevance with text, popularity without. */
export function effectiveSort(query: Pick<SearchQuery, 'q' | 'sort'>): SearchSort {
  const hasText = (query.q ?? '').trim() !== ''
  if (query.sort === undefined) return hasText ? 'relevance' : 'popular'
  return query.sort === 'relevance' && !hasText ? 'popular' : query.sort
}

/** What an index accepts; the indexer checks documents from the catalog against it before writing. */
export const searchDocumentSchema = z.strictObject({
  id: entityIdSchema,
  slug: z.string().min(1).max(200),
  name: z.string().min(1).max(500),
  description: z.string().max(20_000),
  tags: z.array(z.string().min(1).max(50)).max(50),
  categoryIds: z.array(entityIdSchema).max(20),
  categories: z
    .array(z.strictObject({ id: entityIdSchema, name: z.string().min(1).max(200) }))
    .max(20)
    .optional(),
  sellerId: entityIdSchema.nullable(),
  price: z.strictObject({ amount, currency: currencyCodeSchema }),
  inStock: z.boolean(),
  popularity: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  rating: z.number().min(0).max(5).nullable(),
  createdAt: z.date(),
}) satisfies z.ZodType<SearchDocument>

const batchSize = z.number().int().min(1).max(10_000)

/** Options of `sync()`: batchSize 1–10 000 (default 200), maxBatches 1–10 000 (default 50). */
export const syncOptionsSchema = z.strictObject({
  batchSize: batchSize.optional(),
  maxBatches: z.number().int().min(1).max(10_000).optional(),
})

/** Options of the indexer's poller: intervalMs 1 ms – 1 hour (default 1000), batchSize as for sync. */
export const pollerOptionsSchema = z.strictObject({
  intervalMs: z.number().int().min(1).max(3_600_000).optional(),
  batchSize: batchSize.optional(),
})

/** Options of `reindex()`: batchSize 1–10 000 (default 200) and an optional progress callback. */
export const reindexOptionsSchema = z.strictObject({
  batchSize: batchSize.optional(),
  onProgress: z
    .custom<(progress: { done: number; total: number }) => void>((v) => typeof v === 'function', {
      message: 'onProgress must be a function',
    })
    .optional(),
})

/** Longest suggest text, in characters. */
export const MAX_SUGGEST_LENGTH = 100
/** Most suggestions per list. */
export const MAX_SUGGEST_LIMIT = 20
/** Suggestions per list when a query names none. */
export const DEFAULT_SUGGEST_LIMIT = 8

/**
 * `commerce.search.suggest` input: `q` at most 100 characters (trimmed; empty suggests nothing),
 * `limit` 1–20 (default 8) per list.
 */
export const suggestQuerySchema = z.strictObject({
  q: text({ max: MAX_SUGGEST_LENGTH, label: 'q' }),
  limit: z.number().int().min(1).max(MAX_SUGGEST_LIMIT).default(DEFAULT_SUGGEST_LIMIT),
})
export type SuggestQueryInput = z.input<typeof suggestQuerySchema>

/** Most terms in one synonym set. */
export const MAX_SYNONYM_TERMS = 50

/** A synonym set's id: letters, digits, `_` and `-`, starting with a letter or digit, 1–100. */
export const synonymIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/,
    'must be 1–100 letters, digits, _ or -, not starting with _ or -',
  )

const synonymTermSchema = text({ min: 1, max: 100, label: 'term' })
  .transform(normalizeSynonymTerm)
  .refine((term) => term !== '', 'must contain a letter or digit')
  .refine(
    (term) => term.split(' ').length <= MAX_SYNONYM_TERM_WORDS,
    `must be at most ${MAX_SYNONYM_TERM_WORDS} words`,
  )

/**
 * `commerce.search.setSynonyms` input. Terms are normalised (lower case, words joined by one space)
 * and deduplicated; a multi-way set needs 2 terms or more, a one-way set a `root` and 1 term or more
 * (the root is dropped from its own terms).
 */
export const synonymSetSchema = z
  .strictObject({
    id: synonymIdSchema,
    terms: z.array(synonymTermSchema).min(1).max(MAX_SYNONYM_TERMS),
    /** Absent or null: a multi-way set. */
    root: synonymTermSchema.nullable().optional(),
  })
  .transform(
    (s): SynonymSet => ({
      id: s.id,
      terms: [...new Set(s.terms)].filter((t) => t !== s.root),
      root: s.root ?? null,
    }),
  )
  .refine((s) => s.terms.length >= (s.root === null ? 2 : 1), {
    message: 'needs 2 different terms, or a root and 1 other term',
    path: ['terms'],
  })
export type SynonymSetInput = z.input<typeof synonymSetSchema>

/** `commerce.search.listSynonyms` input: `limit` 1–200 (default 50), `cursor` from the previous page. */
export const listSynonymsSchema = z.strictObject({
  cursor: cursorSchema.optional(),
  limit: pageLimitSchema(50, 200),
})
export type ListSynonymsInput = z.input<typeof listSynonymsSchema>

/** `commerce.search.deleteSynonyms` input. */
export const deleteSynonymsSchema = z.strictObject({ id: synonymIdSchema })
export type DeleteSynonymsInput = z.input<typeof deleteSynonymsSchema>
