import {
  type Address,
  type CartLineRecord,
  type CartRecord,
  type CartSkuStock,
  type CartStore,
  ConflictError,
  type CurrencyCode,
  NotFoundError,
} from '@souk/core'
import { type Compilable, type Kysely, type Selectable, sql } from 'kysely'
import { toVariantPricing, type VariantPricingRow } from '../catalog/row-mappers.js'
import type { HotPath } from '../checkout/hot-path.js'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { pricedAtSql, scheduledAmountSql } from '../pricing/price-sql.js'
import type { CartsTable } from './cart-tables.js'

interface StoredLine {
  sku: string
  quantity: number
  addedAt: string
}

/** A cart row (as stored, or as `to_jsonb` of one with its times as strings) as a CartRecord. */
export function toCart(row: Selectable<CartsTable>): CartRecord {
  const lines = parseJson<StoredLine[]>(row.lines).map(
    (l): CartLineRecord => ({ sku: l.sku, quantity: l.quantity, addedAt: new Date(l.addedAt) }),
  )
  return {
    id: row.id,
    customerId: row.customer_id,
    currency: row.currency,
    lines,
    email: row.email,
    promoCode: row.promo_code,
    shippingAddress: row.shipping_address === null ? null : parseJson<Address>(row.shipping_address),
    shippingMethodId: row.shipping_method_id,
    orderId: row.order_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  }
}

function columns(cart: CartRecord) {
  return {
    customer_id: cart.customerId,
    currency: cart.currency,
    lines: JSON.stringify(
      cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, addedAt: l.addedAt.toISOString() })),
    ),
    email: cart.email,
    promo_code: cart.promoCode,
    shipping_address: cart.shippingAddress === null ? null : JSON.stringify(cart.shippingAddress),
    shipping_method_id: cart.shippingMethodId,
    order_id: cart.orderId,
    updated_at: cart.updatedAt,
    expires_at: cart.expiresAt,
  }
}

/**
 * Carts on Postgres: one row per cart, saved with a single compare-and-set UPDATE (which also
 * writes the save's domain events to the outbox when there are any, in the same statement).
 * @param schema the schema name, for the outbox in raw SQL.
 * @param hot when given (the store outside transactions, over a node-postgres pool), the reads and
 *   the save of every edit go out as named statements, planned once per connection.
 */
export function createPostgresCartStore(db: Kysely<SoukDatabase>, schema: string, hot?: HotPath): CartStore {
  const outbox = sql.id(schema, 'outbox')

  /** The first row of a query: as a named statement on the hot path, else through Kysely. */
  async function first<Row>(
    name: string,
    query: Compilable<Row> & { executeTakeFirst(): Promise<Row | undefined> },
  ) {
    if (!hot) return query.executeTakeFirst()
    const compiled = query.compile()
    const [row] = await hot<Row>(name, compiled.sql, compiled.parameters)
    return row
  }

  return {
    get: (id) =>
      withMappedErrors(async () => {
        const row = await first('souk_cart_get', db.selectFrom('carts').selectAll().where('id', '=', id))
        return row ? toCart(row) : null
      }),

    // One statement: the cart row, the pricing of its lines' SKUs and of `sku` in the cart's
    // currency, and the stock of `sku`. Every table goes through the builder (only expressions
    // are raw SQL) so that `withSchema` qualifies it. The SKUs are one array, so `product_variants`
    // is read through its unique index on sku (`sku = ANY(...)` is an index condition).
    readForEdit: ({ cartId, sku, at }) =>
      withMappedErrors(async () => {
        // The price in force at `at` (migration 013), beside the regular and compare-at prices.
        const scheduled = scheduledAmountSql(schema, sql`v.id`, sql`c.currency`, pricedAtSql(at))
        const row = await first(
          'souk_cart_read_for_edit',
          db
            .selectFrom('carts as c')
            .selectAll('c')
            .select((eb) => [
              eb
                .selectFrom('product_variants as v')
                .innerJoin('products as p', 'p.id', 'v.product_id')
                .leftJoin('variant_prices as vp', (join) =>
                  join.onRef('vp.variant_id', '=', 'v.id').onRef('vp.currency', '=', 'c.currency'),
                )
                .select(
                  sql<VariantPricingRow[]>`coalesce(jsonb_agg(jsonb_build_object(
                  'sku', v.sku, 'variant_id', v.id, 'product_id', v.product_id, 'slug', p.slug,
                  'name', p.name, 'options', v.options, 'status', p.status,
                  'amount', case when vp.amount is not null then coalesce(${scheduled}, vp.amount) end,
                  'regular_amount', vp.amount,
                  'compare_at_amount', case when v.compare_at_currency = c.currency then v.compare_at_amount end,
                  'weight_grams', v.weight_grams, 'seller_id', p.seller_id)), '[]'::jsonb)`.as('variants'),
                )
                .where(
                  sql<boolean>`v.sku = any(array(select l ->> 'sku' from jsonb_array_elements(c.lines) l) || ${sku ?? null}::text)`,
                )
                .as('variants'),
              eb
                .selectFrom('inventory_items as i')
                .leftJoin('stock_levels as s', 's.sku', 'i.sku')
                .select(
                  sql<CartSkuStock>`jsonb_build_object('tracked', i.tracked, 'allowBackorder', i.allow_backorder,
                  'available', coalesce(sum(greatest(0, s.on_hand - s.reserved)), 0))`.as('stock'),
                )
                .where('i.sku', '=', sku ?? null)
                .groupBy('i.sku')
                .as('stock'),
            ])
            .where('c.id', '=', cartId),
        )
        if (!row) return null
        const cart = toCart(row)
        const stock = row.stock === null ? null : parseJson<CartSkuStock>(row.stock)
        return {
          cart,
          variants: parseJson<VariantPricingRow[]>(row.variants).map((v) =>
            toVariantPricing(v, cart.currency as CurrencyCode),
          ),
          stock: stock && { ...stock, available: Number(stock.available) },
        }
      }),

    insert: (cart) =>
      withMappedErrors(async () => {
        await db
          .insertInto('carts')
          .values({ id: cart.id, version: cart.version, created_at: cart.createdAt, ...columns(cart) })
          .execute()
      }),

    save: ({ cart, expectedVersion, events = [] }) =>
      withMappedErrors(async () => {
        const update = db
          .updateTable('carts')
          .set({ ...columns(cart), version: expectedVersion + 1 })
          .where('id', '=', cart.id)
          .where('version', '=', expectedVersion)
          .returningAll()
        let row: Selectable<CartsTable> | undefined
        if (events.length === 0) row = await first('souk_cart_save', update)
        else {
          // The events are written only if the compare-and-set updated the row: one statement.
          const statement = sql<Selectable<CartsTable>>`
            WITH saved AS (${update}),
            written AS (
              INSERT INTO ${outbox} (topic, key, payload, created_at, available_at)
              SELECT m->>'topic', m->>'key', m->'payload', ${cart.updatedAt}, ${cart.updatedAt}
              FROM jsonb_array_elements(${JSON.stringify(events)}::jsonb) AS m
              WHERE EXISTS (SELECT 1 FROM saved))
            SELECT * FROM saved`
          if (hot) {
            const compiled = statement.compile(db)
            ;[row] = await hot<Selectable<CartsTable>>(
              'souk_cart_save_events',
              compiled.sql,
              compiled.parameters,
            )
          } else [row] = (await statement.execute(db)).rows
        }
        if (row) return toCart(row)
        const exists = await db
          .selectFrom('carts')
          .select('version')
          .where('id', '=', cart.id)
          .executeTakeFirst()
        if (!exists) throw new NotFoundError('cart', cart.id)
        throw new ConflictError(`Cart ${cart.id} changed concurrently`, {
          cartId: cart.id,
          expectedVersion,
          storedVersion: exists.version,
        })
      }),

    delete: (id) =>
      withMappedErrors(async () => {
        await db.deleteFrom('carts').where('id', '=', id).execute()
      }),

    findOpenForCustomer: (customerId) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('carts')
          .selectAll()
          .where('customer_id', '=', customerId)
          .where('order_id', 'is', null)
          .orderBy('updated_at', 'desc')
          .limit(1)
          .executeTakeFirst()
        return row ? toCart(row) : null
      }),

    listAbandoned: ({ idleSince, after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, TIMESTAMP_KEY)
        let query = db
          .selectFrom('carts')
          .selectAll()
          .select(isoMicros(sql.ref('updated_at')).as('sort_key'))
          .where('order_id', 'is', null)
          .where('updated_at', '<', idleSince)
          .where((eb) => eb.fn('jsonb_array_length', [eb.ref('lines')]), '>', 0)
        // A range on `carts_idle_idx` (updated_at) where order_id is null.
        if (after)
          query = query.where(sql<boolean>`(updated_at, id) > (${after.key}::timestamptz, ${after.id})`)
        const rows = await query
          .orderBy('updated_at')
          .orderBy('id')
          .limit(limit + 1)
          .execute()
        return keysetPage(
          rows,
          { limit, sort: 'abandoned_carts', position: (r) => ({ key: r.sort_key, id: r.id }) },
          toCart,
        )
      }),

    claimAbandoned: ({ idleSince, at, limit }) =>
      withMappedErrors(async () => {
        const rows = await db
          .updateTable('carts')
          .set({ abandoned_at: at })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('carts')
              .select('id')
              .where('order_id', 'is', null)
              .where('updated_at', '<', idleSince)
              .where((w) =>
                w.or([w('abandoned_at', 'is', null), w('abandoned_at', '<', w.ref('updated_at'))]),
              )
              .where((w) => w.fn('jsonb_array_length', [w.ref('lines')]), '>', 0)
              .orderBy('updated_at')
              .limit(limit)
              .forUpdate()
              .skipLocked(),
          )
          .returningAll()
          .execute()
        return rows.map(toCart)
      }),

    deleteExpired: ({ at, limit }) =>
      withMappedErrors(async () => {
        const result = await db
          .deleteFrom('carts')
          .where('id', 'in', (eb) =>
            eb.selectFrom('carts').select('id').where('expires_at', '<=', at).limit(limit),
          )
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      }),
  }
}
