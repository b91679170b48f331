import type { AddressStore } from './address-store.js'
import type { CartStore } from './cart-store.js'
import type { CatalogStore } from './catalog-store.js'
import type { CheckoutStore } from './checkout-store.js'
import type { EventLogStore } from './event-log-store.js'
import type { FraudStore } from './fraud-store.js'
import type { IdempotencyStore } from './idempotency-store.js'
import type { InventoryStore } from './inventory-store.js'
import type { OrderStore } from './order-store.js'
import type { OutboxStore } from './outbox-store.js'
import type { PaymentRecordStore } from './payment-record-store.js'
import type { PriceScheduleStore } from './price-schedule-store.js'
import type { PromotionStore } from './promotion-store.js'
import type { RecommendationStore } from './recommendation-store.js'
import type { ReviewStore } from './review-store.js'
import type { SearchFeed } from './search-feed.js'
import type { SearchIndex } from './search-index.js'
import type { SellerStore } from './seller-store.js'
import type { ShipmentStore } from './shipment-store.js'
import type { ShippingStore } from './shipping-store.js'

/** The stores that can take part in one transaction. */
export interface StorageStores {
  readonly inventory: InventoryStore
  /** Sellers, categories, products and units sold. */
  readonly catalog: CatalogStore
  readonly reviews: ReviewStore
  readonly orders: OrderStore
  readonly idempotency: IdempotencyStore
  readonly carts: CartStore
  readonly payments: PaymentRecordStore
  readonly shipments: ShipmentStore
  readonly addresses: AddressStore
  readonly promotions: PromotionStore
  readonly shipping: ShippingStore
  /** Ownership checks of the seller portal, taken in the write's transaction. */
  readonly sellers: SellerStore
  /** The transactional outbox: enqueue here in the same transaction as the change it announces. */
  readonly outbox: OutboxStore
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
  /** The money path: placeOrder's read and its two atomic writes. Not part of transactions. */
  readonly checkout: CheckoutStore
  /** Bought-together and similar products for `catalog.recommendations`. Not part of transactions. */
  readonly recommendations: RecommendationStore
  /** What the search indexer reads to build documents. Not part of transactions. */
  readonly searchFeed: SearchFeed
  /**
   * Durable subscribers' cursors over the domain events in the outbox. Not part of transactions.
   * Without it, `createCommerce` refuses `subscribers`.
   */
  readonly eventLog?: EventLogStore
  /**
   * Velocity counts and order reviews of the fraud hook. Not part of transactions. Without it,
   * `createCommerce` refuses fraud checks that count velocity.
   */
  readonly fraud?: FraudStore
  /** Scheduled prices. Not part of transactions. Without it, `commerce.prices` throws `ConfigError`. */
  readonly priceSchedules?: PriceScheduleStore
  /** Releases connections the adapter opened itself; injected clients are left open. */
  close(): Promise<void>
  /**
   * A search index over the same database, if the adapter has one (Postgres full-text search);
   * `createCommerce` uses it when no `search` is configured. Not part of transactions.
   */
  readonly search?: SearchIndex
}
