import type { Promotion, Redemption } from '../promotions/promotion-types.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

export interface RedeemInput {
  readonly promotionId: string
  /** The order the code is used for; one redemption per (promotion, order). */
  readonly orderId: string
  /** Null for a guest; required when the promotion has a per-customer limit. */
  readonly customerId: string | null
  /** When the order is placed; checked against the validity window. */
  readonly at: Date
}

/** A promotion as `PromotionStore.update` writes it: everything but its counters and creation time. */
export type PromotionUpdate = Promotion extends infer P
  ? P extends Promotion
    ? Omit<P, 'timesUsed' | 'createdAt'>
    : never
  : never

export interface RedemptionChange {
  readonly redemption: Redemption
  /** False when this order had already redeemed the promotion (an idempotent repeat). */
  readonly changed: boolean
}

/**
 * Persistence of promotions and their redemptions. Usage limits are enforced here, atomically in
 * storage, so they hold under any number of concurrent checkouts in any number of processes.
 * Contract: `@souk/core/testing`'s `promotionStoreSuite`.
 */
export interface PromotionStore {
  /** Stores a new promotion. Throws `ConflictError` when its code (or id) is taken. */
  create(promotion: Promotion): Promise<Promotion>
  get(id: string): Promise<Promotion | null>
  /**
   * Replaces a promotion's editable fields (code, amount or percent, minimum, window, limits);
   * `kind` must be its current kind, and `timesUsed` is never written, so redemptions running at
   * the same time are not lost. Returns the stored promotion, or null for an unknown id. Throws
   * `ConflictError` (details `{ field: 'code' }`) when the code is taken, and (details
   * `{ field: 'usageLimit', timesUsed }`) when `usageLimit` is below the uses already counted at
   * the moment of the write; nothing changes then.
   */
  update(promotion: PromotionUpdate): Promise<Promotion | null>
  /** By upper-case code. */
  getByCode(code: string): Promise<Promotion | null>
  /** Promotions by id (creation order): keyset on `id`, its own sort key; `next.sort` `'promotions'`. */
  list(query: { readonly after?: KeysetCursor; readonly limit: number }): Promise<KeysetPage<Promotion>>
  /** How many live redemptions a customer holds of a promotion. */
  countRedemptions(query: { readonly promotionId: string; readonly customerId: string }): Promise<number>
  /**
   * Records that `orderId` uses the promotion, inside the caller's transaction when the store is
   * one handed out by `Storage.transaction` (so a rollback undoes it). All-or-nothing: the total
   * counter rises only if the total limit and the per-customer limit both still allow it, and the
   * validity window contains `at`. A repeat for the same order changes nothing.
   *
   * Throws `PromotionError`: `promotion.exhausted` (details.limit `total` or `per_customer`),
   * `promotion.not_yet_valid`, `promotion.expired`, `promotion.invalid` (reason
   * `customer_required` for a guest on a per-customer-limited code); `NotFoundError` for an unknown
   * promotion.
   */
  redeem(input: RedeemInput): Promise<RedemptionChange>
  /**
   * Compensation: removes every redemption of `orderId` and gives the uses back to the counters, in
   * one atomic step. Idempotent; returns how many redemptions it removed.
   */
  releaseRedemption(orderId: string): Promise<{ readonly released: number }>
}
