import type { Money } from '../money/money.js'

export interface CartLineRecord {
  readonly id: string
  readonly sku: string
  readonly quantity: number
  readonly addedAt: Date
}

export interface CartRecord {
  readonly id: string
  readonly customerId: string | null
  readonly currency: Money['currency']
  readonly lines: readonly CartLineRecord[]
  readonly promoCode: string | null
  /** Incremented by every write; a save with a stale version fails. */
  readonly version: number
  readonly updatedAt: Date
  readonly expiresAt: Date
}

/**
 * Durable carts with optimistic concurrency: `save` succeeds only when the stored version equals
 * `expectedVersion`, otherwise it throws `ConflictError` and the service re-reads and retries.
 */
export interface CartStore {
  get(id: string): Promise<CartRecord | null>
  save(cart: CartRecord, expectedVersion: number | null): Promise<CartRecord>
  delete(id: string): Promise<void>
  /** Carts with lines idle since before `idleSince`, oldest first. */
  listAbandoned(idleSince: Date, limit: number): Promise<CartRecord[]>
}
