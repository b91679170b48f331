import { CommerceError, type CommerceErrorCode } from '../errors/commerce-error.js'
import type { Money } from '../money/money.js'

export type PromotionErrorCode = Extract<CommerceErrorCode, `promotion.${string}`>

export type PromotionErrorDetails = {
  /** The code as the customer gave it (or the promotion id when only that is known). */
  readonly promotionCode: string
  /** For `promotion.invalid`: why the code cannot be used at all. */
  readonly reason?: 'unknown_code' | 'currency_mismatch' | 'customer_required'
  /** For `promotion.exhausted`: which limit was reached. */
  readonly limit?: 'total' | 'per_customer'
  /** For `promotion.minimum_not_met`. */
  readonly minimum?: Money
  readonly subtotal?: Money
  /** For `promotion.not_yet_valid` and `promotion.expired`. */
  readonly startsAt?: Date
  readonly endsAt?: Date
}

/**
 * A promo code cannot be applied: `promotion.invalid` (unknown, wrong currency, needs a signed-in
 * customer), `promotion.not_yet_valid`, `promotion.expired`, `promotion.minimum_not_met` or
 * `promotion.exhausted` (usage limit, total or per customer). Nothing was changed.
 */
export class PromotionError extends CommerceError<PromotionErrorDetails> {
  constructor(code: PromotionErrorCode, message: string, details: PromotionErrorDetails) {
    super(code, message, details)
  }
}
