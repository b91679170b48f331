import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PRICE_BUCKET_EDGES,
  isValidPriceBucketEdges,
  priceBucketBounds,
  priceBucketIndex,
  priceBucketValue,
} from './price-buckets.js'

describe('price buckets', () => {
  const edges = DEFAULT_PRICE_BUCKET_EDGES

  it('puts an amount in the bucket whose edge it reaches, the last one open-ended', () => {
    expect(
      [0, 999, 1000, 2499, 2500, 99_999, 100_000, 10 ** 15].map((a) => priceBucketIndex(edges, a)),
    ).toEqual([0, 0, 1, 1, 2, 6, 7, 7])
    expect(priceBucketIndex(edges, -5)).toBe(0)
  })

  it('names buckets by their bounds and turns a name back into inclusive filter bounds', () => {
    expect(edges.map((_, i) => priceBucketValue(edges, i))).toEqual([
      '0-1000',
      '1000-2500',
      '2500-5000',
      '5000-10000',
      '10000-25000',
      '25000-50000',
      '50000-100000',
      '100000-',
    ])
    expect(priceBucketBounds('1000-2500')).toEqual({ priceMin: 1000, priceMax: 2499 })
    expect(priceBucketBounds('100000-')).toEqual({ priceMin: 100000 })
    for (const bad of ['', '-', '5-5', '9-3', 'a-b', '1000', '1e3-2e3', '-1000'])
      expect(priceBucketBounds(bad)).toBeNull()
    expect(() => priceBucketValue(edges, 8)).toThrow(RangeError)
  })

  it('accepts only edges that start at 0 and strictly increase through safe integers', () => {
    expect(isValidPriceBucketEdges(edges)).toBe(true)
    expect(isValidPriceBucketEdges([0])).toBe(true)
    for (const bad of [[], [1, 2], [0, 0], [0, 5, 3], [0, 1.5], [0, Number.MAX_SAFE_INTEGER + 2]]) {
      expect(isValidPriceBucketEdges(bad)).toBe(false)
    }
  })
})
