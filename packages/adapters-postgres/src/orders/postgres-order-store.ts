import {
  type Address,
  type DeliveryEstimate,
  type KeysetCursor,
  type KeysetPage,
  money,
  type NewOrder,
  type OrderLineRecord,
  type OrderRecord,
  type OrderStatus,
  type OrderStore,
  PURCHASED_ORDER_STATUSES,
  type SellerSalesFigures,
} from '@souk/core'
import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { OrderLinesTable, OrdersTable } from './order-tables.js'

function toLine(row: Selectable<OrderLinesTable>, currency: string): OrderLineRecord {
  return {
    id: row.id,
    sku: row.sku,
    productId: row.product_id,
    variantId: row.variant_id,
    sellerId: row.seller_id,
    name: row.name,
    quantity: row.quantity,
    unitPrice: money(Number(row.unit_price), currency),
    discount: money(Number(row.discount), currency),
    tax: money(Number(row.tax), currency),
    total: money(Number(row.total), currency),
    returnedQuantity: row.returned_quantity,
  }
}

function toOrder(row: Selectable<OrdersTable>, lines: Selectable<OrderLinesTable>[]): OrderRecord {
  const c = row.currency
  return {
    id: row.id,
    displayNumber: String(row.display_number),
    customerId: row.customer_id,
    email: row.email,
    status: row.status as OrderStatus,
    currency: c,
    totals: {
      subtotal: money(Number(row.subtotal), c),
      discountTotal: money(Number(row.discount_total), c),
      shippingTotal: money(Number(row.shipping_total), c),
      taxTotal: money(Number(row.tax_total), c),
      total: money(Number(row.total), c),
    },
    lines: lines.map((l) => toLine(l, c)),
    shippingAddress: row.shipping_address === null ? null : parseJson<Address>(row.shipping_address),
    billingAddress: row.billing_address === null ? null : parseJson<Address>(row.billing_address),
    shippingMethodId: row.shipping_method_id,
    promoCode: row.promo_code,
    cartId: row.cart_id,
    reservationId: row.reservation_id,
    paymentProvider: row.payment_provider,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    estimatedDelivery:
      row.estimated_delivery === null ? null : parseJson<DeliveryEstimate>(row.estimated_delivery),
  }
}

/** Sums of kept sales as Postgres returns them: `sum(bigint)` is numeric, read as text. */
interface FiguresRow {
  currency: string
  units: string
  revenue: string
  tax: string
}

function toFigures(r: FiguresRow): SellerSalesFigures {
  const currency = r.currency
  return {
    currency,
    units: Number(r.units),
    revenue: money(Number(r.revenue), currency),
    tax: money(Number(r.tax), currency),
  }
}

/**
 * The part of a line amount (`total` or `tax`) that stays with the units not returned.
 * `receiveReturn` refunds returned units as the first `returned_quantity` parts of
 * `allocateEvenly(amount, quantity)` (the remainder's extra minor units go to the first parts), so
 * what is kept is exactly the amount less those parts: `r × ⌊|a|/q⌋ + min(r, |a| mod q)`, signed.
 * This is that rule's SQL twin, in integer arithmetic; the contract suite checks both agree.
 */
function keptShare(column: 'total' | 'tax') {
  const a = sql.ref(`l.${column}`)
  return sql<string>`${a} - (case when ${a} < 0 then -1 else 1 end)
    * (l.returned_quantity * (abs(${a}) / l.quantity) + least(l.returned_quantity, abs(${a}) % l.quantity))`
}

/** Orders on Postgres. Status moves are compare-and-set updates that also append to the history. */
export function createPostgresOrderStore(db: Kysely<SoukDatabase>, schema: string): OrderStore {
  /**
   * The seller's lines with units kept, in orders placed in `[from, to)` whose goods were bought:
   * pending, failed and cancelled orders are out; a refunded order stays in, its returned units
   * (and only those) taken off, so a refund that was not a return changes nothing.
   */
  function keptLines(sellerId: string, from: Date, to: Date) {
    return sql`
      select o.created_at, o.currency, l.product_id, l.name, l.quantity - l.returned_quantity as units,
             ${keptShare('total')} as kept_total, ${keptShare('tax')} as kept_tax
      from ${sql.id(schema, 'order_lines')} l join ${sql.id(schema, 'orders')} o on o.id = l.order_id
      where l.seller_id = ${sellerId} and o.created_at >= ${from} and o.created_at < ${to}
        and o.status = any(${[...PURCHASED_ORDER_STATUSES]}::text[])
        and l.returned_quantity < l.quantity`
  }

  async function withLines(rows: Selectable<OrdersTable>[], sellerId?: string): Promise<OrderRecord[]> {
    if (rows.length === 0) return []
    let query = db
      .selectFrom('order_lines')
      .selectAll()
      .where(
        'order_id',
        'in',
        rows.map((r) => r.id),
      )
    if (sellerId !== undefined) query = query.where('seller_id', '=', sellerId)
    const lines = await query.orderBy('id').execute()
    const byOrder = new Map<string, Selectable<OrderLinesTable>[]>()
    for (const line of lines) byOrder.set(line.order_id, [...(byOrder.get(line.order_id) ?? []), line])
    return rows.map((row) => toOrder(row, byOrder.get(row.id) ?? []))
  }

  /**
   * Keyset page over (created_at, id) descending, one row more than shown to know if more follow.
   * The row comparison is what `orders_customer_idx` (customer_id, created_at desc, id desc) serves.
   */
  async function newestFirst(
    query: SelectQueryBuilder<SoukDatabase, 'orders', Selectable<OrdersTable>>,
    page: { sort: string; after?: KeysetCursor; limit: number; sellerId?: string },
  ): Promise<KeysetPage<OrderRecord>> {
    const { after, limit } = page
    checkCursor(after, TIMESTAMP_KEY)
    const keyset = after && sql<boolean>`(created_at, id) < (${after.key}::timestamptz, ${after.id})`
    const rows = await (keyset ? query.where(keyset) : query)
      .select(isoMicros(sql.ref('created_at')).as('sort_key'))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute()
    const { items, next } = keysetPage(
      rows,
      { limit, sort: page.sort, position: (r) => ({ key: r.sort_key, id: r.id }) },
      (r) => r,
    )
    return { items: await withLines(items, page.sellerId), next }
  }

  return {
    insert: (order: NewOrder) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const { totals } = order
          const row = await trx
            .insertInto('orders')
            .values({
              id: order.id,
              customer_id: order.customerId,
              email: order.email,
              status: order.status,
              currency: order.currency,
              subtotal: totals.subtotal.amount,
              discount_total: totals.discountTotal.amount,
              shipping_total: totals.shippingTotal.amount,
              tax_total: totals.taxTotal.amount,
              total: totals.total.amount,
              shipping_address: order.shippingAddress === null ? null : JSON.stringify(order.shippingAddress),
              billing_address: order.billingAddress === null ? null : JSON.stringify(order.billingAddress),
              shipping_method_id: order.shippingMethodId,
              promo_code: order.promoCode,
              cart_id: order.cartId,
              reservation_id: order.reservationId,
              payment_provider: order.paymentProvider,
              created_at: order.createdAt,
              updated_at: order.createdAt,
              estimated_delivery: order.estimatedDelivery ? JSON.stringify(order.estimatedDelivery) : null,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
          const lines = order.lines.length
            ? await trx
                .insertInto('order_lines')
                .values(
                  order.lines.map((l) => ({
                    id: l.id,
                    order_id: order.id,
                    sku: l.sku,
                    product_id: l.productId,
                    variant_id: l.variantId,
                    seller_id: l.sellerId,
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: l.unitPrice.amount,
                    discount: l.discount.amount,
                    tax: l.tax.amount,
                    total: l.total.amount,
                  })),
                )
                .returningAll()
                .execute()
            : []
          await trx
            .insertInto('order_status_history')
            .values({
              order_id: order.id,
              from_status: null,
              to_status: order.status,
              note: null,
              at: order.createdAt,
            })
            .execute()
          return toOrder(row, lines)
        }),
      ),

    get: (id) =>
      withMappedErrors(async () => {
        const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst()
        return row ? ((await withLines([row]))[0] ?? null) : null
      }),

    transition: ({ id, from, to, at, note }) =>
      withMappedErrors(async () => {
        // One statement: the CAS update and the history row commit together or not at all.
        const { rows } = await sql<{ id: string }>`
          with moved as (
            update ${sql.id(schema, 'orders')} set status = ${to}, updated_at = ${at}
            where id = ${id} and status = ${from}
            returning id
          )
          insert into ${sql.id(schema, 'order_status_history')} (order_id, from_status, to_status, note, at)
          select id, ${from}, ${to}, ${note ?? null}, ${at} from moved
          returning order_id as id`.execute(db)
        return rows.length === 1
      }),

    history: (id) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('order_status_history')
          .select(['from_status', 'to_status', 'at', 'note'])
          .where('order_id', '=', id)
          .orderBy('at')
          .execute()
        return rows.map((r) => ({
          from: r.from_status as OrderStatus | null,
          to: r.to_status as OrderStatus,
          at: r.at,
          note: r.note,
        }))
      }),

    listForCustomer: ({ customerId, after, limit }) =>
      withMappedErrors(async () =>
        newestFirst(db.selectFrom('orders').selectAll().where('customer_id', '=', customerId), {
          sort: 'customer_orders',
          after,
          limit,
        }),
      ),

    listForSeller: ({ sellerId, after, limit }) =>
      withMappedErrors(async () =>
        newestFirst(
          db
            .selectFrom('orders')
            .selectAll()
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('order_lines')
                  .select('order_lines.id')
                  .whereRef('order_lines.order_id', '=', 'orders.id')
                  .where('order_lines.seller_id', '=', sellerId),
              ),
            ),
          { sort: 'seller_orders', after, limit, sellerId },
        ),
      ),

    sellerDailyFigures: ({ sellerId, from, to }) =>
      withMappedErrors(async () => {
        const { rows } = await sql<FiguresRow & { day: string }>`
          select to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, k.currency,
                 sum(k.units) as units, sum(k.kept_total - k.kept_tax) as revenue, sum(k.kept_tax) as tax
          from (${keptLines(sellerId, from, to)}) k
          group by 1, 2 order by 1, 2`.execute(db)
        return rows.map((r) => ({ day: r.day, ...toFigures(r) }))
      }),

    sellerTopProducts: ({ sellerId, from, to, limit }) =>
      withMappedErrors(async () => {
        const { rows } = await sql<FiguresRow & { product_id: string; name: string }>`
          select product_id, name, currency, units, revenue, tax from (
            select k.product_id, min(k.name) as name, k.currency, sum(k.units) as units,
                   sum(k.kept_total - k.kept_tax) as revenue, sum(k.kept_tax) as tax,
                   row_number() over (
                     partition by k.currency
                     order by sum(k.units) desc, sum(k.kept_total - k.kept_tax) desc, k.product_id
                   ) as rank
            from (${keptLines(sellerId, from, to)}) k
            where k.product_id is not null
            group by k.product_id, k.currency
          ) ranked
          where rank <= ${limit}
          order by currency, rank`.execute(db)
        return rows.map((r) => ({ productId: r.product_id, name: r.name, ...toFigures(r) }))
      }),

    listStale: ({ status, updatedBefore, limit }) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('orders')
          .selectAll()
          .where('status', '=', status)
          .where('updated_at', '<=', updatedBefore)
          .orderBy('updated_at')
          .limit(limit)
          .execute()
        return withLines(rows)
      }),

    addReturnedQuantity: ({ orderLineId, quantity }) =>
      withMappedErrors(async () => {
        const result = await db
          .updateTable('order_lines')
          .set((eb) => ({ returned_quantity: eb('returned_quantity', '+', quantity) }))
          .where('id', '=', orderLineId)
          .where(sql<boolean>`returned_quantity + ${quantity} <= quantity`)
          .executeTakeFirst()
        return result.numUpdatedRows === 1n
      }),
  }
}
