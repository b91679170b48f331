/**
 * Where a parcel is, in the words carriers use. A shipment starts at `label_created` (the shop made
 * the parcel and its label); `delivered` and `returned_to_sender` are final. Stored data written
 * before these statuses said `shipped` for `label_created` (migration 014 rewrote it).
 */
export type ShipmentStatus =
  | 'label_created'
  | 'picked_up'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  | 'failed_attempt'
  | 'exception'
  | 'returned_to_sender'

export interface TrackingEvent {
  readonly id: string
  readonly status: ShipmentStatus
  readonly description: string
  readonly location: string | null
  readonly occurredAt: Date
}

export interface Shipment {
  readonly id: string
  readonly orderId: string
  readonly carrier: string
  readonly trackingNumber: string
  readonly status: ShipmentStatus
  readonly lines: readonly { readonly orderLineId: string; readonly quantity: number }[]
  readonly tracking: readonly TrackingEvent[]
  readonly shippedAt: Date
  readonly deliveredAt: Date | null
}

/** Shipments of orders, with their lines and tracking events. */
export interface ShipmentStore {
  /** Stores a parcel atomically; throws `ValidationError` when a line would ship more than was ordered. */
  insert(shipment: Omit<Shipment, 'tracking' | 'deliveredAt'>): Promise<Shipment>
  get(id: string): Promise<Shipment | null>
  /** Oldest first. */
  listByOrder(orderId: string): Promise<Shipment[]>
  /** Units already shipped per order line. */
  shippedQuantities(orderId: string): Promise<Map<string, number>>
  /**
   * Appends `event` to shipment `shipmentId` and, under a lock on the shipment, moves it as
   * `nextShipmentStatus` says: an event older than the newest recorded never moves it back, and a
   * shipment in a final status (`delivered`, `returned_to_sender`) stays there. Moving to
   * `delivered` sets deliveredAt to the event's `occurredAt`.
   */
  addTrackingEvent(input: { shipmentId: string; event: TrackingEvent }): Promise<Shipment>
}
