import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'
import type { PromotionDiscount } from '../promotions/promotion-types.js'

/** One priced line of {@link Totals}. */
export interface TotalsLine {
  readonly id: string
  readonly quantity: number
  readonly unitPrice: Money
  /** `unitPrice × quantity`. */
  readonly subtotal: Money
  /** This line's share of the promotion's discount. */
  readonly discount: Money
  /** Tax on `subtotal − discount`, rounded for this line alone; contained in it when inclusive. */
  readonly tax: Money
  /** The percent the tax was computed at. */
  readonly taxRate: string
  /** What the customer pays for the line: `subtotal − discount`, plus `tax` unless inclusive. */
  readonly total: Money
}

/**
 * A priced cart or order. Identities that always hold exactly, in minor units:
 * - `total = Σ lines.total + shippingTotal + (taxInclusive ? 0 : shippingTax)`
 * - `total = subtotal − discountTotal + shippingTotal + (taxInclusive ? 0 : taxTotal)`
 * - `taxTotal = Σ lines.tax + shippingTax`, `discountTotal = Σ lines.discount ≤ subtotal`
 */
export interface Totals {
  readonly currency: CurrencyCode
  readonly lines: readonly TotalsLine[]
  /** Σ line subtotals, before discounts. */
  readonly subtotal: Money
  /** Σ line discounts (a free-shipping discount is in `shippingDiscount`, not here). */
  readonly discountTotal: Money
  /** What shipping is charged before tax: the rate minus `shippingDiscount`. */
  readonly shippingTotal: Money
  /** Taken off the shipping rate by a free-shipping promotion. */
  readonly shippingDiscount: Money
  /** Tax on `shippingTotal`; contained in it when inclusive. */
  readonly shippingTax: Money
  /** Σ line taxes + shipping tax; when inclusive, the tax the total contains. */
  readonly taxTotal: Money
  /** What the customer pays. */
  readonly total: Money
  /** Σ line quantities. */
  readonly itemCount: number
  /** True when prices contained the tax (it was extracted), false when it was added. */
  readonly taxInclusive: boolean
  /** The applied promotion's allocation, or null. */
  readonly promotion: PromotionDiscount | null
}
