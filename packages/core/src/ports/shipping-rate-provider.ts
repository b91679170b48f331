import type { Money } from '../money/money.js'

export interface ShippingDestination {
  /** ISO 3166-1 alpha-2. */
  readonly country: string
  /** ISO 3166-2 subdivision code without the country, e.g. `CA` for California. */
  readonly region?: string
  readonly postalCode?: string
}

export interface ShippingRateRequest {
  readonly destination: ShippingDestination
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly weightGrams: number }[]
  readonly subtotal: Money
}

export interface ShippingRate {
  readonly methodId: string
  readonly name: string
  readonly carrier: string | null
  readonly price: Money
  /** Business days from dispatch. */
  readonly estimatedDays: { readonly min: number; readonly max: number }
}

/** A source of shipping rates: Souk's zone tables, or a carrier's API. */
export interface ShippingRateProvider {
  readonly id: string
  quote(request: ShippingRateRequest): Promise<ShippingRate[]>
}
