import type { PostgresStorage } from '@souk/adapters-postgres'
import { sql } from 'kysely'
import type { StorefrontStats } from '../app/storefront-metrics.js'

/** Scrape-time figures for /metrics, read with one aggregate query each. */
export function postgresStats(storage: Pick<PostgresStorage, 'db' | 'schema'>): StorefrontStats {
  const t = (name: string) => sql.id(storage.schema, name)
  return {
    async ordersByStatus() {
      const { rows } = await sql<{ status: string; count: number }>`
        select status, count(*)::int as count from ${t('orders')} group by status order by status`.execute(
        storage.db,
      )
      return rows
    },
    async stockTotals() {
      const { rows } = await sql<{
        on_hand: string
        reserved: string
        out_of_stock: number
        low: number
      }>`
        select coalesce(sum(l.on_hand), 0)::text as on_hand, coalesce(sum(l.reserved), 0)::text as reserved,
          (select count(*)::int from (select l2.sku from ${t('stock_levels')} l2 join ${t('inventory_items')} i2 on i2.sku = l2.sku
             where i2.tracked group by l2.sku having sum(l2.on_hand - l2.reserved) <= 0) s) as out_of_stock,
          (select count(*)::int from (select l3.sku from ${t('stock_levels')} l3 join ${t('inventory_items')} i3 on i3.sku = l3.sku
             where i3.tracked and i3.low_stock_threshold is not null group by l3.sku, i3.low_stock_threshold
             having sum(l3.on_hand - l3.reserved) > 0 and sum(l3.on_hand - l3.reserved) <= i3.low_stock_threshold) s) as low
        from ${t('stock_levels')} l`.execute(storage.db)
      const row = rows[0]!
      const onHand = Number(row.on_hand)
      const reserved = Number(row.reserved)
      return {
        onHand,
        reserved,
        available: onHand - reserved,
        outOfStockSkus: row.out_of_stock,
        lowStockSkus: row.low,
      }
    },
  }
}
