import type { ShipmentStatus } from '../ports/shipment-store.js'

/** Every shipment status, in the order a parcel usually goes through them. */
export const SHIPMENT_STATUSES = [
  'label_created',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'failed_attempt',
  'exception',
  'returned_to_sender',
] as const satisfies readonly ShipmentStatus[]

/** Statuses nothing moves a shipment out of: the parcel reached someone, the customer or the shop. */
export const FINAL_SHIPMENT_STATUSES = [
  'delivered',
  'returned_to_sender',
] as const satisfies readonly ShipmentStatus[]

/** Whether `status` is final (`delivered` or `returned_to_sender`). */
export function isFinalShipmentStatus(status: ShipmentStatus): boolean {
  return (FINAL_SHIPMENT_STATUSES as readonly ShipmentStatus[]).includes(status)
}

/**
 * The status a shipment takes when a tracking event arrives. Carriers deliver events late and out
 * of order, so every event is recorded but only some move the shipment:
 * - a final status (`delivered`, `returned_to_sender`) is final: nothing moves a shipment out of it,
 *   not even the other final status, so the first final event wins;
 * - a final event always moves a shipment that is not final yet, even when it is older than an
 *   event already recorded (a late "delivered" scan still delivers);
 * - any other event moves the shipment only when it is not older than the newest event recorded
 *   (`newestAt`, null when there is none); an equal time counts as newer, so the later arrival wins.
 *   Any status may follow any other (carriers go back from `out_for_delivery` to `in_transit` after
 *   a `failed_attempt`), so only time orders them.
 *
 * Storage adapters call it under the shipment's row lock, with `newestAt` read under that lock.
 */
export function nextShipmentStatus(
  current: ShipmentStatus,
  newestAt: Date | null,
  event: { readonly status: ShipmentStatus; readonly occurredAt: Date },
): ShipmentStatus {
  if (isFinalShipmentStatus(current)) return current
  if (isFinalShipmentStatus(event.status)) return event.status
  if (newestAt !== null && event.occurredAt.getTime() < newestAt.getTime()) return current
  return event.status
}
