import type { ShippingRate, ShippingRateProvider } from '../ports/shipping-rate-provider.js'
import type { ShippingStore } from '../ports/shipping-store.js'
import { priceShippingMethod } from './price-shipping-method.js'
import { zoneSpecificity } from './zone-specificity.js'

/** The id of the built-in provider, as it appears in quotes' `providerId`. */
export const ZONE_RATE_PROVIDER_ID = 'zones'

/**
 * Souk's built-in rates: the active methods of the zones that cover the destination most
 * specifically (a region zone beats a whole-country zone, which beats a `'*'` zone; every zone at
 * the best level contributes), priced by `priceShippingMethod`. Methods that cannot serve the
 * request (another currency, too heavy for the weight table) are left out.
 */
export function zoneRateProvider(store: ShippingStore): ShippingRateProvider {
  return {
    id: ZONE_RATE_PROVIDER_ID,
    async quote(request) {
      const candidates = await store.findZoneMethods(request.destination.country)
      const matched = candidates
        .map((entry) => ({ ...entry, level: zoneSpecificity(entry.zone, request.destination) }))
        .filter((entry): entry is typeof entry & { level: number } => entry.level !== null)
      const best = Math.max(...matched.map((entry) => entry.level))
      const rates: ShippingRate[] = []
      for (const { methods, level } of matched) {
        if (level !== best) continue
        for (const method of methods) {
          if (!method.active) continue
          const price = priceShippingMethod(method, request)
          if (price === null) continue
          rates.push({
            methodId: method.id,
            name: method.name,
            carrier: method.carrier,
            price,
            estimatedDays: method.estimatedDays,
          })
        }
      }
      return rates
    },
  }
}
