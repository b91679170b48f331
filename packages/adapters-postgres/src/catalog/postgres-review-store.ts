import { NotFoundError, type ReviewStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { transact } from '../transact.js'
import { purchasedStatusesSql } from './list-products-query.js'
import { mappedCatalogErrors as mapped } from './map-catalog-error.js'
import { type ReviewRow, toReview } from './row-mappers.js'
import { enqueueSearchSql } from './search-outbox.js'

/** The sort name of review cursors: newest first by (created at, id). */
const REVIEWS_SORT = 'reviews'

/**
 * Reviews on Postgres. A review's insert, its verified flag and the product's rating aggregate
 * move in one statement, so concurrent reviews never lose a count.
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresReviewStore(db: Kysely<SoukDatabase>, schema: string): ReviewStore {
  const t = (name: string) => sql.id(schema, name)
  return {
    insertReview: (review) =>
      mapped(() =>
        transact(db, async (trx) => {
          // The aggregate update re-reads the row it locks, so concurrent reviews never lose a count.
          const { rows } = await sql<ReviewRow>`
          with product as (
            select id from ${t('products')} where id = ${review.productId} and status <> 'draft'
          ),
          inserted as (
            insert into ${t('reviews')} (id, product_id, customer_id, rating, title, body, verified_purchase, created_at)
            select ${review.id}, product.id, ${review.customerId}, ${review.rating}, ${review.title}, ${review.body},
              exists (
                select 1 from ${t('order_lines')} ol
                join ${t('orders')} o on o.id = ol.order_id
                where ol.product_id = product.id and o.customer_id = ${review.customerId}
                  and o.status = any(${purchasedStatusesSql()})),
              ${review.createdAt}
            from product
            returning id, product_id, customer_id, rating, title, body, verified_purchase, created_at
          ),
          aggregate as (
            update ${t('products')} p
            set rating_count = p.rating_count + 1, rating_sum = p.rating_sum + inserted.rating
            from inserted where p.id = inserted.product_id
          )
          select * from inserted`.execute(trx)
          if (!rows[0]) throw new NotFoundError('product', review.productId)
          // The rating is part of the search document.
          await enqueueSearchSql(schema, review.productId, review.createdAt).execute(trx)
          return toReview(rows[0])
        }),
      ),

    listReviews: ({ productId, after, limit }) =>
      mapped(async () => {
        checkCursor(after, TIMESTAMP_KEY)
        const keyset = after
          ? sql` and (r.created_at, r.id) < (${after.key}::timestamptz, ${after.id})`
          : sql``
        const { rows } = await sql<ReviewRow & { sort_key: string }>`
          select r.id, r.product_id, r.customer_id, r.rating, r.title, r.body, r.verified_purchase, r.created_at,
            ${isoMicros(sql`r.created_at`)} as sort_key
          from ${t('reviews')} r
          where r.product_id = ${productId}${keyset}
          order by r.created_at desc, r.id desc
          limit ${limit + 1}`.execute(db)
        return keysetPage(
          rows,
          { limit, sort: REVIEWS_SORT, position: (row) => ({ key: row.sort_key, id: row.id }) },
          toReview,
        )
      }),
  }
}
