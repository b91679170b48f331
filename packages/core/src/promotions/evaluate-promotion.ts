import { allocate } from '../money/allocate.js'
import { add, type Money, min, money, sum, zero } from '../money/money.js'
import { applyRate } from '../money/rate.js'
import type { RoundingMode } from '../money/rounding.js'
import { parseInput } from '../validation/parse-input.js'
import { PromotionError } from './promotion-error.js'
import { type PromotionContext, promotionContextSchema, promotionSchema } from './promotion-schemas.js'
import { type Promotion, type PromotionDiscount, promotionCurrency } from './promotion-types.js'

/**
 * How a percentage discount is rounded to minor units: half up, so 10 % of 0.05 is 0.01 (the
 * customer-friendly reading most shops print). The line shares are then exact by allocation.
 */
export const PERCENT_DISCOUNT_ROUNDING: RoundingMode = 'half-up'

/**
 * Checks that `promotion` applies to a cart and works out what it takes off, without touching
 * storage (the store's `redeem` enforces the usage limits for real, under concurrency).
 *
 * Checks, in order: the validity window (`startsAt` ≤ now < `endsAt`), the currency (a fixed
 * amount or a minimum ties a code to one currency), the usage limit as last read, the per-customer
 * limit (guests cannot use a code that has one; `customerRedemptions`, when given, is compared with
 * it), then the minimum subtotal (before discounts). Each failure is a {@link PromotionError}.
 *
 * Discounts: percentage → `percent` of the subtotal rounded half up; fixed → the amount, capped at
 * the subtotal; free shipping → the whole shipping price. A line discount is then allocated to the
 * lines in proportion to their subtotals by the largest-remainder method, so the line discounts sum
 * exactly to the order discount and none exceeds its line. Throws `ValidationError` for malformed
 * input.
 */
export function evaluatePromotion(promotion: Promotion, context: PromotionContext): PromotionDiscount {
  parseInput(promotionSchema, promotion, 'promotion')
  const { currency, lines, shipping, customerId, customerRedemptions, now } = parseInput(
    promotionContextSchema,
    context,
    'promotion context',
  )
  const code = promotion.code
  if (promotion.startsAt && now < promotion.startsAt) {
    throw new PromotionError('promotion.not_yet_valid', `Promotion ${code} is not valid yet`, {
      promotionCode: code,
      startsAt: promotion.startsAt,
    })
  }
  if (promotion.endsAt && now >= promotion.endsAt) {
    throw new PromotionError('promotion.expired', `Promotion ${code} has expired`, {
      promotionCode: code,
      endsAt: promotion.endsAt,
    })
  }
  const tiedTo = promotionCurrency(promotion)
  if (tiedTo !== null && tiedTo !== currency) {
    throw new PromotionError('promotion.invalid', `Promotion ${code} applies to ${tiedTo} carts only`, {
      promotionCode: code,
      reason: 'currency_mismatch',
    })
  }
  if (promotion.usageLimit !== null && promotion.timesUsed >= promotion.usageLimit) {
    throw new PromotionError('promotion.exhausted', `Promotion ${code} has been used up`, {
      promotionCode: code,
      limit: 'total',
    })
  }
  if (promotion.perCustomerLimit !== null) {
    if (customerId === null) {
      throw new PromotionError('promotion.invalid', `Promotion ${code} needs a signed-in customer`, {
        promotionCode: code,
        reason: 'customer_required',
      })
    }
    if (customerRedemptions !== undefined && customerRedemptions >= promotion.perCustomerLimit) {
      throw new PromotionError(
        'promotion.exhausted',
        `Promotion ${code} has been used up for this customer`,
        {
          promotionCode: code,
          limit: 'per_customer',
        },
      )
    }
  }
  const subtotals = lines.map((line) => money(line.subtotal.amount, currency))
  const subtotal = sum(subtotals, currency)
  if (promotion.minSubtotal && subtotal.amount < promotion.minSubtotal.amount) {
    throw new PromotionError(
      'promotion.minimum_not_met',
      `Promotion ${code} needs a subtotal of at least ${promotion.minSubtotal.amount} minor units`,
      { promotionCode: code, minimum: promotion.minSubtotal, subtotal },
    )
  }

  let linesTotal = zero(currency)
  let shippingDiscount = zero(currency)
  switch (promotion.kind) {
    case 'percentage':
      linesTotal = applyRate(subtotal, promotion.percent, PERCENT_DISCOUNT_ROUNDING)
      break
    case 'fixed':
      linesTotal = min(money(promotion.amount.amount, currency), subtotal)
      break
    case 'free_shipping':
      if (shipping) shippingDiscount = money(shipping.amount, currency)
      break
    default:
      return promotion satisfies never
  }
  const shares: Money[] =
    subtotal.amount === 0
      ? subtotals.map(() => zero(currency))
      : allocate(
          linesTotal,
          subtotals.map((s) => s.amount),
        )
  return {
    promotionId: promotion.id,
    code,
    kind: promotion.kind,
    lines: lines.map((line, index) => ({ id: line.id, discount: shares[index]! })),
    linesTotal,
    shippingDiscount,
    total: add(linesTotal, shippingDiscount),
  }
}
