import type { CatalogInspector } from '@souk/core/testing'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../src/database.js'
import type { StorageDriver } from './support.js'

/** Racers in the catalog suites' race tests: PGlite has one connection, so fewer there and no overlap. */
export const CATALOG_RACERS: Record<StorageDriver, number> = { 'node-postgres': 50, PGlite: 5 }

let orders = 0

/** Reads and writes catalog storage with plain SQL, bypassing the store under test. */
export function catalogInspector(db: Kysely<SoukDatabase>, schema = 'souk'): CatalogInspector {
  const t = (name: string) => sql.id(schema, name)
  return {
    async product(id) {
      const { rows } = await sql<{
        slug: string
        status: string
        units_sold: string | number
        rating_count: number
        rating_sum: number
      }>`select slug, status, units_sold, rating_count, rating_sum from ${t('products')} where id = ${id}`.execute(
        db,
      )
      const row = rows[0]
      return row
        ? {
            slug: row.slug,
            status: row.status,
            unitsSold: Number(row.units_sold),
            ratingCount: row.rating_count,
            ratingSum: row.rating_sum,
          }
        : null
    },
    async lowestPrices(productId) {
      const { rows } = await sql<{ currency: string; min_amount: string | number }>`
        select currency, min_amount from ${t('product_prices')} where product_id = ${productId}`.execute(db)
      return Object.fromEntries(rows.map((r) => [r.currency, Number(r.min_amount)]))
    },
    async variantIds(productId) {
      const { rows } = await sql<{ sku: string; id: string }>`
        select sku, id from ${t('product_variants')} where product_id = ${productId}`.execute(db)
      return Object.fromEntries(rows.map((r) => [r.sku, r.id]))
    },
    async searchOutboxCount(productId) {
      const { rows } = await sql<{ n: string | number }>`
        select count(*) as n from ${t('outbox')} where topic = 'search.product' and key = ${productId}`.execute(
        db,
      )
      return Number(rows[0]!.n)
    },
    async insertOrder({ customerId, status, lines }) {
      const id = `ord_test_${process.pid}_${Date.now()}_${++orders}`
      const at = new Date()
      await sql`insert into ${t('orders')} (id, customer_id, email, status, currency, subtotal, total, created_at, updated_at)
        values (${id}, ${customerId}, 'buyer@example.com', ${status}, 'USD', 0, 0, ${at}, ${at})`.execute(db)
      for (const [i, line] of lines.entries()) {
        await sql`insert into ${t('order_lines')} (id, order_id, sku, product_id, name, quantity, unit_price, total)
          values (${`${id}_${i}`}, ${id}, ${line.sku}, ${line.productId}, 'Line', ${line.quantity}, 0, 0)`.execute(
          db,
        )
      }
      return id
    },
  }
}
