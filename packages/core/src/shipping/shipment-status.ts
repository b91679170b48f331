import type { ShipmentStatus } from '../ports/shipment-store.js'

/**
 * The status a shipment takes when a tracking event arrives. Carriers deliver events late and out
 * of order, so every event is recorded but only some move the shipment:
 * - `delivered` is final: nothing moves a delivered shipment, and a `delivered` event always
 *   delivers, even when it is older than an event already recorded;
 * - any other event moves the shipment only when it is not older than the newest event recorded
 *   (`newestAt`, null when there is none); an equal time counts as newer, so the later arrival wins.
 *
 * Storage adapters call it under the shipment's row lock, with `newestAt` read under that lock.
 */
export function nextShipmentStatus(
  current: ShipmentStatus,
  newestAt: Date | null,
  event: { readonly status: ShipmentStatus; readonly occurredAt: Date },
): ShipmentStatus {
  if (current === 'delivered' || event.status === 'delivered') return 'delivered'
  if (newestAt !== null && event.occurredAt.getTime() < newestAt.getTime()) return current
  return event.status
}
