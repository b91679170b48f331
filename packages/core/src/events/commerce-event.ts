import type { CartEvent } from '../cart/cart-events.js'
import type { CatalogEvent } from '../catalog/catalog-events.js'
import type { InventoryEvent } from '../inventory/inventory-events.js'
import type { OrderEvent } from '../orders/order-events.js'

/** Every event Souk publishes, discriminated by `type`. */
export type CommerceEvent = InventoryEvent | CartEvent | OrderEvent | CatalogEvent

export type CommerceEventType = CommerceEvent['type']

/** The event with the given `type`. */
export type EventOf<T extends CommerceEventType> = Extract<CommerceEvent, { type: T }>
