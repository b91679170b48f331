import type { RecommendationStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { baseColumnsSql, purchasedStatusesSql, summarySql } from './list-products-query.js'
import { mappedCatalogErrors as mapped } from './map-catalog-error.js'
import { type SummaryRow, toSummary } from './row-mappers.js'

/** Bought-together looks at this many of the product's most recent order lines. */
const BOUGHT_TOGETHER_WINDOW = 2000

/**
 * Recommendations on Postgres: read-only queries over products and purchased orders, each one
 * statement that pages on an index, then looks up prices and images for the page only.
 * @param db a Kysely instance bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresRecommendationStore(
  db: Kysely<SoukDatabase>,
  schema: string,
): RecommendationStore {
  const t = (name: string) => sql.id(schema, name)
  return {
    frequentlyBoughtTogether: ({ productId, limit, currency }) =>
      mapped(async () => {
        const inner = sql`
          with mine as (
            select ol.order_id from ${t('order_lines')} ol
            where ol.product_id = ${productId}
            order by ol.order_id desc
            limit ${BOUGHT_TOGETHER_WINDOW}
          ),
          together as (
            select other.product_id, count(distinct other.order_id) as orders
            from mine
            join ${t('orders')} o on o.id = mine.order_id and o.status = any(${purchasedStatusesSql()})
            join ${t('order_lines')} other on other.order_id = mine.order_id
            where other.product_id is not null and other.product_id <> ${productId}
            group by other.product_id
          )
          select ${baseColumnsSql()}, together.orders
          from together join ${t('products')} p on p.id = together.product_id
          where p.status = 'active'
          order by together.orders desc, p.units_sold desc, p.id
          limit ${limit}`
        const { rows } = await summarySql<SummaryRow>(
          schema,
          inner,
          sql`p.orders desc, p.units_sold desc, p.id`,
        ).execute(db)
        return rows.map((row) => toSummary(row, currency))
      }),

    similarProducts: ({ productId, limit, currency, priceBandPercent }) =>
      mapped(async () => {
        // Within ±b% exactly: m·(100 − b) ≤ 100·x ≤ m·(100 + b), in numeric so that the largest
        // prices (up to 10^18 minor units) cannot overflow int8.
        const inner = sql`
          with me as (
            select p.id, p.category_id, p.primary_currency, pp.min_amount::numeric as amount
            from ${t('products')} p
            join ${t('product_prices')} pp on pp.product_id = p.id and pp.currency = p.primary_currency
            where p.id = ${productId}
          )
          select ${baseColumnsSql()}
          from me
          join ${t('products')} p on p.category_id = me.category_id and p.status = 'active' and p.id <> me.id
          join ${t('product_prices')} x on x.product_id = p.id and x.currency = me.primary_currency
          where x.min_amount::numeric * 100
            between me.amount * (100 - ${priceBandPercent}::int) and me.amount * (100 + ${priceBandPercent}::int)
          order by p.units_sold desc, p.id desc
          limit ${limit}`
        const { rows } = await summarySql<SummaryRow>(
          schema,
          inner,
          sql`p.units_sold desc, p.id desc`,
        ).execute(db)
        return rows.map((row) => toSummary(row, currency))
      }),
  }
}
