import { withPgClient } from './pg-client.js'
import type { ProgressLine } from './progress-line.js'

/** postgresStorage's default schema. */
const SCHEMA = 'souk'
/** Products per INSERT ... SELECT round, so the progress line moves and no statement runs for long. */
const BATCH = 10_000

/** The 100k catalog the catalog and search benchmarks share. */
export const CATALOG_PRODUCTS = 100_000
export const CATALOG_CURRENCY = 'USD'

// Small word lists, so names repeat the way real ones do and text search has something to rank.
const ADJECTIVES = [
  'Wireless',
  'Bluetooth',
  'Organic',
  'Leather',
  'Vintage',
  'Compact',
  'Portable',
  'Ergonomic',
  'Waterproof',
  'Stainless',
  'Bamboo',
  'Ceramic',
  'Smart',
  'Classic',
  'Premium',
  'Ultralight',
  'Cotton',
  'Wooden',
  'Digital',
  'Foldable',
]
const NOUNS = [
  'Headphones',
  'Speaker',
  'Backpack',
  'Keyboard',
  'Mouse',
  'Kettle',
  'Lamp',
  'Jacket',
  'Sneakers',
  'Watch',
  'Camera',
  'Blender',
  'Chair',
  'Desk',
  'Bottle',
  'Charger',
  'Earbuds',
  'Notebook',
  'Wallet',
  'Tent',
  'Headset',
  'Monitor',
  'Blanket',
  'Mug',
]
const BRANDS = [
  'Aurora',
  'Nordvik',
  'Kestrel',
  'Lumen',
  'Otter',
  'Sable',
  'Tundra',
  'Vela',
  'Zephyr',
  'Marlow',
]
const PHRASES = [
  'built for everyday use',
  'with a two year warranty',
  'great battery life',
  'easy to clean',
  'lightweight and durable',
  'noise cancelling for travel',
  'made from recycled materials',
  'fits in any bag',
  'ships in plastic-free packaging',
  'a customer favourite',
]
const ROOTS = [
  'Electronics',
  'Home',
  'Kitchen',
  'Outdoor',
  'Fashion',
  'Office',
  'Sports',
  'Beauty',
  'Toys',
  'Garden',
]
const LEAVES_PER_ROOT = 5

const textArray = (words: readonly string[]) => `ARRAY[${words.map((w) => `'${w}'`).join(',')}]::text[]`

/** A leaf category id of the seeded tree, `cat-<root>-<leaf>` (both 1-based). */
export const leafCategoryId = (root: number, leaf: number) => `cat-${root}-${leaf}`
export const rootCategoryId = (root: number) => `cat-${root}`
export const ROOT_CATEGORIES = ROOTS.length
export { LEAVES_PER_ROOT }
/** The id of seeded product `n` (1-based). */
export const catalogProductId = (n: number) => `prod_b${String(n).padStart(7, '0')}`

/**
 * Seeds what postgres-catalog-store.ts writes for `CATALOG_PRODUCTS` active products, in bulk SQL:
 * a 2-level category tree, 1-3 variants per product with a USD price, the per-currency lowest price
 * (product_prices), and inventory items with stock (every tenth product sold out). No outbox rows:
 * the search benchmark builds the index with `reindex`. Does nothing when the catalog is there.
 */
export async function seedCatalog(url: string, progress: ProgressLine, label: string): Promise<void> {
  await withPgClient(url, async (client) => {
    const {
      rows: [existing],
    } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.products WHERE id LIKE 'prod\\_b%'`,
    )
    if ((existing?.n ?? 0) >= CATALOG_PRODUCTS) return
    const startedAt = performance.now()
    progress.update(`${label} · seeding categories`)
    await client.query(`
      INSERT INTO ${SCHEMA}.categories (id, slug, name, parent_id, path, position, created_at)
      SELECT 'cat-' || r, lower(n), n, NULL, ARRAY['cat-' || r], r, now()
      FROM unnest(${textArray(ROOTS)}) WITH ORDINALITY AS t(n, r);
      INSERT INTO ${SCHEMA}.categories (id, slug, name, parent_id, path, position, created_at)
      SELECT 'cat-' || r || '-' || l, lower(n) || '-' || l, n || ' ' || l, 'cat-' || r,
             ARRAY['cat-' || r, 'cat-' || r || '-' || l], l, now()
      FROM unnest(${textArray(ROOTS)}) WITH ORDINALITY AS t(n, r), generate_series(1, ${LEAVES_PER_ROOT}) AS l;`)
    for (let from = 1; from <= CATALOG_PRODUCTS; from += BATCH) {
      const to = Math.min(CATALOG_PRODUCTS, from + BATCH - 1)
      progress.update(
        `${label} · seeding products ${from.toLocaleString('en-US')}-${to.toLocaleString('en-US')} of ${CATALOG_PRODUCTS.toLocaleString('en-US')}`,
      )
      await client.query(`
        BEGIN;
        CREATE TEMP TABLE seed ON COMMIT DROP AS
        SELECT g,
               'prod_b' || lpad(g::text, 7, '0') AS id,
               (${textArray(ADJECTIVES)})[1 + (g * 7) % ${ADJECTIVES.length}] AS adj,
               (${textArray(NOUNS)})[1 + (g * 13) % ${NOUNS.length}] AS noun,
               (${textArray(BRANDS)})[1 + (g * 3) % ${BRANDS.length}] AS brand,
               (${textArray(PHRASES)})[1 + (g * 11) % ${PHRASES.length}] AS phrase,
               1 + (g * 17) % ${ROOTS.length} AS root,
               1 + (g * 19) % ${LEAVES_PER_ROOT} AS leaf,
               1 + g % 3 AS variants
        FROM generate_series(${from}, ${to}) AS g;
        INSERT INTO ${SCHEMA}.products (id, slug, name, description, status, category_id, category_path, tags,
          attributes, units_sold, primary_currency, created_at, updated_at)
        SELECT id, 'p-' || g, brand || ' ' || adj || ' ' || noun || ' ' || (100 + g % 900),
               adj || ' ' || lower(noun) || ' by ' || brand || ', ' || phrase || '.', 'active',
               'cat-' || root || '-' || leaf, ARRAY['cat-' || root, 'cat-' || root || '-' || leaf],
               ARRAY[lower(adj), lower(noun), lower(brand)], jsonb_build_object('brand', brand),
               (g * 7919) % 5000, '${CATALOG_CURRENCY}', now() - g * interval '1 minute', now()
        FROM seed;
        INSERT INTO ${SCHEMA}.product_variants (id, product_id, sku, options, weight_grams, position)
        SELECT 'var_b' || g || '_' || v, id, 'sku-' || g || '-' || v,
               jsonb_build_object('size', (ARRAY['S','M','L'])[v]), 200 + v * 50, v - 1
        FROM seed, generate_series(1, variants) AS v;
        INSERT INTO ${SCHEMA}.variant_prices (variant_id, currency, amount)
        SELECT 'var_b' || g || '_' || v, '${CATALOG_CURRENCY}', 500 + ((g * 7919 + v * 104729) % 49500)
        FROM seed, generate_series(1, variants) AS v;
        INSERT INTO ${SCHEMA}.product_prices (product_id, currency, min_amount, status)
        SELECT v.product_id, vp.currency, min(vp.amount), 'active'
        FROM ${SCHEMA}.product_variants v JOIN ${SCHEMA}.variant_prices vp ON vp.variant_id = v.id
        WHERE v.product_id IN (SELECT id FROM seed)
        GROUP BY v.product_id, vp.currency;
        INSERT INTO ${SCHEMA}.inventory_items (sku)
        SELECT 'sku-' || g || '-' || v FROM seed, generate_series(1, variants) AS v;
        INSERT INTO ${SCHEMA}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
        SELECT 'sku-' || g || '-' || v, 'default', CASE WHEN g % 10 = 0 THEN 0 ELSE 50 END, 0, now()
        FROM seed, generate_series(1, variants) AS v;
        COMMIT;`)
    }
    progress.update(`${label} · ANALYZE`)
    await client.query(
      `ANALYZE ${SCHEMA}.categories, ${SCHEMA}.products, ${SCHEMA}.product_variants, ${SCHEMA}.variant_prices,
       ${SCHEMA}.product_prices, ${SCHEMA}.inventory_items, ${SCHEMA}.stock_levels`,
    )
    progress.clear()
    const seconds = (performance.now() - startedAt) / 1000
    console.log(
      `${label}: seeded ${CATALOG_PRODUCTS.toLocaleString('en-US')} products in ${seconds.toFixed(1)} s ` +
        `(${Math.round(CATALOG_PRODUCTS / seconds).toLocaleString('en-US')} products/s)`,
    )
  })
}

export interface SimpleProducts {
  /** Prefix of ids, slugs and SKUs; must be new in the database. */
  readonly prefix: string
  readonly count: number
  readonly onHand: number
  /** USD minor units. */
  readonly price: number
}

/**
 * `count` active one-variant products with SKU `<prefix>-<n>` (1-based) and `onHand` in stock, in bulk
 * SQL: the products checkout, flash-sale and cart benchmarks buy.
 */
export async function seedSimpleProducts(url: string, products: SimpleProducts): Promise<void> {
  const { prefix, count, onHand, price } = products
  await withPgClient(url, (client) =>
    client.query(`
      BEGIN;
      INSERT INTO ${SCHEMA}.products (id, slug, name, status, primary_currency, created_at, updated_at)
      SELECT 'prod_${prefix}_' || g, '${prefix}-' || g, 'Bench item ${prefix} ' || g, 'active', 'USD', now(), now()
      FROM generate_series(1, ${count}) AS g;
      INSERT INTO ${SCHEMA}.product_variants (id, product_id, sku)
      SELECT 'var_${prefix}_' || g, 'prod_${prefix}_' || g, '${prefix}-' || g FROM generate_series(1, ${count}) AS g;
      INSERT INTO ${SCHEMA}.variant_prices (variant_id, currency, amount)
      SELECT 'var_${prefix}_' || g, 'USD', ${price} FROM generate_series(1, ${count}) AS g;
      INSERT INTO ${SCHEMA}.product_prices (product_id, currency, min_amount, status)
      SELECT 'prod_${prefix}_' || g, 'USD', ${price}, 'active' FROM generate_series(1, ${count}) AS g;
      INSERT INTO ${SCHEMA}.inventory_items (sku) SELECT '${prefix}-' || g FROM generate_series(1, ${count}) AS g;
      INSERT INTO ${SCHEMA}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
      SELECT '${prefix}-' || g, 'default', ${onHand}, 0, now() FROM generate_series(1, ${count}) AS g;
      COMMIT;`),
  )
}
