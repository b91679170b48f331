import { type Money, zero } from '../money/money.js'
import type { ShippingRateRequest } from '../ports/shipping-rate-provider.js'
import type { ShippingMethod } from './shipping-types.js'

/** Total parcel weight in grams: the sum of quantity × unit weight over the items. */
export function parcelWeightGrams(items: ShippingRateRequest['items']): number {
  // Summed as bigint: the quote schema bounds each term, but a caller of this helper may not.
  const grams = items.reduce((total, item) => total + BigInt(item.quantity) * BigInt(item.weightGrams), 0n)
  return grams > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(grams)
}

/**
 * What `method` charges for the request, or null when it cannot serve it: its currency differs from
 * the subtotal's, or (weight tables) the parcel is heavier than the last bracket. Pure.
 */
export function priceShippingMethod(
  method: ShippingMethod,
  request: Pick<ShippingRateRequest, 'items' | 'subtotal'>,
): Money | null {
  if (method.currency !== request.subtotal.currency) return null
  switch (method.kind) {
    case 'flat':
      return method.price
    case 'free_over':
      return request.subtotal.amount >= method.threshold.amount ? zero(method.currency) : method.price
    case 'weight_table': {
      const grams = parcelWeightGrams(request.items)
      return method.brackets.find((bracket) => grams <= bracket.upToGrams)?.price ?? null
    }
    default:
      return method satisfies never
  }
}
