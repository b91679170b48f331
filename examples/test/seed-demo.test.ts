import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  PURCHASED_ORDER_STATUSES,
  silentLogger,
} from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastSeedReport, type SeedProgress, type SeedReport, seedDemo } from '../src/seed/seed-demo.js'

interface Seeded {
  database: TestDatabase
  storage: PostgresStorage
  commerce: Commerce
  report: SeedReport
  progress: SeedProgress[]
}

const opened: Seeded[] = []

async function seeded(seed: string, products: number): Promise<Seeded> {
  const database = await createTestDatabase('seed')
  const storage = postgresStorage({ connectionString: database.url, poolSize: 4 })
  const commerce = createCommerce({ storage, logger: silentLogger, payments: [createTestPaymentProvider()] })
  await commerce.migrate()
  const progress: SeedProgress[] = []
  const report = await seedDemo(commerce, storage, { products, seed, onProgress: (p) => progress.push(p) })
  const result = { database, storage, commerce, report, progress }
  opened.push(result)
  return result
}

/** Everything the seed decides, read back with plain SQL. */
async function snapshot({ storage }: Seeded) {
  const t = (name: string) => sql.id(storage.schema, name)
  const q = async (query: ReturnType<typeof sql>) => (await query.execute(storage.db)).rows
  return {
    products:
      await q(sql`select id, slug, name, status, category_id, seller_id, tags, units_sold, rating_count, rating_sum
      from ${t('products')} order by id`),
    variants: await q(sql`select v.sku, v.options, vp.currency, vp.amount from ${t('product_variants')} v
      join ${t('variant_prices')} vp on vp.variant_id = v.id order by v.sku, vp.currency`),
    stock: await q(sql`select sku, on_hand from ${t('stock_levels')} order by sku`),
    orders: await q(sql`select id, status, total, customer_id from ${t('orders')} order by id`),
    reviews: await q(
      sql`select id, product_id, customer_id, rating, verified_purchase from ${t('reviews')} order by id`,
    ),
  }
}

let a: Seeded
let b: Seeded
let c: Seeded

beforeAll(async () => {
  ;[a, b, c] = await Promise.all([seeded('alpha', 120), seeded('alpha', 120), seeded('beta', 120)])
})

afterAll(async () => {
  for (const s of opened) {
    await s.commerce.close()
    await s.database.drop()
  }
})

describe('seedDemo', () => {
  it('is deterministic: the same seed gives the same catalog, another seed another one', async () => {
    const [sa, sb, sc] = await Promise.all([snapshot(a), snapshot(b), snapshot(c)])
    expect(sa).toEqual(sb)
    const names = (rows: unknown[]) => rows.map((row) => (row as { name: string }).name)
    expect(names(sa.products)).not.toEqual(names(sc.products))
    expect(a.report).toMatchObject({ products: 120, sellers: 8, orders: 150 })
    expect(a.report.variants).toBe(sa.variants.length / 2)
    expect(a.report.reviews).toBe(sa.reviews.length)
  })

  it('reports progress through every stage', () => {
    const stages = [...new Set(a.progress.map((p) => p.stage))]
    expect(stages).toEqual([
      'catalog',
      'stock',
      'orders',
      'reviews',
      'totals',
      'shipping',
      'search',
      'vacuum',
    ])
    expect(a.progress.find((p) => p.stage === 'catalog' && p.done === p.total)?.total).toBe(120)
    // Bulk stages count rows as they go, and never backwards.
    const rows = a.progress.flatMap((p) => (p.rows === undefined ? [] : [p.rows]))
    expect(rows.length).toBeGreaterThan(3)
    expect(rows).toEqual([...rows].sort((x, y) => x - y))
    expect(rows.at(-1)).toBe(a.report.rows)
    expect(Object.keys(a.report.stageMs)).toEqual(stages)
  })

  it('records its report in the database, for the benchmarks', async () => {
    const recorded = await lastSeedReport(a.storage)
    expect(recorded).toMatchObject({
      seed: 'alpha',
      products: 120,
      rows: a.report.rows,
      indexed: a.report.indexed,
    })
    expect(recorded?.tableMs.products).toBeGreaterThanOrEqual(0)
  })

  it('gives every model number to one product only: a rare word search finds it alone', async () => {
    const t = (name: string) => sql.id(a.storage.schema, name)
    const { rows } = await sql<{ id: string; model: string }>`
      select id, substring(description from 'Model ([A-Z]{2}[0-9]{7})') as model from ${t('products')}
      where status = 'active' order by id limit 3`.execute(a.storage.db)
    expect(rows.every((r) => r.model !== null)).toBe(true)
    for (const row of rows) {
      const found = await a.commerce.search.query({ q: row.model.toLowerCase() })
      expect(found.hits.map((h) => h.id)).toEqual([row.id])
    }
  })

  it('leaves stock states and in-stock flags as the stock triggers keep them, and the triggers on', async () => {
    const t = (name: string) => sql.id(c.storage.schema, name)
    const fn = (name: string) => sql.id(c.storage.schema, name)
    const { rows } = await sql<{ states: number; flags: number; events: number; disabled: number }>`
      select
        (select count(*)::int from ${t('inventory_items')} i
          where i.stock_state <> ${fn('stock_state_of')}(i.tracked,
            coalesce((select sum(l.on_hand - l.reserved) from ${t('stock_levels')} l where l.sku = i.sku), 0)::bigint,
            i.low_stock_threshold)) as states,
        (select count(*)::int from ${t('products')} p
          where p.in_stock <> coalesce((select bool_or(${fn('sku_sellable')}(i.tracked, i.allow_backorder, i.stock_state))
            from ${t('product_variants')} v join ${t('inventory_items')} i on i.sku = v.sku where v.product_id = p.id), false)) as flags,
        (select count(*)::int from ${t('outbox')}
          where topic in ('search.product', 'catalog.stock_status') or payload->>'type' like 'inventory.%') as events,
        (select count(*)::int from pg_trigger g join pg_class c on c.oid = g.tgrelid
          join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = ${c.storage.schema} and not g.tgisinternal and g.tgenabled = 'D') as disabled`.execute(
      c.storage.db,
    )
    expect(rows[0]).toEqual({ states: 0, flags: 0, events: 0, disabled: 0 })
    const { rows: stocked } = await sql<{ in_stock: number; out: number }>`
      select count(*) filter (where in_stock)::int as in_stock, count(*) filter (where not in_stock)::int as out
      from ${t('products')}`.execute(c.storage.db)
    expect(stocked[0]!.in_stock).toBeGreaterThan(0)
    expect(stocked[0]!.out).toBeGreaterThan(0)

    // Live again: selling out every SKU of an in-stock product takes it off the in-stock listing.
    const { rows: picked } = await sql<{ id: string; skus: string[] }>`
      select p.id, array_agg(v.sku order by v.sku) as skus from ${t('products')} p
      join ${t('product_variants')} v on v.product_id = p.id
      where p.in_stock and p.status = 'active' group by p.id order by p.id limit 1`.execute(c.storage.db)
    const product = picked[0]!
    for (const sku of product.skus) await c.commerce.inventory.setStock({ sku, onHand: 0 })
    const flag = await sql<{
      in_stock: boolean
    }>`select in_stock from ${t('products')} where id = ${product.id}`.execute(c.storage.db)
    expect(flag.rows[0]!.in_stock).toBe(false)
  })

  it('refuses to seed a database that already has products', async () => {
    await expect(seedDemo(a.commerce, a.storage, { products: 5 })).rejects.toThrow(/already has products/)
  })

  it('keeps units sold and rating aggregates equal to the orders and reviews behind them', async () => {
    const t = (name: string) => sql.id(a.storage.schema, name)
    const purchased = sql.join(PURCHASED_ORDER_STATUSES.map((s) => sql.lit(s)))
    const { rows } = await sql<{ bad: number }>`
      select count(*)::int as bad from ${t('products')} p
      where p.units_sold <> coalesce((select sum(l.quantity) from ${t('order_lines')} l join ${t('orders')} o on o.id = l.order_id
                                      where l.product_id = p.id and o.status in (${purchased})), 0)
         or p.rating_count <> (select count(*) from ${t('reviews')} r where r.product_id = p.id)
         or p.rating_sum <> coalesce((select sum(rating) from ${t('reviews')} r where r.product_id = p.id), 0)`.execute(
      a.storage.db,
    )
    expect(rows[0]!.bad).toBe(0)
    const verified = await sql<{ bad: number }>`
      select count(*)::int as bad from ${t('reviews')} r
      where r.verified_purchase <> exists (select 1 from ${t('order_lines')} l join ${t('orders')} o on o.id = l.order_id
        where l.product_id = r.product_id and o.customer_id = r.customer_id and o.status in (${purchased}))`.execute(
      a.storage.db,
    )
    expect(verified.rows[0]!.bad).toBe(0)
    const totals = await sql<{ bad: number }>`
      select count(*)::int as bad from ${t('orders')} o
      where o.subtotal <> (select sum(total) from ${t('order_lines')} l where l.order_id = o.id)
         or o.total <> o.subtotal - o.discount_total + o.shipping_total + o.tax_total`.execute(a.storage.db)
    expect(totals.rows[0]!.bad).toBe(0)
  })

  it('reads back through the services: products, listings, recommendations, shipping and promotions', async () => {
    const { catalog, shipping, promotions } = a.commerce
    const page = await catalog.listProducts({ currency: 'EUR', sort: 'popular', limit: 5 })
    const active = await sql<{
      n: number
    }>`select count(*)::int as n from ${sql.id(a.storage.schema, 'products')} where status = 'active'`.execute(
      a.storage.db,
    )
    expect(page.total).toBe(active.rows[0]!.n)
    const top = page.items[0]!
    expect(top.unitsSold).toBeGreaterThan(0)
    const product = await catalog.getProduct({ slug: top.slug, currency: 'USD' })
    expect(product.categoryPath.length).toBeGreaterThanOrEqual(2)
    expect(product.seller).not.toBeNull()
    expect(product.images[0]?.url).toMatch(/^https:\/\/picsum\.photos\/seed\//)
    for (const variant of product.variants) {
      expect(variant.prices.map((p) => p.currency)).toEqual(['EUR', 'USD'])
      expect(variant.availability.tracked).toBe(true)
    }
    const recommendations = await catalog.recommendations({ productId: top.id })
    expect(recommendations.frequentlyBoughtTogether.length + recommendations.similar.length).toBeGreaterThan(
      0,
    )
    const quotes = await shipping.quote({
      destination: { country: 'DE' },
      items: [{ sku: product.variants[0]!.sku, quantity: 1, weightGrams: product.variants[0]!.weightGrams }],
      subtotal: { amount: 1000, currency: 'EUR' },
    })
    expect(quotes.map((q) => q.name).sort()).toEqual(['Express', 'Standard'])
    expect((await promotions.getByCode({ code: 'welcome10' })).code).toBe('WELCOME10')
  })
})
