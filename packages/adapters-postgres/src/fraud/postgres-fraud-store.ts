import type { FraudReason, FraudStore, OrderReview } from '@souk/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { HotPath } from '../checkout/hot-path.js'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import type { OrderReviewsTable } from './fraud-tables.js'

function toReview(row: Selectable<OrderReviewsTable>): OrderReview {
  return {
    orderId: row.order_id,
    status: row.status,
    reasons: parseJson<FraudReason[]>(row.reasons),
    flaggedAt: row.flagged_at,
    heldAt: row.held_at,
    holdUntil: row.hold_until,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    note: row.note,
  }
}

/**
 * The fraud hook on Postgres (migration 016). `recordAttempt` is one statement
 * (`fraud_record_attempt`), sent through `hot` like checkout's, since it runs on every checkout
 * that counts velocity.
 */
export function createPostgresFraudStore(db: Kysely<SoukDatabase>, hot: HotPath, schema: string): FraudStore {
  const RECORD = `select "${schema}"."fraud_record_attempt"($1::jsonb) as counts`
  const held = () =>
    db
      .selectFrom('order_reviews as r')
      .innerJoin('orders as o', 'o.id', 'r.order_id')
      .selectAll('r')
      .where('r.status', '=', 'pending')
      .where('r.held_at', 'is not', null)
      .where('o.status', '=', 'held_for_review')

  return {
    recordAttempt: ({ attemptKey, at, subjects }) =>
      withMappedErrors(async () => {
        if (subjects.length === 0) return []
        const payload = { key: attemptKey, at, subjects }
        const [row] = await hot<{ counts: unknown }>('souk_fraud_record_attempt', RECORD, [
          JSON.stringify(payload),
        ])
        return parseJson<(number | string)[]>(row?.counts ?? []).map(Number)
      }),

    flag: ({ orderId, reasons, holdUntil, at }) =>
      withMappedErrors(async () => {
        await db
          .insertInto('order_reviews')
          .values({
            order_id: orderId,
            status: 'pending',
            reasons: JSON.stringify(reasons),
            flagged_at: at,
            hold_until: holdUntil,
          })
          .onConflict((oc) => oc.column('order_id').doNothing())
          .execute()
      }),

    get: (orderId) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('order_reviews')
          .selectAll()
          .where('order_id', '=', orderId)
          .executeTakeFirst()
        return row ? toReview(row) : null
      }),

    listHeld: ({ after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, TIMESTAMP_KEY)
        let query = held().select(isoMicros(sql.ref('r.held_at')).as('held_key'))
        if (after)
          query = query.where(
            sql<boolean>`(r.held_at, r.order_id) > (${after.key}::timestamptz, ${after.id})`,
          )
        const rows = await query
          .orderBy('r.held_at')
          .orderBy('r.order_id')
          .limit(limit + 1)
          .execute()
        return keysetPage(
          rows,
          { limit, sort: 'held_orders', position: (r) => ({ key: r.held_key, id: r.order_id }) },
          toReview,
        )
      }),

    listOverdue: ({ at, limit }) =>
      withMappedErrors(async () => {
        const rows = await held()
          .where('r.hold_until', '<=', at)
          .orderBy('r.hold_until')
          .limit(limit)
          .execute()
        return rows.map((r) => r.order_id)
      }),

    purge: ({ before, limit }) =>
      withMappedErrors(async () => {
        const attempts = await sql<{ n: string | number }>`
          with gone as (
            delete from ${sql.id(schema, 'fraud_attempts')} where ctid = any(array(
              select ctid from ${sql.id(schema, 'fraud_attempts')} where at < ${before} limit ${limit}))
            returning 1)
          select count(*) as n from gone`.execute(db)
        const subjects = await sql<{ n: string | number }>`
          with gone as (
            delete from ${sql.id(schema, 'fraud_velocity_subjects')} v where v.digest = any(array(
              select x.digest from ${sql.id(schema, 'fraud_velocity_subjects')} x
              where x.last_at < ${before}
                and not exists (select 1 from ${sql.id(schema, 'fraud_attempts')} a where a.digest = x.digest)
              limit ${limit}))
            returning 1)
          select count(*) as n from gone`.execute(db)
        const flags = await sql<{ n: string | number }>`
          with gone as (
            delete from ${sql.id(schema, 'order_reviews')} r where r.order_id = any(array(
              select x.order_id from ${sql.id(schema, 'order_reviews')} x
              where x.held_at is null and x.flagged_at < ${before}
                and not exists (select 1 from ${sql.id(schema, 'orders')} o where o.id = x.order_id)
              limit ${limit}))
            returning 1)
          select count(*) as n from gone`.execute(db)
        return [attempts, subjects, flags].reduce((n, r) => n + Number(r.rows[0]?.n ?? 0), 0)
      }),
  }
}
