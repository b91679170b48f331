import type { CartStore } from './cart-store.js'
import type { IdempotencyStore } from './idempotency-store.js'
import type { InventoryStore } from './inventory-store.js'
import type { OrderStore } from './order-store.js'

/** The stores that can take part in one transaction. */
export interface StorageStores {
  readonly inventory: InventoryStore
  readonly orders: OrderStore
  readonly idempotency: IdempotencyStore
  readonly carts: CartStore
}

/**
 * A storage adapter: the durable source of truth. `@souk/adapters-postgres` is the reference.
 * Stores on the adapter itself run each call in its own transaction; stores handed to
 * `transaction`'s callback share that callback's transaction (the unit of work).
 */
export interface Storage extends StorageStores {
  /** Brings the schema up to date. Idempotent and safe when several processes call it at once. */
  migrate(): Promise<void>
  /**
   * Runs `work` in one transaction: it commits when `work` resolves and rolls back when it throws
   * (the error is rethrown). Calling `transaction` again inside `work` opens a separate one.
   */
  transaction<T>(work: (stores: StorageStores) => Promise<T>): Promise<T>
  /** Releases connections the adapter opened itself; injected clients are left open. */
  close(): Promise<void>
}
