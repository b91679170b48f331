import type { SellerStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'

/** The seller portal's ownership checks over the 003 catalog tables (products, product_variants). */
export function createPostgresSellerStore(db: Kysely<SoukDatabase>, schema: string): SellerStore {
  const t = (name: string) => sql.id(schema, name)
  return {
    lockOwnedSku: ({ sellerId, sku }) =>
      withMappedErrors(async () => {
        // FOR SHARE, not FOR UPDATE: stock changes of one product by its seller do not queue on each
        // other, while updateProduct's FOR UPDATE (a reassignment, new variants) waits for them.
        const { rows } = await sql<{ owned: number }>`
          select 1 as owned
          from ${t('product_variants')} v
          join ${t('products')} p on p.id = v.product_id
          where v.sku = ${sku} and p.seller_id = ${sellerId}
          for share of p, v`.execute(db)
        return rows.length > 0
      }),

    listOrdersToShip: ({ sellerId, after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, TIMESTAMP_KEY)
        const keyset = after
          ? sql`and (o.created_at, o.id) < (${after.key}::timestamptz, ${after.id})`
          : sql``
        // The seller's lines come from order_lines_seller_idx; what shipped of each, through the
        // order's shipments (shipments_order_idx) and the shipment_lines primary key.
        const { rows } = await sql<{ id: string; sort_key: string }>`
          select o.id, ${isoMicros(sql.ref('o.created_at'))} as sort_key
          from ${t('orders')} o
          where o.status in ('confirmed', 'processing', 'partially_shipped')
            and o.id in (
              select l.order_id from ${t('order_lines')} l
              where l.seller_id = ${sellerId}
                and l.quantity > coalesce((
                  select sum(sl.quantity) from ${t('shipment_lines')} sl
                  join ${t('shipments')} s on s.id = sl.shipment_id
                  where s.order_id = l.order_id and sl.order_line_id = l.id), 0))
            ${keyset}
          order by o.created_at desc, o.id desc
          limit ${limit + 1}`.execute(db)
        return keysetPage(
          rows,
          { limit, sort: 'seller_orders_to_ship', position: (r) => ({ key: r.sort_key, id: r.id }) },
          (r) => r.id,
        )
      }),
  }
}
