import type {
  Allocation,
  InventoryItem,
  Location,
  Reservation,
  ReservationLine,
  StockLevel,
} from '../inventory/inventory-types.js'

export interface AllocationSnapshot {
  readonly items: readonly InventoryItem[]
  readonly levels: readonly StockLevel[]
  readonly locations: readonly Location[]
}

export interface NewReservation {
  readonly id: string
  readonly reference: string | null
  readonly lines: readonly ReservationLine[]
  readonly allocations: readonly Allocation[]
  readonly expiresAt: Date
  readonly createdAt: Date
}

/** The state after a mutation, so the service can publish stock events without another read. */
export interface StockChange {
  /** Available stock per SKU summed over all locations, after the change. */
  readonly availableAfter: ReadonlyMap<string, number>
}

export interface ReservationChange extends StockChange {
  readonly reservation: Reservation
  /** False when the call found the reservation already in the target state (idempotent repeat). */
  readonly changed: boolean
}

export interface LevelChange extends StockChange {
  readonly level: StockLevel
  /** On hand at that location before the change. */
  readonly previousOnHand: number
}

/**
 * Persistence of stock levels and reservations. Every counter change happens atomically inside the
 * store (conditional update or row locks in a fixed order); the service never writes a counter it
 * read. Contract: `@souk/core/testing`'s `inventoryStoreSuite`.
 */
export interface InventoryStore {
  /** Creates or updates a SKU's settings; missing fields keep their current (or default) values. */
  upsertItem(item: Partial<InventoryItem> & { readonly sku: string }): Promise<InventoryItem>
  /** Settings of the given SKUs that exist; unknown SKUs are absent from the result. */
  getItems(skus: readonly string[]): Promise<InventoryItem[]>
  /** Creates or renames a location; `priority` defaults to 100 when new and is kept when omitted on update. */
  upsertLocation(location: Omit<Location, 'priority'> & { readonly priority?: number }): Promise<Location>
  /** All locations, by priority then id. */
  listLocations(): Promise<Location[]>
  /**
   * Sets on hand at a location, creating the SKU and location when missing. Throws
   * `InsufficientStockError` when `onHand` is below what is reserved there (unless backorderable).
   */
  setOnHand(input: { sku: string; locationId: string; onHand: number; at: Date }): Promise<LevelChange>
  /**
   * Adds `delta` to on hand in one statement. Throws `InsufficientStockError` when the result would
   * be negative or below reserved (unless backorderable), and `NotFoundError` for an unknown level.
   * `reason` goes into the durable `inventory.adjusted` a store with an outbox writes with the
   * change; default `'restock'` (an order's cancellation or return).
   */
  adjustOnHand(input: {
    sku: string
    locationId: string
    delta: number
    reason?: string
    at: Date
  }): Promise<LevelChange>
  /** Levels of the given SKUs at every location; SKUs without stock are absent. */
  getLevels(skus: readonly string[]): Promise<StockLevel[]>
  /**
   * What allocation plans from, read in one round trip: the SKUs' settings, their levels, and the
   * locations those levels are at (most preferred first). Unknown SKUs are absent from `items`.
   */
  getAllocationSnapshot(skus: readonly string[]): Promise<AllocationSnapshot>
  /**
   * Applies a planned reservation all-or-nothing: every allocation's quantity is re-checked against
   * available stock as it is taken, in a fixed (sku, location) order so concurrent reservations
   * never deadlock. Throws `InsufficientStockError` (nothing changed) when any allocation no
   * longer fits.
   */
  createReservation(reservation: NewReservation): Promise<StockChange>
  /**
   * Optional, for stores that can plan inside the database: reserves with the default allocation
   * (`defaultAllocationStrategy`'s rules), planned from the counters it locks in the same atomic
   * step, so a reservation is one round trip and its plan is never stale. Throws like
   * `createReservation`, and `NotFoundError('sku')` for a SKU without inventory settings. Returns
   * the plan, the stock after it, and the settings of the SKUs. Without it the service plans from
   * `getAllocationSnapshot` and applies with `createReservation`.
   */
  reserveWithDefaultAllocation?(reservation: Omit<NewReservation, 'allocations'>): Promise<{
    readonly allocations: readonly Allocation[]
    readonly change: StockChange
    readonly items: readonly InventoryItem[]
  }>
  getReservation(id: string): Promise<Reservation | null>
  /**
   * Active and unexpired → committed (on hand and reserved drop). Committed → unchanged.
   * Throws `ReservationStateError` for released or expired ones, `NotFoundError` for unknown ids.
   * `at` decides whether an active reservation has expired and is the commit's time.
   */
  commitReservation(input: { reservationId: string; at: Date }): Promise<ReservationChange>
  /**
   * Active → released (reserved drops). Released or expired → unchanged.
   * Throws `ReservationStateError` for committed ones, `NotFoundError` for unknown ids.
   */
  releaseReservation(input: { reservationId: string; at: Date }): Promise<ReservationChange>
  /** Expires up to `limit` active reservations whose expiry is at or before `at`; returns them. */
  expireReservations(input: { at: Date; limit: number }): Promise<ReservationChange[]>
  /** Remembers that a customer wants to hear when a SKU is back in stock. Idempotent. */
  addStockSubscription(input: { sku: string; subscriber: string; at: Date }): Promise<void>
  removeStockSubscription(input: { sku: string; subscriber: string }): Promise<void>
  listStockSubscribers(sku: string): Promise<string[]>
}
