import type { Money } from '../money/money.js'

export interface ShippingDestination {
  /** ISO 3166-1 alpha-2, upper case, e.g. `US`. */
  readonly country: string
  /** ISO 3166-2 subdivision code without the country, e.g. `CA` for California. */
  readonly region?: string
  readonly postalCode?: string
}

export interface ShippingRateRequest {
  readonly destination: ShippingDestination
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly weightGrams: number }[]
  /**
   * The merchandise value that "free over" thresholds compare against, in the cart's currency (the
   * cart passes its subtotal after line discounts). Rates must be in this currency.
   */
  readonly subtotal: Money
}

export interface ShippingRate {
  /** Unique across every provider of one Souk instance: carrier providers should prefix theirs. */
  readonly methodId: string
  readonly name: string
  readonly carrier: string | null
  /** In `request.subtotal`'s currency. */
  readonly price: Money
  /** Business days from the order date (Saturdays and Sundays do not count). */
  readonly estimatedDays: { readonly min: number; readonly max: number }
}

/**
 * A source of shipping rates: Souk's zone tables (`zoneRateProvider`), or a carrier's API. Returns
 * only the rates it can offer for the request (none is an empty array, not an error).
 */
export interface ShippingRateProvider {
  /** Stable and unique among the providers given to `createCommerce`. */
  readonly id: string
  quote(request: ShippingRateRequest): Promise<ShippingRate[]>
}
