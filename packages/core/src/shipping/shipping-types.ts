import type { CurrencyCode } from '../money/currencies.js'
import type { Money } from '../money/money.js'
import type { ShippingRate } from '../ports/shipping-rate-provider.js'

/**
 * Where a set of shipping methods applies. A destination is in a zone when its country is listed
 * (or the zone lists `'*'`, "rest of world") and, if the zone lists regions of that country, its
 * region is one of them. Regions narrow only the countries they belong to: a zone of `US` and `CA`
 * with regions `US-AK`, `US-HI` covers Alaska, Hawaii and all of Canada.
 */
export interface ShippingZone {
  readonly id: string
  readonly name: string
  /** ISO 3166-1 alpha-2 codes, upper case; `'*'` matches any country. */
  readonly countries: readonly string[]
  /** ISO 3166-2 codes with their country, e.g. `US-CA`. Empty: whole countries. */
  readonly regions: readonly string[]
}

/** How a method's price is made. */
export type ShippingMethodKind = 'flat' | 'free_over' | 'weight_table'

/** One row of a weight table: parcels up to `upToGrams` (inclusive) cost `price`. */
export interface WeightBracket {
  readonly upToGrams: number
  readonly price: Money
}

interface ShippingMethodBase {
  readonly id: string
  readonly zoneId: string
  /** Shown to the customer, e.g. "Standard". */
  readonly name: string
  /** E.g. "DHL"; null when the shop does not name one. */
  readonly carrier: string | null
  /** Every price of the method is in this currency; it is offered only to carts in it. */
  readonly currency: CurrencyCode
  /** Business days from the order date to delivery. */
  readonly estimatedDays: { readonly min: number; readonly max: number }
  /** Inactive methods are kept (orders refer to them) but never quoted. */
  readonly active: boolean
}

/** The same price for every parcel. */
export interface FlatShippingMethod extends ShippingMethodBase {
  readonly kind: 'flat'
  readonly price: Money
}

/** Free when the subtotal reaches `threshold`, else `price`. */
export interface FreeOverShippingMethod extends ShippingMethodBase {
  readonly kind: 'free_over'
  readonly price: Money
  readonly threshold: Money
}

/**
 * Priced by total weight: the first bracket (ascending `upToGrams`) the parcel fits. Parcels
 * heavier than the last bracket are not offered this method.
 */
export interface WeightTableShippingMethod extends ShippingMethodBase {
  readonly kind: 'weight_table'
  readonly brackets: readonly WeightBracket[]
}

export type ShippingMethod = FlatShippingMethod | FreeOverShippingMethod | WeightTableShippingMethod

/** A rate as `commerce.shipping.quote` returns it: which provider offered it, and delivery dates. */
export interface ShippingQuote extends ShippingRate {
  /** The `id` of the provider that offered the rate (`'zones'` for Souk's own tables). */
  readonly providerId: string
  /**
   * Calendar dates (UTC, `YYYY-MM-DD`) of the earliest and latest expected delivery: the order date
   * plus `estimatedDays` business days, Saturdays and Sundays skipped.
   */
  readonly estimatedDelivery: { readonly earliest: string; readonly latest: string }
}
