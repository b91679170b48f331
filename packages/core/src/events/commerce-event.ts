import type { InventoryEvent } from '../inventory/inventory-events.js'

/** Every event Souk publishes, discriminated by `type`. */
export type CommerceEvent = InventoryEvent

export type CommerceEventType = CommerceEvent['type']

/** The event with the given `type`. */
export type EventOf<T extends CommerceEventType> = Extract<CommerceEvent, { type: T }>
