import { createIdGenerator } from '@souk/core'
import type { PromotionInspector, ShippingInspector } from '@souk/core/testing'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../src/database.js'

/** Reads promotion counters and redemptions with plain SQL, bypassing the store under test. */
export function promotionInspector(db: Kysely<SoukDatabase>): PromotionInspector {
  return {
    async timesUsed(promotionId) {
      const row = await db
        .selectFrom('promotions')
        .select('times_used')
        .where('id', '=', promotionId)
        .executeTakeFirst()
      return row ? row.times_used : null
    },
    async redemptions(promotionId) {
      const rows = await db
        .selectFrom('promotion_redemptions')
        .select(['order_id', 'customer_id'])
        .where('promotion_id', '=', promotionId)
        .execute()
      return rows.map((r) => ({ orderId: r.order_id, customerId: r.customer_id }))
    },
  }
}

/** Reads zones and methods with plain SQL. */
export function shippingInspector(db: Kysely<SoukDatabase>): ShippingInspector {
  return {
    async zone(id) {
      const row = await db
        .selectFrom('shipping_zones')
        .select(['name', 'countries', 'regions'])
        .where('id', '=', id)
        .executeTakeFirst()
      return row ?? null
    },
    async method(id) {
      const row = await db
        .selectFrom('shipping_methods')
        .select(['zone_id', 'kind', 'currency', 'active'])
        .where('id', '=', id)
        .executeTakeFirst()
      return row ? { zoneId: row.zone_id, kind: row.kind, currency: row.currency, active: row.active } : null
    },
  }
}

const ids = createIdGenerator()

/**
 * Inserts a minimal order row, because redemptions reference orders. Raw SQL on purpose: these
 * tests exercise promotions, not the order store.
 */
export function orderMaker(db: Kysely<SoukDatabase>, schema = 'souk'): () => Promise<string> {
  return async () => {
    const id = ids('ord')
    await sql`
      insert into ${sql.id(schema, 'orders')} (id, email, status, currency, subtotal, total, created_at, updated_at)
      values (${id}, 'buyer@example.com', 'pending_payment', 'USD', 0, 0, now(), now())`.execute(db)
    return id
  }
}
