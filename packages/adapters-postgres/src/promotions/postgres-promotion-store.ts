import {
  ConflictError,
  money,
  NotFoundError,
  type Promotion,
  PromotionError,
  type PromotionStore,
  promotionCurrency,
  type RedemptionChange,
  ValidationError,
} from '@souk/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { byId, checkCursor, ID_KEY, keysetPage } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { PromotionsTable } from './promotion-tables.js'

const COLUMNS = [
  'id',
  'code',
  'kind',
  'percent',
  'amount',
  'currency',
  'min_subtotal',
  'starts_at',
  'ends_at',
  'usage_limit',
  'per_customer_limit',
  'times_used',
  'created_at',
] as const

type PromotionRow = Pick<Selectable<PromotionsTable>, (typeof COLUMNS)[number]>

function toPromotion(row: PromotionRow): Promotion {
  const minSubtotal = Number(row.min_subtotal)
  const base = {
    id: row.id,
    code: row.code,
    // A minimum always has a currency (CHECK promotions_min_subtotal_check).
    minSubtotal: minSubtotal > 0 ? money(minSubtotal, row.currency!) : null,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    usageLimit: row.usage_limit,
    perCustomerLimit: row.per_customer_limit,
    timesUsed: row.times_used,
    createdAt: row.created_at,
  }
  switch (row.kind) {
    case 'percentage':
      return { ...base, kind: 'percentage', percent: row.percent! }
    case 'fixed':
      return { ...base, kind: 'fixed', amount: money(Number(row.amount), row.currency!) }
    default:
      return { ...base, kind: 'free_shipping' }
  }
}

/**
 * Promotions on Postgres. `redeem` enforces both usage limits inside the caller's transaction:
 *
 * 1. `SELECT ... FOR UPDATE` locks the promotion row. Every redemption of one promotion queues
 *    here, so what follows runs for one order at a time per promotion.
 * 2. One statement, started only after the lock was granted, so under READ COMMITTED its snapshot
 *    contains every redemption committed before: it counts the customer's live redemptions, and
 *    bumps `times_used` with a conditional UPDATE (`times_used < usage_limit` and the customer's
 *    count below `per_customer_limit`) that inserts the redemption only if the UPDATE matched.
 *
 * The total limit alone would hold with step 2's conditional UPDATE only (Postgres re-checks the
 * condition on the newest row version), but a count read in the same statement would come from a
 * snapshot taken before the wait; the lock in step 1 is what makes the per-customer count current.
 * It costs nothing extra: the UPDATE would take the same row lock until commit anyway. Callers
 * should therefore redeem late in their transaction, so the hot row is held briefly. Under
 * REPEATABLE READ or SERIALIZABLE a concurrent redemption surfaces as a `conflict` error instead.
 * The `times_used <= usage_limit` CHECK of 002 backs the limit up in the schema itself.
 *
 * @param db a Kysely instance or transaction already bound to Souk's schema.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresPromotionStore(db: Kysely<SoukDatabase>, schema: string): PromotionStore {
  const table = (name: string) => sql.id(schema, name)

  return {
    create: (promotion) =>
      withMappedErrors(async () => {
        const row = await db
          .insertInto('promotions')
          .values({
            id: promotion.id,
            code: promotion.code,
            kind: promotion.kind,
            percent: promotion.kind === 'percentage' ? promotion.percent : null,
            amount: promotion.kind === 'fixed' ? promotion.amount.amount : null,
            currency: promotionCurrency(promotion),
            min_subtotal: promotion.minSubtotal?.amount ?? 0,
            starts_at: promotion.startsAt,
            ends_at: promotion.endsAt,
            usage_limit: promotion.usageLimit,
            per_customer_limit: promotion.perCustomerLimit,
            times_used: promotion.timesUsed,
            created_at: promotion.createdAt,
          })
          .returning(COLUMNS)
          .executeTakeFirstOrThrow()
        return toPromotion(row)
      }),

    get: (id) =>
      withMappedErrors(async () => {
        const row = await db.selectFrom('promotions').select(COLUMNS).where('id', '=', id).executeTakeFirst()
        return row ? toPromotion(row) : null
      }),

    update: (promotion) =>
      withMappedErrors(async () => {
        const limit = promotion.usageLimit
        try {
          // times_used is not written and the limit is checked against the row as it is when the
          // UPDATE holds its lock: a redemption committing meanwhile is counted, never overwritten.
          const row = await db
            .updateTable('promotions')
            .set({
              code: promotion.code,
              percent: promotion.kind === 'percentage' ? promotion.percent : null,
              amount: promotion.kind === 'fixed' ? promotion.amount.amount : null,
              currency: promotionCurrency(promotion as Promotion),
              min_subtotal: promotion.minSubtotal?.amount ?? 0,
              starts_at: promotion.startsAt,
              ends_at: promotion.endsAt,
              usage_limit: limit,
              per_customer_limit: promotion.perCustomerLimit,
            })
            .where('id', '=', promotion.id)
            .where('kind', '=', promotion.kind)
            .where((eb) => (limit === null ? eb.val(true) : eb('times_used', '<=', limit)))
            .returning(COLUMNS)
            .executeTakeFirst()
          if (row) return toPromotion(row)
        } catch (error) {
          if ((error as { constraint?: string }).constraint === 'promotions_code_key') {
            throw new ConflictError(
              `Promotion code ${promotion.code} is taken`,
              { field: 'code', code: promotion.code },
              { cause: error },
            )
          }
          throw error
        }
        const current = await db
          .selectFrom('promotions')
          .select(['kind', 'times_used'])
          .where('id', '=', promotion.id)
          .executeTakeFirst()
        if (!current) return null
        if (current.kind !== promotion.kind) {
          throw new ValidationError(
            `Invalid promotion update: a ${current.kind} promotion cannot become ${promotion.kind}`,
            [{ path: 'kind', message: `is ${current.kind}` }],
          )
        }
        throw new ConflictError(
          `usageLimit ${limit} is below the ${current.times_used} uses already counted`,
          { field: 'usageLimit', timesUsed: current.times_used },
        )
      }),

    getByCode: (code) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('promotions')
          .select(COLUMNS)
          .where('code', '=', code)
          .executeTakeFirst()
        return row ? toPromotion(row) : null
      }),

    list: ({ after, limit }) =>
      withMappedErrors(async () => {
        // The id is the sort key: ids are time-sortable, so this is creation order.
        checkCursor(after, ID_KEY)
        let query = db
          .selectFrom('promotions')
          .select(COLUMNS)
          .orderBy('id')
          .limit(limit + 1)
        if (after !== undefined) query = query.where('id', '>', after.id)
        return keysetPage(await query.execute(), { limit, sort: 'promotions', position: byId }, toPromotion)
      }),

    countRedemptions: ({ promotionId, customerId }) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('promotion_redemptions')
          .select(sql<string>`count(*)`.as('n'))
          .where('promotion_id', '=', promotionId)
          .where('customer_id', '=', customerId)
          .executeTakeFirstOrThrow()
        return Number(row.n)
      }),

    redeem: ({ promotionId, orderId, customerId, at }) =>
      withMappedErrors(() =>
        transact(db, async (trx): Promise<RedemptionChange> => {
          const locked = await trx
            .selectFrom('promotions')
            .select(['code', 'starts_at', 'ends_at', 'per_customer_limit'])
            .where('id', '=', promotionId)
            .forUpdate()
            .executeTakeFirst()
          if (!locked) throw new NotFoundError('promotion', promotionId)
          const promotionCode = locked.code
          if (locked.starts_at && at < locked.starts_at) {
            throw new PromotionError(
              'promotion.not_yet_valid',
              `Promotion ${promotionCode} is not valid yet`,
              {
                promotionCode,
                startsAt: locked.starts_at,
              },
            )
          }
          if (locked.ends_at && at >= locked.ends_at) {
            throw new PromotionError('promotion.expired', `Promotion ${promotionCode} has expired`, {
              promotionCode,
              endsAt: locked.ends_at,
            })
          }
          if (locked.per_customer_limit !== null && customerId === null) {
            throw new PromotionError(
              'promotion.invalid',
              `Promotion ${promotionCode} needs a signed-in customer`,
              {
                promotionCode,
                reason: 'customer_required',
              },
            )
          }
          const { rows } = await sql<{
            inserted: boolean
            repeat: boolean
            existing_customer_id: string | null
            existing_created_at: Date | string | null
            used: string | number
          }>`
            with existing as (
              select customer_id, created_at from ${table('promotion_redemptions')}
              where promotion_id = ${promotionId} and order_id = ${orderId}
            ), used as (
              select count(*) as n from ${table('promotion_redemptions')}
              where promotion_id = ${promotionId} and customer_id = ${customerId}::text
            ), bumped as (
              update ${table('promotions')} set times_used = times_used + 1
              where id = ${promotionId}
                and not exists (select 1 from existing)
                and (usage_limit is null or times_used < usage_limit)
                and (per_customer_limit is null or (select n from used) < per_customer_limit)
              returning id
            ), inserted as (
              insert into ${table('promotion_redemptions')} (promotion_id, order_id, customer_id, created_at)
              select id, ${orderId}::text, ${customerId}::text, ${at}::timestamptz from bumped
              returning order_id
            )
            select
              exists (select 1 from inserted) as inserted,
              exists (select 1 from existing) as repeat,
              (select customer_id from existing) as existing_customer_id,
              (select created_at from existing) as existing_created_at,
              (select n from used) as used`.execute(trx)
          const outcome = rows[0]!
          if (outcome.inserted) {
            return { redemption: { promotionId, orderId, customerId, createdAt: at }, changed: true }
          }
          if (outcome.repeat) {
            const createdAt = outcome.existing_created_at!
            return {
              redemption: {
                promotionId,
                orderId,
                customerId: outcome.existing_customer_id,
                createdAt: createdAt instanceof Date ? createdAt : new Date(createdAt),
              },
              changed: false,
            }
          }
          const perCustomer =
            locked.per_customer_limit !== null && Number(outcome.used) >= locked.per_customer_limit
          throw new PromotionError(
            'promotion.exhausted',
            perCustomer
              ? `Promotion ${promotionCode} has been used up for this customer`
              : `Promotion ${promotionCode} has been used up`,
            { promotionCode, limit: perCustomer ? 'per_customer' : 'total' },
          )
        }),
      ),

    releaseRedemption: (orderId) =>
      withMappedErrors(async () => {
        // Delete and give back in one statement: a concurrent second release deletes nothing.
        const { rows } = await sql<{ released: string | number }>`
          with gone as (
            delete from ${table('promotion_redemptions')} where order_id = ${orderId}
            returning promotion_id
          ), counts as (
            select promotion_id, count(*) as n from gone group by promotion_id
          ), given_back as (
            update ${table('promotions')} as p set times_used = p.times_used - counts.n
            from counts where p.id = counts.promotion_id
            returning p.id
          )
          select coalesce(sum(n), 0) as released from counts`.execute(db)
        return { released: Number(rows[0]?.released ?? 0) }
      }),
  }
}
