import type { Money } from '../money/money.js'
import type { CursorPage } from '../pagination/cursor-page.js'

/**
 * A price for one variant in one currency, in force from `startsAt` (inclusive) until `endsAt`
 * (exclusive; null: until cancelled). Windows of one variant and currency never overlap: the store
 * refuses a schedule that would overlap another, so at any instant at most one is in force.
 */
export interface PriceSchedule {
  /** `psch_<ulid>`. */
  readonly id: string
  readonly sku: string
  readonly variantId: string
  readonly productId: string
  readonly price: Money
  readonly startsAt: Date
  readonly endsAt: Date | null
  readonly createdAt: Date
}

/** One page of `listPriceSchedules`, by `startsAt` then id. */
export type PriceSchedulePage = CursorPage<PriceSchedule>
