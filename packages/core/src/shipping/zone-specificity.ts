import type { ShippingDestination } from '../ports/shipping-rate-provider.js'
import type { ShippingZone } from './shipping-types.js'

/** How closely a zone fits a destination; higher wins. */
export const ZONE_MATCH = { anyCountry: 0, country: 1, region: 2 } as const

/**
 * How specifically `zone` covers `destination`: by region (2), by whole country (1), as "rest of
 * world" (0), or null when it does not cover it. When a zone lists regions of the destination's
 * country, only those regions are covered; other countries of the zone stay covered whole.
 */
export function zoneSpecificity(zone: ShippingZone, destination: ShippingDestination): number | null {
  const country = destination.country.toUpperCase()
  const prefix = `${country}-`
  const regions = zone.regions.filter((region) => region.startsWith(prefix))
  if (regions.length > 0) {
    const region = destination.region?.toUpperCase()
    return region !== undefined && regions.includes(prefix + region) ? ZONE_MATCH.region : null
  }
  if (zone.countries.includes(country)) return ZONE_MATCH.country
  if (zone.countries.includes('*')) return ZONE_MATCH.anyCountry
  return null
}
