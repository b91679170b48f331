import { DEFAULT_PRICE_BUCKET_EDGES, type SearchDocument } from '@souk/core'
import { describe, expect, it } from 'vitest'
import type { TypesenseSearchHit, TypesenseSearchResponse } from './typesense-client.js'
import { HIGHLIGHT_END as E, HIGHLIGHT_START as S } from './typesense-query.js'
import { markSnippet, toFacets, toHighlights, toSearchResult } from './typesense-results.js'
import { toTypesenseProduct } from './typesense-schema.js'

const doc: SearchDocument = {
  id: 'prod_1',
  slug: 'tom-mug',
  name: 'Tom & Jerry <Mug>',
  description: 'A large mug.',
  tags: ['mug', 'kitchen'],
  categoryIds: ['cat_1'],
  sellerId: null,
  price: { amount: 1299, currency: 'EUR' },
  inStock: true,
  popularity: 3,
  rating: null,
  createdAt: new Date('2030-01-01T00:00:00.000Z'),
}
const stored = toTypesenseProduct(doc, DEFAULT_PRICE_BUCKET_EDGES)

describe('markSnippet', () => {
  it('escapes HTML and only then turns the private marks into <mark>', () => {
    expect(markSnippet(`Tom & Jerry ${S}<Mug>${E} <script>`)).toBe(
      'Tom &amp; Jerry <mark>&lt;Mug&gt;</mark> &lt;script&gt;',
    )
  })
})

describe('toHighlights', () => {
  it('reads v1 highlights: the full name, matching tags joined, the description snippet', () => {
    const hit: TypesenseSearchHit = {
      document: stored,
      highlights: [
        { field: 'name', snippet: `Jerry ${S}<Mug>${E}`, value: `Tom & Jerry ${S}<Mug>${E}` },
        { field: 'tags', snippets: [`${S}mug${E}`, 'kitchen'] },
        { field: 'description', snippet: `A large ${S}mug${E}.` },
      ],
    }
    expect(toHighlights(hit)).toEqual([
      { field: 'name', snippet: 'Tom &amp; Jerry <mark>&lt;Mug&gt;</mark>' },
      { field: 'tags', snippet: '<mark>mug</mark>' },
      { field: 'description', snippet: 'A large <mark>mug</mark>.' },
    ])
  })

  it('reads v2 highlights and leaves out fields without a match', () => {
    const hit: TypesenseSearchHit = {
      document: stored,
      highlight: {
        name: { snippet: 'Tom & Jerry <Mug>', matched_tokens: [] },
        tags: [
          { snippet: `${S}mug${E}`, matched_tokens: ['mug'] },
          { snippet: 'kitchen', matched_tokens: [] },
        ],
        description: { snippet: `A large ${S}mug${E}.`, matched_tokens: ['mug'] },
      },
    }
    expect(toHighlights(hit)).toEqual([
      { field: 'tags', snippet: '<mark>mug</mark>' },
      { field: 'description', snippet: 'A large <mark>mug</mark>.' },
    ])
  })
})

describe('toFacets', () => {
  const response: TypesenseSearchResponse = {
    found: 9,
    page: 1,
    facet_counts: [
      {
        field_name: 'priceBucket',
        counts: [
          { value: '100000-', count: 1 },
          { value: '0-1000', count: 5 },
          { value: '2500-5000', count: 3 },
        ],
      },
      {
        field_name: 'tags',
        counts: [
          { value: 'wool', count: 2 },
          { value: 'alpaca', count: 2 },
          { value: 'silk', count: 4 },
        ],
      },
      {
        field_name: 'inStock',
        counts: [
          { value: 'true', count: 6 },
          { value: 'false', count: 3 },
        ],
      },
      {
        field_name: 'categoryIds',
        counts: [
          { value: 'cat_a', count: 9 },
          { value: 'cat_b', count: 0 },
        ],
      },
    ],
  }

  it('orders price buckets by price and the rest by count, then value', () => {
    expect(toFacets(response, ['price', 'tags', 'inStock', 'category'], DEFAULT_PRICE_BUCKET_EDGES)).toEqual({
      price: [
        { value: '0-1000', count: 5 },
        { value: '2500-5000', count: 3 },
        { value: '100000-', count: 1 },
      ],
      tags: [
        { value: 'silk', count: 4 },
        { value: 'alpaca', count: 2 },
        { value: 'wool', count: 2 },
      ],
      inStock: [
        { value: 'true', count: 6 },
        { value: 'false', count: 3 },
      ],
      category: [{ value: 'cat_a', count: 9 }],
    })
  })

  it('returns only requested facets, empty when nothing matched', () => {
    expect(toFacets({ found: 0, page: 1 }, ['tags'], DEFAULT_PRICE_BUCKET_EDGES)).toEqual({ tags: [] })
    expect(toFacets(response, [], DEFAULT_PRICE_BUCKET_EDGES)).toEqual({})
  })
})

describe('toSearchResult', () => {
  it('maps hits, documents, total and paging; browsing has no score and no highlights', () => {
    const response: TypesenseSearchResponse = {
      found: 41,
      page: 2,
      hits: [
        {
          document: stored,
          text_match: 578730123365187700,
          highlights: [{ field: 'name', snippet: `${S}Tom${E}` }],
        },
      ],
    }
    const searched = toSearchResult(response, { q: 'tom', page: 2, limit: 20 }, DEFAULT_PRICE_BUCKET_EDGES)
    expect(searched.total).toBe(41)
    expect([searched.page, searched.limit]).toEqual([2, 20])
    expect(searched.hits[0]?.document).toEqual(doc)
    expect(searched.hits[0]?.score).toBeGreaterThan(0)
    expect(searched.hits[0]?.highlights).toEqual([{ field: 'name', snippet: '<mark>Tom</mark>' }])
    const browsed = toSearchResult(response, {}, DEFAULT_PRICE_BUCKET_EDGES)
    expect(browsed.hits[0]?.score).toBe(0)
    expect(browsed.hits[0]?.highlights).toEqual([])
    expect([browsed.page, browsed.limit]).toEqual([1, 20])
  })
})
