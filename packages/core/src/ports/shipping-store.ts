import type { ShippingMethod, ShippingZone } from '../shipping/shipping-types.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/** A zone that covers a country, with its active methods. */
export interface ZoneMethods {
  readonly zone: ShippingZone
  /** Active methods only, by id. */
  readonly methods: readonly ShippingMethod[]
}

/**
 * Persistence of shipping zones and methods (shipments have their own store). Contract:
 * `@souk/core/testing`'s `shippingStoreSuite`.
 */
export interface ShippingStore {
  /** Stores a new zone. Throws `ConflictError` when the id exists. */
  createZone(zone: ShippingZone): Promise<ShippingZone>
  getZone(id: string): Promise<ShippingZone | null>
  /** Zones by id: keyset on `id`, its own sort key; `next.sort` `'shipping_zones'`. */
  listZones(query: {
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<ShippingZone>>
  /**
   * Stores a new method. Throws `NotFoundError` (entity `shipping zone`) when its zone does not
   * exist, `ConflictError` when the id exists.
   */
  createMethod(method: ShippingMethod): Promise<ShippingMethod>
  getMethod(id: string): Promise<ShippingMethod | null>
  /**
   * Methods of one zone when `zoneId` is given, active ones only unless `includeInactive`, by id:
   * keyset on `id`, its own sort key; `next.sort` `'shipping_methods'`.
   */
  listMethods(query: {
    readonly zoneId?: string
    readonly includeInactive: boolean
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<ShippingMethod>>
  /**
   * Replaces a zone's name, countries and regions. Returns the stored zone, or null for an unknown
   * id. Its methods stay.
   */
  updateZone(zone: ShippingZone): Promise<ShippingZone | null>
  /**
   * Replaces a method (zone, name, kind, prices, carrier, days, active) in one statement. Returns
   * the stored method, or null for an unknown id. Throws `NotFoundError` (entity `shipping zone`)
   * when its new zone does not exist; nothing changes then.
   */
  updateMethod(method: ShippingMethod): Promise<ShippingMethod | null>
  /**
   * Zones that list `country` or `'*'`, each with its active methods, by zone id, in one round trip.
   * Region rules and specificity are applied by the caller (`zoneSpecificity`), not the store.
   */
  findZoneMethods(country: string): Promise<ZoneMethods[]>
}
