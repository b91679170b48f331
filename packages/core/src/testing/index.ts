/**
 * @souk/core/testing: the contract suites every adapter runs. Each is a plain function taking the
 * test runner's `describe`/`it` and a factory for the adapter under test.
 */
export type { CacheHarness, CacheInspector } from './cache-suite.js'
export { cacheSuite } from './cache-suite.js'
export type { CartSkuSeed, CartStoreSuiteOptions } from './cart-store-suite.js'
export { cartStoreSuite, seedSkuThrough } from './cart-store-suite.js'
export type { CatalogInspector } from './catalog-fixtures.js'
export type { CatalogStoreHarness } from './catalog-store-suite.js'
export { catalogStoreSuite } from './catalog-store-suite.js'
export type { CheckoutInspector, CheckoutStoreHarness } from './checkout-store-suite.js'
export { checkoutStoreSuite } from './checkout-store-suite.js'
export type { EventLogStoreHarness, EventLogStoreSuiteOptions } from './event-log-store-suite.js'
export { eventLogStoreSuite } from './event-log-store-suite.js'
export { expectCommerceError } from './expect-commerce-error.js'
export { expectConfigError } from './expect-config-error.js'
export { idempotencyStoreSuite } from './idempotency-store-suite.js'
export type { InventoryInspector, InventoryStoreHarness } from './inventory-store-suite.js'
export { inventoryStoreSuite } from './inventory-store-suite.js'
export type { OrderInspector, OrderStoreHarness } from './order-store-suite.js'
export { orderStoreSuite } from './order-store-suite.js'
export type { OutboxInspector, OutboxStoreHarness } from './outbox-store-suite.js'
export { outboxStoreSuite } from './outbox-store-suite.js'
export { pageThrough } from './page-through.js'
export type {
  PaymentInspector,
  PaymentProviderHarness,
  PaymentProviderSuiteOptions,
  SignedWebhook,
} from './payment-provider-suite.js'
export { paymentProviderSuite } from './payment-provider-suite.js'
export { paymentRecordStoreSuite } from './payment-record-store-suite.js'
export type { PromotionInspector, PromotionStoreHarness } from './promotion-store-suite.js'
export { promotionStoreSuite } from './promotion-store-suite.js'
export type { RecommendationStoreHarness } from './recommendation-store-suite.js'
export { recommendationStoreSuite } from './recommendation-store-suite.js'
export type { ReviewStoreHarness } from './review-store-suite.js'
export { reviewStoreSuite } from './review-store-suite.js'
export type { SearchFeedHarness } from './search-feed-suite.js'
export { searchFeedSuite } from './search-feed-suite.js'
export type { SearchIndexHarness, SearchIndexSuiteOptions } from './search-index-suite.js'
export { searchIndexSuite } from './search-index-suite.js'
export type { ShippingInspector, ShippingStoreHarness } from './shipping-store-suite.js'
export { shippingStoreSuite } from './shipping-store-suite.js'
export type { SuiteApi, SuiteOptions } from './suite-api.js'
