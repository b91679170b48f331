import {
  type Address,
  type CartLineRecord,
  type CartRecord,
  type CartStore,
  ConflictError,
  NotFoundError,
} from '@souk/core'
import type { Kysely, Selectable } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { withMappedErrors } from '../map-postgres-error.js'
import type { CartsTable } from './cart-tables.js'

interface StoredLine {
  sku: string
  quantity: number
  addedAt: string
}

function toCart(row: Selectable<CartsTable>): CartRecord {
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

/** Carts on Postgres: one row per cart, saved with a single compare-and-set UPDATE. */
export function createPostgresCartStore(db: Kysely<SoukDatabase>): CartStore {
  return {
    get: (id) =>
      withMappedErrors(async () => {
        const row = await db.selectFrom('carts').selectAll().where('id', '=', id).executeTakeFirst()
        return row ? toCart(row) : null
      }),

    insert: (cart) =>
      withMappedErrors(async () => {
        await db
          .insertInto('carts')
          .values({ id: cart.id, version: cart.version, created_at: cart.createdAt, ...columns(cart) })
          .execute()
      }),

    save: (cart, expectedVersion) =>
      withMappedErrors(async () => {
        const row = await db
          .updateTable('carts')
          .set({ ...columns(cart), version: expectedVersion + 1 })
          .where('id', '=', cart.id)
          .where('version', '=', expectedVersion)
          .returningAll()
          .executeTakeFirst()
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

    listAbandoned: (idleSince, limit) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('carts')
          .selectAll()
          .where('order_id', 'is', null)
          .where('updated_at', '<', idleSince)
          .where((eb) => eb.fn('jsonb_array_length', [eb.ref('lines')]), '>', 0)
          .orderBy('updated_at')
          .limit(limit)
          .execute()
        return rows.map(toCart)
      }),

    claimAbandoned: (idleSince, at, limit) =>
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

    deleteExpired: (at, limit) =>
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
