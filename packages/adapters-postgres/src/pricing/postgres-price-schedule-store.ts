import {
  ConflictError,
  type CurrencyCode,
  money,
  NotFoundError,
  type PriceSchedule,
  type PriceScheduleStore,
  ValidationError,
} from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { checkCursor, isoMicros, keysetPage, TIMESTAMP_KEY } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'

/** The keyset sort of schedule pages (the service's `PRICE_SCHEDULE_SORT`). */
const SORT = 'price_schedules'

interface ScheduleRow {
  id: string
  sku: string
  variant_id: string
  product_id: string
  currency: string
  amount: string | number | bigint
  starts_at: Date | string
  ends_at: Date | string | null
  created_at: Date | string
  starts_key: string
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v))

function toSchedule(row: ScheduleRow): PriceSchedule {
  return {
    id: row.id,
    sku: row.sku,
    variantId: row.variant_id,
    productId: row.product_id,
    price: money(Number(row.amount), row.currency.trim() as CurrencyCode),
    startsAt: toDate(row.starts_at),
    endsAt: row.ends_at === null ? null : toDate(row.ends_at),
    createdAt: toDate(row.created_at),
  }
}

/**
 * Price schedules on Postgres (migration 013). An insert locks its variant row first, so two
 * overlapping schedules racing for one variant are decided one after the other: the second sees
 * the first and is refused.
 */
export function createPostgresPriceScheduleStore(
  db: Kysely<SoukDatabase>,
  schema: string,
): PriceScheduleStore {
  const t = (name: string) => sql.id(schema, name)
  const columns = sql`x.id, v.sku, x.variant_id, x.product_id, x.currency, x.amount, x.starts_at, x.ends_at,
    x.created_at, ${isoMicros(sql`x.starts_at`)} as starts_key`

  return {
    insert: (schedule) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const { currency, amount } = schedule.price
          const { rows: variants } = await sql<{ id: string; product_id: string; priced: boolean }>`
            select v.id, v.product_id,
              exists (select 1 from ${t('variant_prices')} vp where vp.variant_id = v.id and vp.currency = ${currency})
                as priced
            from ${t('product_variants')} v where v.sku = ${schedule.sku} for update of v`.execute(trx)
          const variant = variants[0]
          if (!variant) throw new NotFoundError('sku', schedule.sku)
          if (!variant.priced) {
            throw new ValidationError(
              `Invalid price schedule: ${schedule.sku} has no regular price in ${currency}`,
              [{ path: 'price.currency', message: `the variant has no regular price in ${currency}` }],
            )
          }
          // Two windows [a, b) and [c, d) overlap when a < d and c < b (a null end is open).
          const { rows: clashes } = await sql<{ id: string }>`
            select x.id from ${t('price_schedules')} x
            where x.variant_id = ${variant.id} and x.currency = ${currency}
              and x.starts_at < coalesce(${schedule.endsAt?.toISOString() ?? null}::timestamptz, 'infinity')
              and ${schedule.startsAt.toISOString()}::timestamptz < coalesce(x.ends_at, 'infinity')
            order by x.starts_at limit 1`.execute(trx)
          if (clashes[0]) {
            throw new ConflictError(
              `Price schedule overlaps schedule ${clashes[0].id} of ${schedule.sku} in ${currency}`,
              { field: 'window', scheduleId: clashes[0].id },
            )
          }
          const { rows } = await sql<ScheduleRow>`
            with x as (
              insert into ${t('price_schedules')} (id, variant_id, product_id, currency, amount, starts_at, ends_at, created_at)
              values (${schedule.id}, ${variant.id}, ${variant.product_id}, ${currency}, ${amount},
                ${schedule.startsAt.toISOString()}::timestamptz, ${schedule.endsAt?.toISOString() ?? null}::timestamptz,
                ${schedule.createdAt.toISOString()}::timestamptz)
              returning *)
            select ${columns} from x join ${t('product_variants')} v on v.id = x.variant_id`.execute(trx)
          return toSchedule(rows[0]!)
        }),
      ),

    list: (query) =>
      withMappedErrors(async () => {
        checkCursor(query.after, TIMESTAMP_KEY)
        const where = [sql<boolean>`true`]
        if (query.sku !== undefined) where.push(sql<boolean>`v.sku = ${query.sku}`)
        if (query.productId !== undefined) where.push(sql<boolean>`x.product_id = ${query.productId}`)
        if (query.endingAfter !== undefined)
          where.push(
            sql<boolean>`(x.ends_at is null or x.ends_at > ${query.endingAfter.toISOString()}::timestamptz)`,
          )
        if (query.after)
          where.push(sql<boolean>`(x.starts_at, x.id) > (${query.after.key}::timestamptz, ${query.after.id})`)
        const { rows } = await sql<ScheduleRow>`
          select ${columns} from ${t('price_schedules')} x join ${t('product_variants')} v on v.id = x.variant_id
          where ${sql.join(where, sql` and `)}
          order by x.starts_at, x.id
          limit ${query.limit + 1}`.execute(db)
        return keysetPage(
          rows,
          { limit: query.limit, sort: SORT, position: (r) => ({ key: r.starts_key, id: r.id }) },
          toSchedule,
        )
      }),

    delete: ({ id }) =>
      withMappedErrors(async () => {
        const { rows } = await sql<ScheduleRow>`
          with x as (delete from ${t('price_schedules')} where id = ${id} returning *)
          select ${columns} from x join ${t('product_variants')} v on v.id = x.variant_id`.execute(db)
        return rows[0] ? toSchedule(rows[0]) : null
      }),
  }
}
