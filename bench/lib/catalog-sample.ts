import { withPgClient } from './pg-client.js'

/** postgresStorage's default schema. */
const SCHEMA = 'souk'
/** Product ids the random reads draw from: enough that a memory cache or Postgres' buffers cannot hold them all by chance. */
const SAMPLED_PRODUCTS = 100_000
/** Positions a deep keyset page is drawn from. */
const DEEP_POSITIONS = 500

/** What the catalog benchmark draws its reads from, read out of whichever catalog it runs on. */
export interface CatalogSample {
  /** Random active product ids. */
  readonly productIds: readonly string[]
  /** The most sold active products, most sold first (the cached cases' hot set). */
  readonly hotIds: readonly string[]
  /** Root categories, and the leaves that hold active products. */
  readonly roots: readonly string[]
  readonly leaves: readonly string[]
  /** The 5th and 95th percentile of the products' lowest USD price, in cents. */
  readonly priceRange: readonly [number, number]
  /** Keyset positions `(key, id)` of random active products, as the newest and price_asc listings sort them. */
  readonly newestPositions: readonly { readonly key: string; readonly id: string }[]
  readonly pricePositions: readonly { readonly key: string; readonly id: string }[]
}

/**
 * Samples the catalog at `url` with plain SQL, so the benchmark's reads fit whatever catalog is
 * there (the synthetic 100k or `pnpm seed`'s demo catalog of any size).
 */
export function sampleCatalog(url: string, hot: number): Promise<CatalogSample> {
  return withPgClient(url, async (client) => {
    const ids = await client.query<{ id: string }>(
      `SELECT id FROM ${SCHEMA}.products WHERE status = 'active' ORDER BY random() LIMIT ${SAMPLED_PRODUCTS}`,
    )
    const hotIds = await client.query<{ id: string }>(
      `SELECT id FROM ${SCHEMA}.products WHERE status = 'active' ORDER BY units_sold DESC, id DESC LIMIT ${hot}`,
    )
    const roots = await client.query<{ id: string }>(
      `SELECT id FROM ${SCHEMA}.categories WHERE parent_id IS NULL ORDER BY id`,
    )
    const leaves = await client.query<{ id: string }>(
      `SELECT DISTINCT category_id AS id FROM ${SCHEMA}.products WHERE status = 'active' AND category_id IS NOT NULL ORDER BY 1`,
    )
    const prices = await client.query<{ low: string; high: string }>(
      `SELECT percentile_disc(0.05) WITHIN GROUP (ORDER BY min_amount) AS low,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY min_amount) AS high
       FROM ${SCHEMA}.product_prices WHERE currency = 'USD' AND status = 'active'`,
    )
    const deep = ids.rows.slice(0, DEEP_POSITIONS).map((r) => r.id)
    // The key texts the listing's cursors carry (list-products-query.ts: isoMicros, min_amount::text).
    const newest = await client.query<{ key: string; id: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key, id
       FROM ${SCHEMA}.products WHERE id = ANY($1::text[])`,
      [deep],
    )
    const priced = await client.query<{ key: string; id: string }>(
      `SELECT min_amount::text AS key, product_id AS id FROM ${SCHEMA}.product_prices
       WHERE currency = 'USD' AND status = 'active' AND product_id = ANY($1::text[])`,
      [deep],
    )
    return {
      productIds: ids.rows.map((r) => r.id),
      hotIds: hotIds.rows.map((r) => r.id),
      roots: roots.rows.map((r) => r.id),
      leaves: leaves.rows.map((r) => r.id),
      priceRange: [Number(prices.rows[0]?.low ?? 500), Number(prices.rows[0]?.high ?? 50_000)],
      newestPositions: newest.rows,
      pricePositions: priced.rows,
    }
  })
}

/**
 * A listing cursor at a keyset position. Cursors are opaque to callers; this is the format of
 * core's `encodeCursor` (packages/core/src/pagination/keyset-cursor.ts), rebuilt here so a
 * benchmark can open a page half a million products deep without paging there. Should the format
 * change, `listProducts` rejects the cursor and the benchmark fails loudly.
 */
export function listingCursor(sort: string, position: { readonly key: string; readonly id: string }): string {
  return Buffer.from(JSON.stringify([sort, position.key, position.id]), 'utf8').toString('base64url')
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T
