/**
 * @souk/core: Souk's domain services (inventory today; catalog, cart, checkout, orders and
 * shipping as they land), the ports adapters implement, money, typed errors, events and the zod
 * schemas of every public input. Depends on no vendor client.
 */
export type { MemoryCache, MemoryCacheOptions } from './cache/memory-cache.js'
export { createMemoryCache, DEFAULT_MEMORY_CACHE_ENTRIES } from './cache/memory-cache.js'
export {
  createMemoryInvalidationChannel,
  type MemoryInvalidationChannel,
} from './cache/memory-invalidation-bus.js'
export {
  createTieredCache,
  DEFAULT_LOCAL_TIER_ENTRIES,
  DEFAULT_LOCAL_TIER_TTL_MS,
  type TieredCache,
  type TieredCacheOptions,
  type TieredCacheStats,
} from './cache/tiered-cache.js'
export {
  type CartPricer,
  type CartPricerDeps,
  createCartPricer,
  type PricedCart,
  type PriceInput,
} from './cart/cart-pricer.js'
// Cart, checkout and order inputs and read shapes, so hosts validate HTTP input with the services' own schemas.
export * from './cart/cart-schemas.js'
export { type CartService, type CartServiceDeps, createCartService } from './cart/cart-service.js'
export type * from './cart/cart-types.js'
export { catalogVariantLookup } from './cart/catalog-variant-lookup.js'
export { CATALOG_KEY_PREFIX } from './catalog/catalog-cache.js'
export type { CatalogEvent } from './catalog/catalog-events.js'
export * from './catalog/catalog-schemas.js'
export type { CatalogService, CatalogServiceDeps } from './catalog/catalog-service.js'
export {
  createCatalogService,
  DEFAULT_LISTING_TTL_MS,
  DEFAULT_PRODUCT_TTL_MS,
} from './catalog/catalog-service.js'
export type {
  Category,
  CategoryNode,
  CategoryRef,
  Product,
  ProductDetail,
  ProductImage,
  ProductPage,
  ProductSort,
  ProductStatus,
  ProductSummary,
  ProductVariant,
  ProductVariantDetail,
  RatingSummary,
  Recommendations,
  Review,
  ReviewPage,
  Seller,
  UnitsSoldLine,
  VariantAvailability,
  VariantPricing,
} from './catalog/catalog-types.js'
export { PURCHASED_ORDER_STATUSES } from './catalog/catalog-types.js'
export type { CsvLimits, CsvRecord, CsvSource } from './catalog/csv-records.js'
export { csvField, csvLine, readCsvRecords } from './catalog/csv-records.js'
export type {
  CsvProgress,
  ProductCsvDeps,
  ProductCsvError,
  ProductCsvExportOptions,
  ProductCsvImportOptions,
  ProductCsvImportReport,
} from './catalog/product-csv.js'
export {
  COMPARE_AT_COLUMN_PREFIX,
  exportProductsCsv,
  importProductsCsv,
  PRICE_COLUMN_PREFIX,
  PRODUCT_CSV_COLUMNS,
  STOCK_COLUMN_PREFIX,
} from './catalog/product-csv.js'
export {
  createStockStatusApplier,
  DEFAULT_STOCK_STATUS_BATCH_SIZE,
  DEFAULT_STOCK_STATUS_LEASE_MS,
  STOCK_STATUS_TOPIC,
  type StockStatusApplier,
  type StockStatusApplierDeps,
  type StockStatusPollerOptions,
  type StockStatusSyncOptions,
} from './catalog/stock-status-applier.js'
export {
  MAX_UNITS_SOLD_LINES,
  UNITS_SOLD_TOPIC,
  type UnitsSoldPayload,
  unitsSoldMessage,
  unitsSoldPayloadSchema,
} from './catalog/units-sold.js'
export {
  createUnitsSoldApplier,
  DEFAULT_UNITS_SOLD_BATCH_SIZE,
  DEFAULT_UNITS_SOLD_LEASE_MS,
  type UnitsSoldApplier,
  type UnitsSoldApplierDeps,
  type UnitsSoldPollerOptions,
  type UnitsSoldSyncOptions,
} from './catalog/units-sold-applier.js'
export * from './checkout/checkout-schemas.js'
export {
  type CheckoutService,
  type CheckoutServiceDeps,
  createCheckoutService,
  DEFAULT_CHECKOUT_KEY_LEASE_MS,
  DEFAULT_OUTBOX_RETENTION_MS,
} from './checkout/checkout-service.js'
export type * from './checkout/checkout-types.js'
export type { Clock, ManualClock } from './clock/clock.js'
export { createManualClock, systemClock } from './clock/clock.js'
export type { CommerceConfig } from './commerce/commerce-config.js'
export { commerceConfigSchema } from './commerce/commerce-config.js'
export type { Commerce } from './commerce/create-commerce.js'
export { createCommerce } from './commerce/create-commerce.js'
export type { Address } from './customers/address-schemas.js'
export { addressSchema, customerIdSchema } from './customers/address-schemas.js'
export * from './customers/customer-schemas.js'
export {
  type CustomerService,
  type CustomerServiceDeps,
  createCustomerService,
} from './customers/customer-service.js'
export type { CommerceErrorCode, ErrorDetails } from './errors/commerce-error.js'
export { CommerceError, isCommerceError } from './errors/commerce-error.js'
export type {
  FlashSaleErrorCode,
  FlashSaleErrorDetails,
  ReservationStateCode,
  StockShortfall,
  ValidationIssue,
} from './errors/error-classes.js'
export {
  ConfigError,
  ConflictError,
  FlashSaleError,
  FraudRejectedError,
  InsufficientStockError,
  InvalidTransitionError,
  MixedSellerShipmentError,
  NotFoundError,
  PaymentError,
  ReservationStateError,
  StorageError,
  ValidationError,
} from './errors/error-classes.js'
export type { CommerceEvent, CommerceEventType, EventOf } from './events/commerce-event.js'
export type { DeliveredEvent, DurableSubscriber, JsonOf } from './events/durable-subscriber.js'
export { defineSubscriber } from './events/durable-subscriber.js'
export type { EventBus, EventListener } from './events/event-bus.js'
export { createEventBus } from './events/event-bus.js'
export type { DurableSubscribers, EventRelay, EventRelayDeps, RelayReport } from './events/event-relay.js'
export { createEventRelay } from './events/event-relay.js'
export type { OutboxEventEnvelope } from './events/outbox-event.js'
export { DOMAIN_EVENT_TOPIC, EVENT_SCHEMA_VERSION, outboxEvent } from './events/outbox-event.js'
export { defaultFraudRules, worstDecision } from './fraud/default-fraud-rules.js'
export { createFraudAssessor, type FraudAssessor } from './fraud/fraud-assessor.js'
export * from './fraud/fraud-schemas.js'
export { emailVelocityKey, ipVelocityKey, normalizeIp, subjectDigest } from './fraud/fraud-subjects.js'
export {
  createFraudReviewService,
  type FraudReviewService,
  type FraudReviewServiceDeps,
  type HeldOrder,
} from './fraud/order-reviews.js'
export type { IdGenerator } from './ids/id-generator.js'
export { createIdGenerator, idPattern } from './ids/id-generator.js'
export { defaultAllocationStrategy } from './inventory/default-allocation-strategy.js'
export type { InventoryEvent } from './inventory/inventory-events.js'
export * from './inventory/inventory-schemas.js'
export type {
  InventoryService,
  InventoryServiceDeps,
  ReservationReceipt,
} from './inventory/inventory-service.js'
export { createInventoryService } from './inventory/inventory-service.js'
export type {
  Allocation,
  InventoryItem,
  Location,
  Reservation,
  ReservationLine,
  ReservationStatus,
  StockLevel,
} from './inventory/inventory-types.js'
export { DEFAULT_LOCATION_ID } from './inventory/inventory-types.js'
export type { Logger, LogLevel } from './logger/logger.js'
export { consoleLogger, silentLogger } from './logger/logger.js'
export * from './money/index.js'
export * from './orders/order-schemas.js'
export {
  createOrderService,
  type OrderPage,
  type OrderService,
  type OrderServiceDeps,
  type SellerAnalytics,
} from './orders/order-service.js'
export {
  assertTransition,
  canTransition,
  ORDER_TRANSITIONS,
  PAID_STATUSES,
} from './orders/order-state-machine.js'
export {
  createMemoryOutboxStore,
  type MemoryOutboxRow,
  type MemoryOutboxStore,
} from './outbox/memory-outbox-store.js'
export { type CursorPage, cursorSchema, pageLimitSchema } from './pagination/cursor-page.js'
export {
  paymentAmountExceeded,
  paymentDeclined,
  paymentInvalidState,
  paymentProviderUnavailable,
} from './payments/payment-errors.js'
export {
  authorizeInputSchema,
  captureInputSchema,
  MAX_PAYMENT_IDEMPOTENCY_KEY_LENGTH,
  MAX_WEBHOOK_BODY_BYTES,
  paymentAmountSchema,
  paymentIdempotencyKeySchema,
  paymentIdSchema,
  paymentOrderIdSchema,
  refundInputSchema,
  voidInputSchema,
  webhookInputSchema,
} from './payments/payment-schemas.js'
export { paymentStateSupersedes } from './payments/payment-state-order.js'
export type {
  TestPaymentBehaviour,
  TestPaymentOutcome,
  TestPaymentProvider,
  TestPaymentProviderOptions,
  TestWebhookDelivery,
} from './payments/test-payment-provider.js'
export {
  AUTHENTICATION_FAILURE_CODE,
  createTestPaymentProvider,
  TEST_PAYMENT_METHODS,
} from './payments/test-payment-provider.js'
export { webhookHeader } from './payments/webhook-headers.js'
export type * from './ports/address-store.js'
export type { AllocationRequest, AllocationStrategy } from './ports/allocation-strategy.js'
export type { Cache } from './ports/cache.js'
export type * from './ports/cart-store.js'
export type * from './ports/catalog-store.js'
export type * from './ports/checkout-store.js'
export type * from './ports/event-log-store.js'
export type * from './ports/flash-sale-prices.js'
export type * from './ports/fraud-check.js'
export type * from './ports/fraud-store.js'
export type * from './ports/idempotency-store.js'
export type * from './ports/invalidation-bus.js'
export type * from './ports/inventory-store.js'
export type * from './ports/keyset-page.js'
export type * from './ports/order-store.js'
export type * from './ports/outbox-store.js'
export type * from './ports/payment-provider.js'
export type * from './ports/payment-record-store.js'
export type * from './ports/price-schedule-store.js'
export type * from './ports/promotion-store.js'
export type * from './ports/recommendation-store.js'
export type * from './ports/review-store.js'
export type * from './ports/search-feed.js'
export type * from './ports/search-index.js'
export type * from './ports/seller-store.js'
export type * from './ports/shipment-store.js'
export type * from './ports/shipping-rate-provider.js'
export type * from './ports/shipping-store.js'
export type * from './ports/storage.js'
export type * from './ports/tax-calculator.js'
export {
  discountPercentSchema,
  nonNegativeMoneySchema,
  percentSchema,
  positiveMoneySchema,
} from './pricing/amount-schemas.js'
export { calculateTotals, computeTotals, taxRequestFor } from './pricing/compute-totals.js'
export { isInForce, nextPriceChange, scheduleInForce, wasPriceOf } from './pricing/price-in-force.js'
export type {
  CancelPriceScheduleInput,
  ListPriceSchedulesInput,
  SchedulePriceInput,
} from './pricing/price-schedule-schemas.js'
export {
  cancelPriceScheduleSchema,
  listPriceSchedulesSchema,
  MAX_PRICE_SCHEDULE_PAGE,
  schedulePriceSchema,
} from './pricing/price-schedule-schemas.js'
export type { PriceScheduleService, PriceScheduleServiceDeps } from './pricing/price-schedule-service.js'
export { createPriceScheduleService, PRICE_SCHEDULE_SORT } from './pricing/price-schedule-service.js'
export type { PriceSchedule, PriceSchedulePage } from './pricing/price-schedule-types.js'
export type { SyncTaxCalculation, TotalsInput } from './pricing/totals-schemas.js'
export { MAX_TOTALS_LINES, taxResultSchema, totalsInputSchema } from './pricing/totals-schemas.js'
export type { Totals, TotalsLine } from './pricing/totals-types.js'
export { evaluatePromotion, PERCENT_DISCOUNT_ROUNDING } from './promotions/evaluate-promotion.js'
export type { PromotionErrorCode, PromotionErrorDetails } from './promotions/promotion-error.js'
export { PromotionError } from './promotions/promotion-error.js'
export type {
  CreatePromotionInput,
  EvaluatePromotionInput,
  ListPromotionsInput,
  PromotionCodeRef,
  PromotionContext,
  PromotionRef,
  UpdatePromotionInput,
} from './promotions/promotion-schemas.js'
export {
  createPromotionSchema,
  evaluatePromotionSchema,
  listPromotionsSchema,
  MAX_PROMOTION_USES,
  promotionCodeRefSchema,
  promotionCodeSchema,
  promotionContextSchema,
  promotionRefSchema,
  promotionSchema,
  updatePromotionSchema,
} from './promotions/promotion-schemas.js'
export type { PromotionPage, PromotionService, PromotionServiceDeps } from './promotions/promotion-service.js'
export { createPromotionService } from './promotions/promotion-service.js'
export type {
  FixedPromotion,
  FreeShippingPromotion,
  PercentagePromotion,
  Promotion,
  PromotionDiscount,
  PromotionKind,
  Redemption,
} from './promotions/promotion-types.js'
export { promotionCurrency } from './promotions/promotion-types.js'
export {
  DEFAULT_PRICE_BUCKET_EDGES,
  isValidPriceBucketEdges,
  priceBucketBounds,
  priceBucketIndex,
  priceBucketValue,
} from './search/price-buckets.js'
export { SearchError, type SearchErrorCode } from './search/search-error.js'
export type {
  PollerOptions,
  ReindexOptions,
  ReindexProgress,
  SearchIndexer,
  SearchIndexerDeps,
  SyncOptions,
  SyncReport,
} from './search/search-indexer.js'
export {
  createSearchIndexer,
  DEFAULT_INDEXER_BATCH_SIZE,
  DEFAULT_INDEXER_LEASE_MS,
  SEARCH_PRODUCT_TOPIC,
} from './search/search-indexer.js'
export * from './search/search-schemas.js'
export type { SearchService, SearchServiceDeps } from './search/search-service.js'
export { createSearchService } from './search/search-service.js'
export {
  allowedPrefixTypos,
  editDistance,
  MAX_SUGGEST_WORDS,
  MAX_SYNONYM_TERM_WORDS,
  normalizeSynonymTerm,
  prefixEditDistance,
  textWords,
} from './search/suggest-text.js'
export type {
  SellerFulfilment,
  SellerFulfilmentLine,
  SellerFulfilmentStatus,
} from './sellers/seller-fulfilment.js'
export { sellerFulfilmentOf } from './sellers/seller-fulfilment.js'
export * from './sellers/seller-schemas.js'
export {
  createSellerService,
  type SellerFulfilmentPage,
  type SellerPortal,
  type SellerService,
  type SellerServiceDeps,
} from './sellers/seller-service.js'
export { addBusinessDays } from './shipping/business-days.js'
export { parcelWeightGrams, priceShippingMethod } from './shipping/price-shipping-method.js'
export * from './shipping/shipment-schemas.js'
export {
  createShipmentService,
  type ShipmentService,
  type ShipmentServiceDeps,
} from './shipping/shipment-service.js'
export {
  FINAL_SHIPMENT_STATUSES,
  isFinalShipmentStatus,
  nextShipmentStatus,
  SHIPMENT_STATUSES,
} from './shipping/shipment-status.js'
export { ShippingProviderError, ShippingUnavailableError } from './shipping/shipping-errors.js'
export type {
  CreateShippingMethodInput,
  CreateShippingZoneInput,
  ListShippingMethodsInput,
  ListShippingZonesInput,
  ShippingDestinationInput,
  ShippingMethodQuoteInput,
  ShippingMethodRef,
  ShippingQuoteInput,
  ShippingZoneRef,
  UpdateShippingMethodInput,
  UpdateShippingZoneInput,
} from './shipping/shipping-schemas.js'
export {
  countryCodeSchema,
  createShippingMethodSchema,
  createShippingZoneSchema,
  listShippingMethodsSchema,
  listShippingZonesSchema,
  regionCodeSchema,
  shippingDestinationSchema,
  shippingMethodQuoteSchema,
  shippingMethodRefSchema,
  shippingQuoteSchema,
  shippingZoneRefSchema,
  updateShippingMethodSchema,
  updateShippingZoneSchema,
} from './shipping/shipping-schemas.js'
export type { ShippingService, ShippingServiceDeps } from './shipping/shipping-service.js'
export { createShippingService } from './shipping/shipping-service.js'
export type {
  FlatShippingMethod,
  FreeOverShippingMethod,
  ShippingMethod,
  ShippingMethodKind,
  ShippingQuote,
  ShippingZone,
  WeightBracket,
  WeightTableShippingMethod,
} from './shipping/shipping-types.js'
export { ZONE_RATE_PROVIDER_ID, zoneRateProvider } from './shipping/zone-rate-provider.js'
export { ZONE_MATCH, zoneSpecificity } from './shipping/zone-specificity.js'
export type { RegionTaxCalculator, ResolvedTaxRule } from './tax/region-tax-calculator.js'
export { createRegionTaxCalculator } from './tax/region-tax-calculator.js'
export type { RegionTaxConfig, TaxRateRule } from './tax/tax-schemas.js'
export { regionTaxConfigSchema, taxRateRuleSchema, taxRequestSchema } from './tax/tax-schemas.js'
export { emailSchema } from './validation/email-schema.js'
export { instantSchema } from './validation/instant-schema.js'
export { parseConfig } from './validation/parse-config.js'
export { parseInput, toValidationIssues } from './validation/parse-input.js'
export type { TextOptions } from './validation/text-schema.js'
export { DEFAULT_MULTILINE_TEXT_MAX, DEFAULT_TEXT_MAX, text, textProblem } from './validation/text-schema.js'
export * from './webhooks/webhook-signature.js'
