/** The location used when a call names none. */
export const DEFAULT_LOCATION_ID = 'default'

/** Per-SKU inventory settings. A SKU gets default settings the first time stock is set for it. */
export interface InventoryItem {
  readonly sku: string
  /** Untracked SKUs (digital goods, services) are never short and hold no stock. Default true. */
  readonly tracked: boolean
  /** Backorderable SKUs may be reserved past what is on hand. Default false. */
  readonly allowBackorder: boolean
  /** Available quantity at or below which `inventory.low_stock` fires. Default null (never). */
  readonly lowStockThreshold: number | null
}

/** A stock location (warehouse, store). Lower `priority` is preferred by the default allocation. */
export interface Location {
  readonly id: string
  readonly name: string
  readonly priority: number
}

/** Stock of one SKU at one location. `available = onHand - reserved`, negative only when backordered. */
export interface StockLevel {
  readonly sku: string
  readonly locationId: string
  readonly onHand: number
  readonly reserved: number
  readonly available: number
}

export interface ReservationLine {
  readonly sku: string
  readonly quantity: number
}

/** Where a reserved quantity is held. Untracked SKUs have no allocation. */
export interface Allocation {
  readonly sku: string
  readonly locationId: string
  readonly quantity: number
}

export type ReservationStatus = 'active' | 'committed' | 'released' | 'expired'

export interface Reservation {
  readonly id: string
  /** Free-form link to what the hold is for, e.g. an order or cart id. */
  readonly reference: string | null
  readonly status: ReservationStatus
  /** One line per SKU, quantities summed. */
  readonly lines: readonly ReservationLine[]
  readonly allocations: readonly Allocation[]
  readonly expiresAt: Date
  readonly createdAt: Date
  /** When it was committed, released or expired. */
  readonly closedAt: Date | null
}
