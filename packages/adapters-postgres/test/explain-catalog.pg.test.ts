import type { ProductListQuery } from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listProductsSql } from '../src/catalog/list-products-query.js'
import { postgresFixture, type StorageFixture } from './support.js'

/**
 * The listing queries' plans on a 20k-product catalog: every hot listing page walks an index and
 * stops after a page; none reads the whole products table. (Timings belong to `pnpm bench`.) The
 * total is counted once per filter set and cached; for a broad filter the planner rightly counts
 * with a sequential scan, so counts are not asserted here.
 */

const PRODUCTS = 20_000
let fixture: StorageFixture

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)]
}

async function explain(query: ProductListQuery): Promise<PlanNode[]> {
  const built = listProductsSql('souk', query).page
  const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${built}`.execute(
    fixture.storage.db,
  )
  const raw = rows[0]!['QUERY PLAN']
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[]
  return nodes(parsed[0]!.Plan)
}

const describePlan = (plan: PlanNode[]) =>
  plan.map(
    (n) =>
      `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`,
  )

beforeAll(async () => {
  fixture = await postgresFixture('catalog_explain', 2)
  const db = fixture.storage.db
  // One INSERT ... SELECT per table: seeding 20k products takes well under a second.
  await sql
    .raw(`
INSERT INTO souk.categories (id, slug, name, parent_id, path, position, created_at)
SELECT 'cat_r' || r, 'root-' || r, 'Root ' || r, NULL, ARRAY['cat_r' || r], r, now()
FROM generate_series(1, 10) r;
INSERT INTO souk.categories (id, slug, name, parent_id, path, position, created_at)
SELECT 'cat_r' || r || '_' || l, 'leaf-' || r || '-' || l, 'Leaf', 'cat_r' || r, ARRAY['cat_r' || r, 'cat_r' || r || '_' || l], l, now()
FROM generate_series(1, 10) r, generate_series(1, 10) l;
INSERT INTO souk.sellers (id, slug, name, created_at)
SELECT 'sel_' || g, 'seller-' || g, 'Seller ' || g, now() FROM generate_series(1, 20) g;
INSERT INTO souk.products (id, slug, name, description, status, category_id, category_path, seller_id, tags,
  attributes, units_sold, rating_count, rating_sum, primary_currency, created_at, updated_at)
SELECT 'prod_' || lpad(g::text, 8, '0'), 'product-' || g, 'Product ' || g, 'Description ' || g,
  CASE WHEN g % 20 = 0 THEN 'draft' ELSE 'active' END,
  'cat_r' || (g % 10 + 1) || '_' || (g / 10 % 10 + 1),
  ARRAY['cat_r' || (g % 10 + 1), 'cat_r' || (g % 10 + 1) || '_' || (g / 10 % 10 + 1)],
  'sel_' || (g % 20 + 1), ARRAY['tag' || (g % 30), 'tag' || (g % 7)], '{}',
  (g * 7919) % 1000, g % 7, (g % 7) * (g % 5 + 1), 'USD',
  timestamptz '2026-01-01' - g * interval '1 minute', now()
FROM generate_series(1, ${PRODUCTS}) g;
INSERT INTO souk.product_variants (id, product_id, sku, options, weight_grams, position)
SELECT 'var_' || lpad(g::text, 8, '0') || '_' || v, 'prod_' || lpad(g::text, 8, '0'), 'SKU-' || g || '-' || v,
  jsonb_build_object('size', v::text), 100 * v, v
FROM generate_series(1, ${PRODUCTS}) g, generate_series(1, 2) v;
INSERT INTO souk.variant_prices (variant_id, currency, amount)
SELECT v.id, c.currency, (hashtext(v.id) & 65535) + 100
FROM souk.product_variants v, (VALUES ('USD'), ('EUR')) c(currency);
INSERT INTO souk.product_prices (product_id, currency, min_amount, status)
SELECT v.product_id, vp.currency, min(vp.amount), p.status
FROM souk.product_variants v JOIN souk.variant_prices vp ON vp.variant_id = v.id JOIN souk.products p ON p.id = v.product_id
GROUP BY v.product_id, vp.currency, p.status;
INSERT INTO souk.product_images (id, product_id, url, alt, position, is_primary)
SELECT 'img_' || lpad(g::text, 8, '0') || '_' || i, 'prod_' || lpad(g::text, 8, '0'),
  'https://img.example/' || g || '/' || i || '.jpg', '', i, i = 0
FROM generate_series(1, ${PRODUCTS}) g, generate_series(0, 1) i;
INSERT INTO souk.inventory_items (sku) SELECT sku FROM souk.product_variants;
-- A third of the SKUs are sold out.
INSERT INTO souk.stock_levels (sku, location_id, on_hand, reserved, updated_at)
SELECT sku, 'default', (hashtext(sku) & 3) % 3 * 5, 0, now() FROM souk.product_variants;
-- Scheduled prices (migration 013): a running and a coming sale on every tenth product's first variant.
INSERT INTO souk.price_schedules (id, variant_id, product_id, currency, amount, starts_at, ends_at, created_at)
SELECT 'psch_' || g || '_' || k, 'var_' || lpad(g::text, 8, '0') || '_1', 'prod_' || lpad(g::text, 8, '0'), 'USD', 50,
  now() + (k * 30 - 1) * interval '1 day', now() + (k * 30 + 6) * interval '1 day', now()
FROM generate_series(1, ${PRODUCTS}, 10) g, generate_series(0, 1) k;
ANALYZE;
`)
    .execute(db)
})
afterAll(() => fixture.close())

const page = (over: Partial<ProductListQuery>): ProductListQuery => ({
  status: 'active',
  sort: 'newest',
  limit: 20,
  countTotal: true,
  ...over,
})

const hot: [string, ProductListQuery][] = [
  ['newest', page({})],
  [
    'newest, page 2',
    page({ after: { sort: 'newest', key: '2025-12-20T00:00:00.000000Z', id: 'prod_00010000' } }),
  ],
  ['popular', page({ sort: 'popular' })],
  ['popular, page 2', page({ sort: 'popular', after: { sort: 'popular', key: '500', id: 'prod_00010000' } })],
  ['rating', page({ sort: 'rating' })],
  ['price ascending', page({ sort: 'price_asc', currency: 'USD' })],
  [
    'price descending, page 2',
    page({
      sort: 'price_desc',
      currency: 'EUR',
      after: { sort: 'price_desc', key: '30000', id: 'prod_00010000' },
    }),
  ],
  ['price range, newest', page({ currency: 'USD', priceMin: 1000, priceMax: 5000 })],
  ['category (root, with descendants)', page({ categoryId: 'cat_r3' })],
  ['category, popular', page({ categoryId: 'cat_r3_4', sort: 'popular' })],
  ['category, price ascending', page({ categoryId: 'cat_r5', sort: 'price_asc', currency: 'USD' })],
  ['in stock, newest', page({ inStock: true })],
  ['in stock, popular', page({ sort: 'popular', inStock: true })],
  ['seller', page({ sellerId: 'sel_4' })],
  ['tags', page({ tags: ['tag5'] })],
]

describe(`listing plans on ${PRODUCTS} products`, () => {
  it.each(hot)('%s: index scans only, never a sequential scan', async (_, query) => {
    const plan = await explain(query)
    const described = describePlan(plan)
    if (process.env.SOUK_PRINT_PLANS) console.log(`${_}: ${described.join(' > ')}`)
    // Not products, and not the variants, images or stock the page's rows look up either.
    const seqScans = plan.filter((n) => n['Node Type'] === 'Seq Scan')
    expect(seqScans, described.join(' > ')).toEqual([])
    const indexed = plan.filter(
      (n) =>
        /Index|Bitmap Heap/.test(n['Node Type']) &&
        (n['Relation Name'] === 'products' || n['Relation Name'] === 'product_prices'),
    )
    expect(indexed.length, described.join(' > ')).toBeGreaterThan(0)
  })
})
