import { isCommerceError, type SearchQuery } from '@souk/core'
import { describe, expect, it } from 'vitest'
import { HIGHLIGHT_END, HIGHLIGHT_START, toFilterBy, toSearchParams } from './typesense-query.js'

const params = (query: SearchQuery) => toSearchParams(query, { maxFacetValues: 50 })

describe('toSearchParams', () => {
  it('searches name, tags and description weighted 4:2:1 with typo tolerance and every word required', () => {
    expect(params({ q: ' wireless headphnes ' })).toEqual({
      q: 'wireless headphnes',
      query_by: 'name,tags,description',
      query_by_weights: '4,2,1',
      prefix: true,
      num_typos: 2,
      min_len_1typo: 4,
      min_len_2typo: 7,
      typo_tokens_threshold: 1,
      drop_tokens_threshold: 0,
      sort_by: '_text_match:desc,popularity:desc,sortKey:asc',
      page: 1,
      per_page: 20,
      highlight_fields: 'name,tags,description',
      highlight_full_fields: 'name,tags',
      highlight_start_tag: HIGHLIGHT_START,
      highlight_end_tag: HIGHLIGHT_END,
      highlight_affix_num_tokens: 8,
    })
  })

  it('browses with * and sorts by popularity when there is no text', () => {
    const p = params({ q: '   ', sort: 'relevance', page: 3, limit: 7 })
    expect(p.q).toBe('*')
    expect(p.sort_by).toBe('popularity:desc,sortKey:asc')
    expect([p.page, p.per_page]).toEqual([3, 7])
    expect(params({}).sort_by).toBe('popularity:desc,sortKey:asc')
  })

  it('ends every sort on the sort key', () => {
    const sorts = {
      newest: 'createdAt:desc,sortKey:desc',
      price_asc: 'price:asc,sortKey:asc',
      price_desc: 'price:desc,sortKey:asc',
      popular: 'popularity:desc,sortKey:asc',
      rating: 'rating:desc,popularity:desc,sortKey:asc',
    } as const
    for (const [sort, sortBy] of Object.entries(sorts)) {
      expect(params({ q: 'lamp', sort: sort as keyof typeof sorts }).sort_by).toBe(sortBy)
    }
  })

  it('asks for the requested facets once each, exhaustively counted', () => {
    const p = params({ facets: ['tags', 'price', 'category', 'inStock', 'tags'] })
    expect(p.facet_by).toBe('tags,priceBucket,categoryIds,inStock')
    expect(p.max_facet_values).toBe(50)
    expect(p.facet_strategy).toBe('exhaustive')
    expect(params({ facets: [] }).facet_by).toBeUndefined()
  })
})

describe('toFilterBy', () => {
  it('translates every filter into ANDed clauses with quoted strings', () => {
    expect(
      toFilterBy({
        categoryId: 'cat_1',
        priceMin: 1000,
        priceMax: 2500,
        inStock: true,
        sellerId: 'sel_9',
        tags: ['noise cancelling', 'audio'],
      }),
    ).toBe(
      'categoryIds:=`cat_1` && price:>=1000 && price:<=2500 && inStock:=true && sellerId:=`sel_9` && tags:=`noise cancelling` && tags:=`audio`',
    )
    expect(toFilterBy({ inStock: false, priceMax: 0 })).toBe('price:<=0 && inStock:=false')
    expect(toFilterBy({})).toBeUndefined()
    expect(toFilterBy(undefined)).toBeUndefined()
  })

  it('keeps filter syntax in values inert and refuses what it cannot quote', () => {
    expect(toFilterBy({ tags: ['a && price:>0', 'x,y]'] })).toBe('tags:=`a && price:>0` && tags:=`x,y]`')
    let error: unknown
    try {
      toFilterBy({ tags: ['ok', 'bad`) || inStock:=false'] })
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'validation.failed')).toBe(true)
  })
})
