import { type RawBuilder, sql } from 'kysely'

/**
 * The instant prices are read at: the caller's clock when given, else the database's. Always one
 * parameter, so a named (prepared) statement keeps one text whichever it is.
 */
export function pricedAtSql(at: Date | undefined): RawBuilder<Date> {
  return sql<Date>`coalesce(${at?.toISOString() ?? null}::timestamptz, now())`
}

/**
 * The amount of the schedule of `variantId` in `currency` in force at `at`, or null: a subquery
 * through `price_schedules_variant_idx`. Windows never overlap (the store refuses it), so at most
 * one row matches; the order only makes that explicit.
 */
export function scheduledAmountSql(
  schema: string,
  variantId: RawBuilder<unknown>,
  currency: RawBuilder<unknown>,
  at: RawBuilder<Date>,
): RawBuilder<string | number | null> {
  return sql`(select x.amount from ${sql.id(schema, 'price_schedules')} x
    where x.variant_id = ${variantId} and x.currency = ${currency}
      and x.starts_at <= ${at} and (x.ends_at is null or x.ends_at > ${at})
    order by x.starts_at desc limit 1)`
}
