import type { Address } from '../customers/address-schemas.js'
import type { Money } from '../money/money.js'
import type { ShippingQuote } from '../shipping/shipping-types.js'

/** What the catalog tells the cart about a SKU it may sell. */
export interface SellableVariant {
  readonly sku: string
  readonly productId: string
  readonly variantId: string
  readonly sellerId: string | null
  /** Product name with the variant's options, e.g. `Tee (M, red)`. */
  readonly name: string
  /** Only `active` products can be added or bought. */
  readonly status: 'draft' | 'active' | 'archived'
  /** Price in force in the requested currency; null when the variant has none in it. */
  readonly price: Money | null
  /** What to show struck through beside `price` (compare-at, or the regular price during a sale). Default null. */
  readonly wasPrice?: Money | null
  readonly weightGrams: number
}

/** Looks up variants by SKU for one currency, in one round trip. Unknown SKUs are absent. */
export type VariantLookup = (skus: readonly string[], currency: string) => Promise<SellableVariant[]>

export interface CartLineView {
  readonly sku: string
  readonly quantity: number
  readonly productId: string
  readonly variantId: string
  readonly sellerId: string | null
  readonly name: string
  readonly weightGrams: number
  /** Current price: carts always show today's price; checkout snapshots it. */
  readonly unitPrice: Money
  /**
   * The unit's was-price to show struck through: the variant's compare-at price, or its regular
   * price while a scheduled price is in force; null unless above the price.
   */
  readonly wasPrice: Money | null
  readonly subtotal: Money
  readonly discount: Money
  readonly tax: Money
  readonly total: Money
}

export interface CartTotals {
  readonly subtotal: Money
  readonly discountTotal: Money
  readonly shippingTotal: Money
  readonly taxTotal: Money
  readonly total: Money
  /** Units over all lines. */
  readonly itemCount: number
}

/** A cart as callers see it: current prices, totals, and what blocks checkout. */
export interface CartView {
  readonly id: string
  readonly customerId: string | null
  readonly currency: string
  readonly email: string | null
  readonly lines: readonly CartLineView[]
  readonly promoCode: string | null
  readonly shippingAddress: Address | null
  readonly shippingMethodId: string | null
  readonly totals: CartTotals
  /** The order checkout made from this cart; such a cart is read-only. Null while shopping. */
  readonly orderId: string | null
  /** Lines whose SKU can no longer be sold (unknown, not active, or no price in the currency). */
  readonly unavailableSkus: readonly string[]
  /** Why the cart's promo code does not apply right now (e.g. minimum not met), or null. */
  readonly promotionError: { readonly code: string; readonly message: string } | null
  /**
   * The chosen shipping method's quote for this cart and address (price, carrier, delivery dates):
   * what `totals.shippingTotal` holds. Null when no method is chosen or it cannot be priced; then
   * `shippingError` says why when a method was chosen.
   */
  readonly shippingQuote: ShippingQuote | null
  /**
   * Every method that can ship this cart to its shipping address, cheapest first (as
   * `commerce.shipping.quote` answers). Empty without an address or items.
   */
  readonly shippingOptions: readonly ShippingQuote[]
  /**
   * Why the chosen shipping method is not in the totals, with the code checkout would throw:
   * `shipping.method_unavailable` (it does not serve this address or parcel),
   * `validation.failed` (no shipping address yet) or `shipping.provider_failed`. Null when the
   * method is priced or none is chosen. A shipping total of 0 with an error here is not free
   * shipping: checkout refuses the cart until the method or the address changes.
   */
  readonly shippingError: {
    readonly code: 'shipping.method_unavailable' | 'shipping.provider_failed' | 'validation.failed'
    readonly message: string
  } | null
  readonly version: number
  readonly updatedAt: Date
  readonly expiresAt: Date
}
