import type { VariantPricing } from '../catalog/catalog-types.js'
import type { Address } from '../customers/address-schemas.js'
import type { KeysetCursor, KeysetPage } from './keyset-page.js'
import type { NewOutboxMessage } from './outbox-store.js'

export interface CartLineRecord {
  readonly sku: string
  readonly quantity: number
  readonly addedAt: Date
}

export interface CartRecord {
  readonly id: string
  /** Null for a guest cart. */
  readonly customerId: string | null
  readonly currency: string
  /** One line per SKU, in the order they were first added. */
  readonly lines: readonly CartLineRecord[]
  readonly email: string | null
  readonly promoCode: string | null
  readonly shippingAddress: Address | null
  readonly shippingMethodId: string | null
  /** Set once checkout has turned the cart into this order; the cart is read-only then. */
  readonly orderId: string | null
  /** Incremented by every save; a save with a stale version fails. */
  readonly version: number
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly expiresAt: Date
}

/** Whether a SKU may be added to a cart, as far as stock goes: what `CartStore.readForEdit` reads. */
export interface CartSkuStock {
  readonly tracked: boolean
  readonly allowBackorder: boolean
  /** Units on hand less reserved, summed over every location, a location below zero counting as 0. */
  readonly available: number
}

/** A cart with what one edit of it needs, read in one round trip by `CartStore.readForEdit`. */
export interface CartEditSnapshot {
  readonly cart: CartRecord
  /**
   * Pricing of every SKU of the cart's lines and of the SKU being edited, in the cart's currency,
   * as `CatalogStore.getVariantsBySku` returns it: unknown SKUs are absent.
   */
  readonly variants: readonly VariantPricing[]
  /** Stock of the SKU being edited: null without one, or when it has no inventory item. */
  readonly stock: CartSkuStock | null
}

/**
 * Durable carts with optimistic concurrency: `save` succeeds only when the stored version equals
 * `expectedVersion`, otherwise it throws `ConflictError` and the service re-reads and retries, so
 * concurrent edits of one cart lose no update. Contract: `cartStoreSuite`.
 */
export interface CartStore {
  get(id: string): Promise<CartRecord | null>
  /**
   * Cart `cartId` with the pricing of its lines and of `sku`, and the stock of `sku`, in one round
   * trip (null when there is no such cart): what an edit needs before its compare-and-set `save`,
   * so adding to a cart costs one read and one write. Optional: without it the cart service reads
   * the cart, the catalog and the stock separately. Stock is only read here, never reserved.
   */
  readForEdit?(input: { cartId: string; sku?: string; at?: Date }): Promise<CartEditSnapshot | null>
  insert(cart: CartRecord): Promise<void>
  /**
   * Compare-and-set: stores `cart` when the stored version is `expectedVersion`, and returns it
   * as stored (version + 1). `events` (the edit's domain events, outbox messages) are written to
   * the storage outbox in the same transaction as the save, and only if it succeeds; a layered
   * store passes them to the durable store it writes through.
   */
  save(input: {
    cart: CartRecord
    expectedVersion: number
    events?: readonly NewOutboxMessage[]
  }): Promise<CartRecord>
  delete(id: string): Promise<void>
  /** The customer's most recently updated cart that has not been checked out. */
  findOpenForCustomer(customerId: string): Promise<CartRecord | null>
  /**
   * Open carts with lines, idle since before `idleSince`, least recently updated first: keyset on
   * (`updatedAt`, `id`) ascending, `next.sort` `'abandoned_carts'`.
   */
  listAbandoned(query: {
    readonly idleSince: Date
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<CartRecord>>
  /**
   * Marks (as of `at`) and returns up to `limit` abandoned carts (as `listAbandoned` finds them for
   * `idleSince`) not yet reported for their current idle spell, atomically, so each is reported
   * once even with several processes sweeping.
   */
  claimAbandoned(input: { idleSince: Date; at: Date; limit: number }): Promise<CartRecord[]>
  /** Deletes up to `limit` carts whose expiry is at or before `at`. Returns how many. */
  deleteExpired(input: { at: Date; limit: number }): Promise<number>
  /**
   * For layered stores (a cache over the durable store): drop or reload any copy of the cart after
   * something changed it in the durable store directly, e.g. checkout's transaction. Optional.
   */
  refresh?(cartId: string): Promise<unknown>
}
