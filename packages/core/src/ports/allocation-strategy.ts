import type {
  Allocation,
  InventoryItem,
  Location,
  ReservationLine,
  StockLevel,
} from '../inventory/inventory-types.js'

export interface AllocationRequest {
  /** One line per SKU, quantities already summed. Only tracked SKUs are passed. */
  readonly lines: readonly ReservationLine[]
  /** Every stock level of those SKUs. */
  readonly levels: readonly StockLevel[]
  readonly items: ReadonlyMap<string, InventoryItem>
  /** The locations that hold stock of these SKUs, most preferred first. */
  readonly locations: readonly Location[]
}

/**
 * Decides which locations fill a reservation. Pure: it plans from the levels it is given, and the
 * storage adapter applies the plan atomically (re-checking every quantity), so a strategy can never
 * cause an oversell; at worst the plan is stale and the service plans again. Every tracked line must
 * be allocated in full (quantities summed per SKU); a plan that is not is refused with `config.invalid`.
 * Throws `InsufficientStockError` when the lines cannot be filled.
 */
export type AllocationStrategy = (request: AllocationRequest) => Allocation[]
