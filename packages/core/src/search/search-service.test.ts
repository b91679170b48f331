import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import type {
  SearchIndex,
  SearchQuery,
  SearchResult,
  SuggestQuery,
  SynonymSet,
} from '../ports/search-index.js'
import type { SearchIndexer } from './search-indexer.js'
import { effectiveSort } from './search-schemas.js'
import { createSearchService } from './search-service.js'

/** Records what reaches the index; validation tests only need to know whether anything did. */
function recordingIndex(): SearchIndex & {
  queries: SearchQuery[]
  suggestions: SuggestQuery[]
  synonyms: Map<string, SynonymSet>
} {
  const queries: SearchQuery[] = []
  const suggestions: SuggestQuery[] = []
  const synonyms = new Map<string, SynonymSet>()
  const empty = (q: SearchQuery): SearchResult => ({
    hits: [],
    total: 0,
    facets: {},
    page: q.page ?? 1,
    limit: q.limit ?? 20,
  })
  return {
    queries,
    suggestions,
    synonyms,
    suggest: async (q) => {
      suggestions.push(q)
      return { products: [], categories: [] }
    },
    upsertSynonyms: async (set) => {
      synonyms.set(set.id, set)
    },
    deleteSynonyms: async (id) => synonyms.delete(id),
    listSynonyms: async ({ limit }) => ({ items: [...synonyms.values()].slice(0, limit), next: null }),
    upsert: async () => {},
    delete: async () => {},
    clear: async () => {},
    search: async (q) => {
      queries.push(q)
      return empty(q)
    },
  }
}

const idleIndexer: SearchIndexer = {
  sync: async () => ({ messages: 0, upserted: 0, deleted: 0, batches: 0 }),
  start() {},
  stop: async () => {},
  reindex: async () => ({ indexed: 0, total: 0 }),
}

describe('search service', () => {
  it('passes a valid query on with defaults applied and duplicates removed', async () => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    await search.query({
      q: '  wireless headphones ',
      filters: { tags: ['audio', 'audio'], priceMin: 0, priceMax: 0 },
      facets: ['tags', 'tags', 'price'],
    })
    expect(index.queries).toEqual([
      {
        q: 'wireless headphones',
        filters: { tags: ['audio'], priceMin: 0, priceMax: 0 },
        facets: ['tags', 'price'],
        page: 1,
        limit: 20,
      },
    ])
  })

  it.each([
    ['q over 200 characters', { q: 'x'.repeat(201) }],
    ['limit over 100', { limit: 101 }],
    ['limit 0', { limit: 0 }],
    ['page 0', { page: 0 }],
    ['a fractional page', { page: 1.5 }],
    ['paging past 10 000 results', { page: 101, limit: 100 }],
    ['an unknown sort', { sort: 'cheapest' }],
    ['an unknown facet', { facets: ['colour'] }],
    ['an unknown field', { query: 'lamp' }],
    ['an unknown filter', { filters: { brand: 'acme' } }],
    ['a negative price', { filters: { priceMin: -1 } }],
    ['a fractional price', { filters: { priceMax: 10.5 } }],
    ['a huge price', { filters: { priceMax: 2 ** 60 } }],
    ['priceMin above priceMax', { filters: { priceMin: 500, priceMax: 100 } }],
    ['a malformed category id', { filters: { categoryId: "cat'; drop" } }],
    ['too many tags', { filters: { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } }],
    ['an empty tag', { filters: { tags: [' '] } }],
    ['a tag with a control character', { filters: { tags: ['a\u0000b'] } }],
    ['a non-object', 'lamp'],
  ])('refuses %s without touching the index', async (_, input) => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    await expect(search.query(input as never)).rejects.toSatisfy((e: unknown) =>
      isCommerceError(e, 'validation.failed'),
    )
    expect(index.queries).toEqual([])
  })

  it('defaults to relevance with text and popularity without', () => {
    expect(effectiveSort({ q: 'lamp' })).toBe('relevance')
    expect(effectiveSort({ q: '  ' })).toBe('popular')
    expect(effectiveSort({ sort: 'relevance' })).toBe('popular')
    expect(effectiveSort({ q: 'lamp', sort: 'newest' })).toBe('newest')
  })

  it('passes a suggest query on trimmed, with the default limit; empty text never reaches the index', async () => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    await search.suggest({ q: '  hedp ' })
    expect(await search.suggest({ q: '   ' })).toEqual({ products: [], categories: [] })
    expect(index.suggestions).toEqual([{ q: 'hedp', limit: 8 }])
  })

  it.each([
    ['q over 100 characters', { q: 'x'.repeat(101) }],
    ['no q', {}],
    ['limit 0', { q: 'a', limit: 0 }],
    ['limit over 20', { q: 'a', limit: 21 }],
    ['a control character', { q: 'a\u0000' }],
    ['an unknown field', { q: 'a', page: 2 }],
  ])('refuses a suggest query with %s', async (_, input) => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    await expect(search.suggest(input as never)).rejects.toSatisfy((e: unknown) =>
      isCommerceError(e, 'validation.failed'),
    )
    expect(index.suggestions).toEqual([])
  })

  it('normalises synonym sets and deletes them by id', async () => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    expect(await search.setSynonyms({ id: 'sofa', terms: [' Sofa', 'COUCH', 'couch', 'T-Shirt'] })).toEqual({
      id: 'sofa',
      terms: ['sofa', 'couch', 't shirt'],
      root: null,
    })
    expect(await search.setSynonyms({ id: 'lap', root: 'Laptop', terms: ['laptop', 'ultrabook'] })).toEqual({
      id: 'lap',
      terms: ['ultrabook'],
      root: 'laptop',
    })
    expect((await search.listSynonyms()).items.map((s) => s.id)).toEqual(['sofa', 'lap'])
    await search.deleteSynonyms({ id: 'sofa' })
    await expect(search.deleteSynonyms({ id: 'sofa' })).rejects.toSatisfy((e: unknown) =>
      isCommerceError(e, 'not_found'),
    )
  })

  it.each([
    ['one term only', { id: 'a', terms: ['sofa'] }],
    ['the same term twice', { id: 'a', terms: ['sofa', 'Sofa'] }],
    ['a root and only itself', { id: 'a', root: 'sofa', terms: ['sofa'] }],
    ['a term of symbols', { id: 'a', terms: ['sofa', '***'] }],
    ['a phrase of 6 words', { id: 'a', terms: ['sofa', 'a b c d e f'] }],
    ['a bad id', { id: '-x', terms: ['sofa', 'couch'] }],
    ['an id with a slash', { id: 'a/b', terms: ['sofa', 'couch'] }],
    ['51 terms', { id: 'a', terms: Array.from({ length: 51 }, (_, i) => `t${i}`) }],
  ])('refuses a synonym set with %s', async (_, input) => {
    const index = recordingIndex()
    const search = createSearchService({ index, indexer: idleIndexer })
    await expect(search.setSynonyms(input as never)).rejects.toSatisfy((e: unknown) =>
      isCommerceError(e, 'validation.failed'),
    )
    expect(index.synonyms.size).toBe(0)
  })
})
