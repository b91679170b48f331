import type { PriceSchedule } from '../pricing/price-schedule-types.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/** A schedule to insert: the store finds the variant and product by `sku`. */
export interface NewPriceSchedule {
  readonly id: string
  readonly sku: string
  readonly price: PriceSchedule['price']
  readonly startsAt: Date
  readonly endsAt: Date | null
  readonly createdAt: Date
}

export interface PriceScheduleQuery {
  readonly sku?: string
  readonly productId?: string
  /** Only schedules whose end is after this instant (or that never end). */
  readonly endingAfter?: Date
  /** Continue after this row (sort `price_schedules`: key is `startsAt` as exact text). */
  readonly after?: KeysetCursor
  readonly limit: number
}

/**
 * Scheduled prices per variant and currency. Catalog reads and checkout read them with the
 * catalog's own queries; this port writes and lists them. Contract: `@souk/core/testing`'s
 * `priceScheduleStoreSuite`.
 */
export interface PriceScheduleStore {
  /**
   * Inserts a schedule under a lock on its variant, so two overlapping schedules racing for one
   * variant cannot both land. Throws `NotFoundError('sku')` for an unknown SKU, `ValidationError`
   * (path `price.currency`) when the variant has no regular price in that currency, and
   * `ConflictError` (details `{ field: 'window', scheduleId }`) when the window overlaps another
   * schedule of the variant in that currency. Returns the stored schedule.
   */
  insert(schedule: NewPriceSchedule): Promise<PriceSchedule>
  /** A page by `startsAt`, then id. */
  list(query: PriceScheduleQuery): Promise<KeysetPage<PriceSchedule>>
  /** Deletes the schedule and returns it; null when there is none with this id. */
  delete(input: { readonly id: string }): Promise<PriceSchedule | null>
}
