import { CommerceError } from '../errors/commerce-error.js'
import type { ShippingDestination } from '../ports/shipping-rate-provider.js'

/**
 * The chosen shipping method cannot serve this request: unknown, inactive, not offered to the
 * destination, in another currency, or the parcel is too heavy for it. Nothing was changed.
 */
export class ShippingUnavailableError extends CommerceError<{
  methodId: string
  destination: ShippingDestination
}> {
  constructor(methodId: string, destination: ShippingDestination) {
    const where = destination.region ? `${destination.country}-${destination.region}` : destination.country
    super('shipping.method_unavailable', `Shipping method ${methodId} is not available for ${where}`, {
      methodId,
      destination,
    })
  }
}

/**
 * A rate provider threw or answered malformed rates. Thrown by `quote` only when every provider
 * failed; otherwise the failure is logged and the other providers' rates are returned.
 */
export class ShippingProviderError extends CommerceError<{ providerId: string }> {
  constructor(providerId: string, message: string, options?: { cause?: unknown }) {
    super(
      'shipping.provider_failed',
      `Shipping provider ${providerId} failed: ${message}`,
      { providerId },
      options,
    )
  }
}
