/**
 * Price facet buckets, shared by every search adapter so the same document lands in the same
 * bucket whichever index serves it. Edges are lower bounds in minor units: a bucket holds prices
 * from its edge (inclusive) up to the next edge (exclusive); the last bucket is open-ended.
 */

/** 0–9.99, 10–24.99, 25–49.99, 50–99.99, 100–249.99, 250–499.99, 500–999.99, 1000+ (two-decimal currencies). */
export const DEFAULT_PRICE_BUCKET_EDGES: readonly number[] = Object.freeze([
  0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
])

/** True when `edges` start at 0 and strictly increase through safe integers. */
export function isValidPriceBucketEdges(edges: readonly number[]): boolean {
  return (
    edges.length > 0 &&
    edges[0] === 0 &&
    edges.every((e, i) => Number.isSafeInteger(e) && (i === 0 || e > (edges[i - 1] as number)))
  )
}

/** Index of the bucket that holds `amount` (amounts below 0 fall in the first). */
export function priceBucketIndex(edges: readonly number[], amount: number): number {
  let index = 0
  for (let i = 1; i < edges.length; i++) {
    if (amount >= (edges[i] as number)) index = i
    else break
  }
  return index
}

/** The facet value of bucket `index`: `'1000-2500'` (upper bound exclusive), or `'100000-'` for the last. */
export function priceBucketValue(edges: readonly number[], index: number): string {
  const lower = edges[index]
  if (lower === undefined) throw new RangeError(`No price bucket ${index}`)
  const upper = edges[index + 1]
  return upper === undefined ? `${lower}-` : `${lower}-${upper}`
}

/**
 * Turns a price facet value back into inclusive filter bounds, so a storefront can apply the
 * bucket a shopper clicked: `'1000-2500'` → `{ priceMin: 1000, priceMax: 2499 }`,
 * `'100000-'` → `{ priceMin: 100000 }`. Returns null for anything else.
 */
export function priceBucketBounds(value: string): { priceMin: number; priceMax?: number } | null {
  const match = /^(\d{1,15})-(\d{1,15})?$/.exec(value)
  if (!match) return null
  const priceMin = Number(match[1])
  if (match[2] === undefined) return { priceMin }
  const upper = Number(match[2])
  return upper > priceMin ? { priceMin, priceMax: upper - 1 } : null
}
