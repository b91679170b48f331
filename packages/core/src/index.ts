/**
 * @souk/core: Souk's domain services (inventory today; catalog, cart, checkout, orders and
 * shipping as they land), the ports adapters implement, money, typed errors, events and the zod
 * schemas of every public input. Depends on no vendor client.
 */
export type { Clock, ManualClock } from './clock/clock.js'
export { createManualClock, systemClock } from './clock/clock.js'
export type { CommerceConfig } from './commerce/commerce-config.js'
export { commerceConfigSchema } from './commerce/commerce-config.js'
export type { Commerce } from './commerce/create-commerce.js'
export { createCommerce } from './commerce/create-commerce.js'
export type { CommerceErrorCode, ErrorDetails } from './errors/commerce-error.js'
export { CommerceError, isCommerceError } from './errors/commerce-error.js'
export type { ReservationStateCode, StockShortfall, ValidationIssue } from './errors/error-classes.js'
export {
  ConfigError,
  ConflictError,
  InsufficientStockError,
  InvalidTransitionError,
  NotFoundError,
  PaymentError,
  ReservationStateError,
  StorageError,
  ValidationError,
} from './errors/error-classes.js'
export type { CommerceEvent, CommerceEventType, EventOf } from './events/commerce-event.js'
export type { EventBus, EventListener } from './events/event-bus.js'
export { createEventBus } from './events/event-bus.js'
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
export type { Address } from './customers/address-schemas.js'
export { addressSchema, customerIdSchema } from './customers/address-schemas.js'
export { assertTransition, canTransition, ORDER_TRANSITIONS, PAID_STATUSES } from './orders/order-state-machine.js'
export type { Logger, LogLevel } from './logger/logger.js'
export { consoleLogger, silentLogger } from './logger/logger.js'
export * from './money/index.js'
export type { AllocationRequest, AllocationStrategy } from './ports/allocation-strategy.js'
export type { Cache } from './ports/cache.js'
export type * from './ports/cart-store.js'
export type * from './ports/catalog-store.js'
export type * from './ports/idempotency-store.js'
export type * from './ports/inventory-store.js'
export type * from './ports/order-store.js'
export type * from './ports/payment-provider.js'
export type * from './ports/search-index.js'
export type * from './ports/shipping-rate-provider.js'
export type * from './ports/storage.js'
export type * from './ports/tax-calculator.js'
export { parseInput, toValidationIssues } from './validation/parse-input.js'
