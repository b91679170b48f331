import { DEFAULT_PRICE_BUCKET_EDGES, type SearchDocument } from '@souk/core'
import { describe, expect, it } from 'vitest'
import { collectionSchema, fromTypesenseProduct, toTypesenseProduct } from './typesense-schema.js'

const doc: SearchDocument = {
  id: 'prod_01J0000000000000000000000',
  slug: 'walnut-lamp',
  name: 'Walnut lamp',
  description: 'Warm light.',
  tags: ['lighting'],
  categoryIds: ['cat_lamps', 'cat_home'],
  sellerId: 'sel_1',
  price: { amount: 4599, currency: 'USD' },
  inStock: false,
  popularity: 12,
  rating: 4.3,
  createdAt: new Date('2030-05-06T07:08:09.123Z'),
}

describe('collectionSchema', () => {
  it('facets the filterable fields, sorts by popularity by default and stores unindexed fields as optional', () => {
    const schema = collectionSchema('products')
    expect(schema.name).toBe('products')
    expect(schema.default_sorting_field).toBe('popularity')
    const field = (name: string) => schema.fields.find((f) => f.name === name)
    for (const facet of ['tags', 'categoryIds', 'inStock', 'priceBucket'])
      expect(field(facet)?.facet).toBe(true)
    expect(field('sortKey')).toEqual({ name: 'sortKey', type: 'string', sort: true })
    for (const f of schema.fields.filter((f) => f.index === false)) expect(f.optional).toBe(true)
    expect(field('price')?.type).toBe('int64')
    expect(new Set(schema.fields.map((f) => f.name)).size).toBe(schema.fields.length)
  })
})

describe('document mapping', () => {
  it('round-trips a document, with the price bucket and sort key added', () => {
    const stored = toTypesenseProduct(doc, DEFAULT_PRICE_BUCKET_EDGES)
    expect(stored).toMatchObject({
      sortKey: doc.id,
      priceBucket: '2500-5000',
      createdAt: doc.createdAt.getTime(),
    })
    expect(fromTypesenseProduct(stored)).toEqual(doc)
  })

  it('stores no seller and no rating as absent and -1, and reads them back as null', () => {
    const bare = { ...doc, sellerId: null, rating: null }
    const stored = toTypesenseProduct(bare, DEFAULT_PRICE_BUCKET_EDGES)
    expect('sellerId' in stored).toBe(false)
    expect(stored.rating).toBe(-1)
    expect(fromTypesenseProduct(stored)).toEqual(bare)
  })

  it('undoes the single-precision widening of ratings', () => {
    const widened = { ...toTypesenseProduct(doc, DEFAULT_PRICE_BUCKET_EDGES), rating: Math.fround(4.3) }
    expect(widened.rating).not.toBe(4.3)
    expect(fromTypesenseProduct(widened).rating).toBe(4.3)
  })

  it('buckets prices on the edges it is given', () => {
    const bucket = (amount: number, edges = DEFAULT_PRICE_BUCKET_EDGES) =>
      toTypesenseProduct({ ...doc, price: { amount, currency: 'USD' } }, edges).priceBucket
    expect([0, 999, 1000, 99_999, 100_000, 10 ** 12].map((a) => bucket(a))).toEqual([
      '0-1000',
      '0-1000',
      '1000-2500',
      '50000-100000',
      '100000-',
      '100000-',
    ])
    expect(bucket(700, [0, 500])).toBe('500-')
  })
})
