import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'

/** What a promotion takes off. */
export type PromotionKind = 'percentage' | 'fixed' | 'free_shipping'

interface PromotionBase {
  readonly id: string
  /** What customers type; stored and matched upper case (`summer10` finds `SUMMER10`). */
  readonly code: string
  /** The subtotal (before discounts) a cart must reach; null for none. Fixes the currency. */
  readonly minSubtotal: Money | null
  /** First moment the code works; null for "already". */
  readonly startsAt: Date | null
  /** First moment the code no longer works (exclusive); null for "never". */
  readonly endsAt: Date | null
  /** Redemptions allowed over all customers; null for unlimited. */
  readonly usageLimit: number | null
  /** Redemptions allowed per customer; null for unlimited. Guests cannot use a code that has one. */
  readonly perCustomerLimit: number | null
  /** Redemptions so far (orders placed with it and not released). */
  readonly timesUsed: number
  readonly createdAt: Date
}

/** `percent` % off the subtotal, e.g. `'10'` or `'12.5'` (above 0, at most 100). */
export interface PercentagePromotion extends PromotionBase {
  readonly kind: 'percentage'
  readonly percent: string
}

/** A fixed amount off the subtotal (never more than the subtotal); only for carts in its currency. */
export interface FixedPromotion extends PromotionBase {
  readonly kind: 'fixed'
  readonly amount: Money
}

/** Shipping costs nothing. */
export interface FreeShippingPromotion extends PromotionBase {
  readonly kind: 'free_shipping'
}

export type Promotion = PercentagePromotion | FixedPromotion | FreeShippingPromotion

/** One use of a promotion by one order. */
export interface Redemption {
  readonly promotionId: string
  readonly orderId: string
  readonly customerId: string | null
  readonly createdAt: Date
}

/** What a promotion takes off one cart, as `evaluatePromotion` allocates it. */
export interface PromotionDiscount {
  readonly promotionId: string
  readonly code: string
  readonly kind: PromotionKind
  /**
   * The discount of each line, same ids and order as the input. Allocated from the order-level
   * discount by the largest-remainder method in proportion to line subtotals, so they sum exactly
   * to `linesTotal` and no line is discounted below zero.
   */
  readonly lines: readonly { readonly id: string; readonly discount: Money }[]
  /** Sum of the line discounts. */
  readonly linesTotal: Money
  /** Taken off shipping (free shipping); zero otherwise. */
  readonly shippingDiscount: Money
  /** `linesTotal + shippingDiscount`: what the customer saves. */
  readonly total: Money
}

/** The currency a promotion is tied to (by its fixed amount or minimum), or null for any currency. */
export function promotionCurrency(promotion: Promotion): CurrencyCode | null {
  if (promotion.kind === 'fixed') return promotion.amount.currency
  return promotion.minSubtotal?.currency ?? null
}
