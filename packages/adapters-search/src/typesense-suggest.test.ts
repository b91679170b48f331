import { describe, expect, it } from 'vitest'
import type { TypesenseProduct, TypesenseSearchResponse } from './typesense-client.js'
import { nameMatch, toSuggestParams, toSuggestResult } from './typesense-suggest.js'

const hit = (id: string, name: string) => ({
  document: { id, slug: id, name } as TypesenseProduct,
})

describe('Typesense suggest', () => {
  it('sends prefix searches with search typo settings over names and category names', () => {
    const { products, categories } = toSuggestParams({ q: ' Wireless  HEDP! ', limit: 5 }, 'shop_synonyms')
    expect(products).toMatchObject({
      q: 'wireless hedp',
      query_by: 'name',
      prefix: true,
      num_typos: 2,
      min_len_1typo: 4,
      min_len_2typo: 7,
      per_page: 5,
      synonym_sets: 'shop_synonyms',
    })
    expect(categories).toMatchObject({ query_by: 'categoryNames', per_page: 0, facet_by: 'categoryRefs' })
    expect(toSuggestParams({ q: 'a', limit: 1 }, undefined).products).not.toHaveProperty('synonym_sets')
  })

  it('matches typed words against the start of name words, first letter exact', () => {
    expect(nameMatch(['head'], 'Wireless Headphones')).toEqual({ exact: true })
    expect(nameMatch(['hedp'], 'Wireless Headphones')).toEqual({ exact: false })
    expect(nameMatch(['jeadph'], 'Wireless Headphones')).toBeNull()
    expect(nameMatch(['wire', 'haedph'], 'Wireless Headphones')).toEqual({ exact: false })
  })

  it('puts exact products first and keeps the categories whose names match', () => {
    const products: TypesenseSearchResponse = {
      found: 2,
      page: 1,
      hits: [hit('prod_b', 'Hedge trimmer'), hit('prod_a', 'Headphones')],
    }
    const categories: TypesenseSearchResponse = {
      found: 3,
      page: 1,
      facet_counts: [
        {
          field_name: 'categoryRefs',
          counts: [
            { value: 'cat_e Electronics', count: 9 },
            { value: 'cat_h Headphones', count: 3 },
            { value: 'cat_hs Headsets & more', count: 4 },
          ],
        },
      ],
    }
    const result = toSuggestResult({ q: 'head', limit: 5 }, products, categories)
    expect(result.products).toEqual([
      { id: 'prod_a', slug: 'prod_a', name: 'Headphones', exact: true },
      { id: 'prod_b', slug: 'prod_b', name: 'Hedge trimmer', exact: false },
    ])
    expect(result.categories).toEqual([
      { id: 'cat_hs', name: 'Headsets & more', count: 4, exact: true },
      { id: 'cat_h', name: 'Headphones', count: 3, exact: true },
    ])
  })
})
