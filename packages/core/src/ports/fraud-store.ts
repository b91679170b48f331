import type { FraudReason } from './fraud-check.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/** Where staff review of a held order stands. */
export type OrderReviewStatus = 'pending' | 'approved' | 'rejected'

/** The fraud review of one order, as flagged at checkout and decided by staff. */
export interface OrderReview {
  readonly orderId: string
  readonly status: OrderReviewStatus
  /** Why checkout flagged it. */
  readonly reasons: readonly FraudReason[]
  readonly flaggedAt: Date
  /** When the order was held (its payment went through); null while it still awaits payment. */
  readonly heldAt: Date | null
  /** The stock hold lasts until then; a held order still undecided at that time is rejected by recovery. */
  readonly holdUntil: Date
  readonly decidedAt: Date | null
  /** Who decided (the staff member as the host names them). */
  readonly decidedBy: string | null
  readonly note: string | null
}

/**
 * Storage of the fraud hook: velocity counts and order reviews. Contract: `@souk/core/testing`'s
 * `fraudStoreSuite`.
 *
 * Holding and deciding a review happen in `storage.checkout.finish` (the same statement that moves
 * the order): finishing a flagged order `pending_payment → confirmed` holds it instead
 * (`held_for_review`, review `heldAt` set, its reservation extended to `holdUntil`), and finishing
 * `held_for_review → confirmed | cancelled` marks the review `approved | rejected`.
 */
export interface FraudStore {
  /**
   * Records attempt `attemptKey` at `at` against each subject digest and returns, per subject in
   * order, how many attempts it has in `(at - windowMs, at]` counting only attempts recorded before
   * this one, plus this one. A second call with the same key records nothing and answers the same
   * counts (while those attempts are kept). Race-safe: concurrent calls for one subject are
   * serialized, so N racing attempts see counts 1..N, never the same count twice.
   */
  recordAttempt(input: {
    readonly attemptKey: string
    readonly at: Date
    readonly subjects: readonly { readonly digest: string; readonly windowMs: number }[]
  }): Promise<number[]>
  /**
   * Flags an order (before it exists: checkout flags it, then creates it) for review. Idempotent
   * per order id.
   */
  flag(input: {
    readonly orderId: string
    readonly reasons: readonly FraudReason[]
    readonly holdUntil: Date
    readonly at: Date
  }): Promise<void>
  get(orderId: string): Promise<OrderReview | null>
  /**
   * Orders held for review with their reviews, oldest held first: keyset on (`heldAt`, `orderId`)
   * ascending, `next.sort` `'held_orders'`.
   */
  listHeld(query: { readonly after?: KeysetCursor; readonly limit: number }): Promise<KeysetPage<OrderReview>>
  /** Ids of up to `limit` orders held for review whose `holdUntil` is at or before `at`. */
  listOverdue(query: { readonly at: Date; readonly limit: number }): Promise<string[]>
  /**
   * Deletes attempts recorded before `before`, and flags older than `before` whose order was never
   * created. Returns how many rows went.
   */
  purge(input: { readonly before: Date; readonly limit: number }): Promise<number>
}
