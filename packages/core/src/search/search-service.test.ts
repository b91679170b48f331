import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import type { SearchIndex, SearchQuery, SearchResult } from '../ports/search-index.js'
import type { SearchIndexer } from './search-indexer.js'
import { effectiveSort } from './search-schemas.js'
import { createSearchService } from './search-service.js'

/** Records what reaches the index; validation tests only need to know whether anything did. */
function recordingIndex(): SearchIndex & { queries: SearchQuery[] } {
  const queries: SearchQuery[] = []
  const empty = (q: SearchQuery): SearchResult => ({
    hits: [],
    total: 0,
    facets: {},
    page: q.page ?? 1,
    limit: q.limit ?? 20,
  })
  return {
    queries,
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
})
