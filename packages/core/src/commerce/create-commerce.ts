import { createMemoryCache } from '../cache/memory-cache.js'
import { createCartPricer } from '../cart/cart-pricer.js'
import { type CartService, createCartService } from '../cart/cart-service.js'
import { catalogVariantLookup } from '../cart/catalog-variant-lookup.js'
import { type CatalogService, createCatalogService } from '../catalog/catalog-service.js'
import { createStockStatusApplier } from '../catalog/stock-status-applier.js'
import { createUnitsSoldApplier } from '../catalog/units-sold-applier.js'
import { type CheckoutService, createCheckoutService } from '../checkout/checkout-service.js'
import { systemClock } from '../clock/clock.js'
import { type CustomerService, createCustomerService } from '../customers/customer-service.js'
import { ConfigError } from '../errors/error-classes.js'
import { createEventBus, type EventBus } from '../events/event-bus.js'
import { createEventRelay, type DurableSubscribers } from '../events/event-relay.js'
import { DEFAULT_REVIEW_HOLD_MS } from '../fraud/fraud-schemas.js'
import { createFraudReviewService, type FraudReviewService } from '../fraud/order-reviews.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { defaultAllocationStrategy } from '../inventory/default-allocation-strategy.js'
import { DEFAULT_RESERVATION_TTL_MS } from '../inventory/inventory-schemas.js'
import { createInventoryService, type InventoryService } from '../inventory/inventory-service.js'
import { consoleLogger } from '../logger/logger.js'
import { createOrderService, type OrderService } from '../orders/order-service.js'
import { createPriceScheduleService, type PriceScheduleService } from '../pricing/price-schedule-service.js'
import { createPromotionService, type PromotionService } from '../promotions/promotion-service.js'
import { createSearchIndexer } from '../search/search-indexer.js'
import { createSearchService, type SearchService } from '../search/search-service.js'
import { createSellerService, type SellerService } from '../sellers/seller-service.js'
import { createShipmentService, type ShipmentService } from '../shipping/shipment-service.js'
import { createShippingService, type ShippingService } from '../shipping/shipping-service.js'
import { zoneRateProvider } from '../shipping/zone-rate-provider.js'
import { parseConfig } from '../validation/parse-config.js'
import { type CommerceConfig, commerceConfigSchema } from './commerce-config.js'

/** The wired SDK: one object per app, shared by every request. */
export interface Commerce {
  readonly inventory: InventoryService
  readonly catalog: CatalogService
  /** Product search over the configured index, and the controls that keep it in step. */
  readonly search: SearchService
  readonly promotions: PromotionService
  /** Scheduled prices (sales with a window), applied by catalog reads, carts and checkout. */
  readonly prices: PriceScheduleService
  /** Shipping zones, methods and quotes. */
  readonly shipping: ShippingService
  /** Shipments of orders, with tracking. */
  readonly shipments: ShipmentService
  readonly cart: CartService
  readonly checkout: CheckoutService
  readonly orders: OrderService
  /** Staff review of orders a fraud check held: list, approve, reject. */
  readonly fraud: FraudReviewService
  /** The marketplace seller portal: `sellers.portal({ sellerId })`, scoped to what that seller owns. */
  readonly sellers: SellerService
  /** The address book. */
  readonly customers: CustomerService
  /** In-process, best-effort listeners: fast, but lost if the process dies before they run. */
  readonly events: EventBus
  /** Durable subscribers: at-least-once delivery of committed events through the outbox. */
  readonly subscribers: DurableSubscribers
  /** Brings storage up to date. Idempotent; safe from several processes at once. */
  migrate(): Promise<void>
  /** Releases what Souk opened (pools it created, listeners). Injected clients stay open. */
  close(): Promise<void>
}

/** When the units-sold poller starts for a host that never calls `migrate()`. */
const UNITS_SOLD_START_FALLBACK_MS = 5000

/**
 * Wires Souk's services over the given adapters. Validates the configuration and throws
 * `ConfigError` (code `config.invalid`) naming every bad field.
 */
export function createCommerce(config: CommerceConfig): Commerce {
  const options = parseConfig(commerceConfigSchema, config, 'createCommerce config')
  const { storage } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? consoleLogger()
  const ids = options.ids ?? createIdGenerator(() => clock.now().getTime())
  const events = createEventBus(logger)

  const inventory = createInventoryService({
    store: storage.inventory,
    catalog: storage.catalog,
    clock,
    ids,
    events,
    allocation: options.allocation ?? defaultAllocationStrategy,
    reservationTtlMs: options.reservationTtlMs,
  })

  const unitsSold = createUnitsSoldApplier({ storage, clock, logger })
  const catalogCache = options.cache ?? createMemoryCache()
  // Bumps the listing generation in the same cache the catalog reads through.
  const stockStatus = createStockStatusApplier({ outbox: storage.outbox, cache: catalogCache, clock, logger })
  const catalog = createCatalogService({
    unitsSold,
    stockStatus,
    transaction: (work) => storage.transaction(work),
    catalog: storage.catalog,
    reviews: storage.reviews,
    recommendations: storage.recommendations,
    inventory: storage.inventory,
    cache: catalogCache,
    clock,
    ids,
    events,
    logger,
    productTtlMs: options.catalogCache?.productTtlMs,
    listingTtlMs: options.catalogCache?.listingTtlMs,
    similarPriceBandPercent: options.recommendations?.similarPriceBandPercent,
  })

  const promotions = createPromotionService({ store: storage.promotions, clock, ids })

  const shipping = createShippingService({
    store: storage.shipping,
    providers: [zoneRateProvider(storage.shipping), ...(options.shipping?.providers ?? [])],
    clock,
    ids,
    logger,
  })

  const allocation = options.allocation ?? defaultAllocationStrategy
  const providers = options.payments ?? []
  // Carts price at the injected clock's time, so scheduled prices start and end on it.
  const variants = catalogVariantLookup(storage.catalog, clock)
  const taxCalculator = options.tax ?? null
  const pricesIncludeTax = options.pricesIncludeTax ?? false

  const pricer = createCartPricer({
    variants,
    shipping,
    promotions: storage.promotions,
    taxCalculator,
    pricesIncludeTax,
    clock,
  })
  const cart = createCartService({
    store: options.carts ?? storage.carts,
    inventory: storage.inventory,
    variants,
    pricer,
    clock,
    ids,
    events,
    ttlMs: options.cartTtlMs,
    transaction: (work) => storage.transaction(work),
  })

  const fraudChecks = options.fraud === undefined ? [] : [options.fraud].flat()
  if (fraudChecks.length > 0 && !storage.fraud) {
    throw new ConfigError('Fraud checks need a storage with `fraud` (postgresStorage has one)', [
      { path: 'fraud', message: 'storage has no fraud store' },
    ])
  }
  const checkout = createCheckoutService({
    fraud: { checks: fraudChecks, reviewHoldMs: options.fraudReviewHoldMs ?? DEFAULT_REVIEW_HOLD_MS },
    storage,
    allocation,
    pricer,
    providers,
    clock,
    ids,
    events,
    logger,
    reservationTtlMs: options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS,
    ...(options.checkoutKeyLeaseMs === undefined ? {} : { keyLeaseMs: options.checkoutKeyLeaseMs }),
    ...(options.outboxRetentionMs === undefined ? {} : { outboxRetentionMs: options.outboxRetentionMs }),
    cartChanged: async (cartId) => {
      // A layered cart store must not keep showing a cart checkout closed or reopened.
      await options.carts?.refresh?.(cartId)
    },
    ...(options.flashSales ? { flashSales: options.flashSales } : {}),
  })
  const prices = createPriceScheduleService({
    store: storage.priceSchedules ?? null,
    cache: catalogCache,
    clock,
    ids,
    logger,
  })

  const orders = createOrderService({ storage, providers, clock, ids, events, logger })
  const fraud = createFraudReviewService({ storage, providers, clock, ids, events, logger })
  const shipments = createShipmentService({ storage, providers, clock, ids, events, logger })
  const sellers = createSellerService({ storage, catalog, orders, shipments, clock, events })

  const index = options.search ?? storage.search
  if (!index) {
    throw new ConfigError(
      'No search index: pass `search` (e.g. typesenseSearch(...)) or a storage that has one',
      [{ path: 'search', message: 'required when storage has no search index' }],
    )
  }
  const searchCurrency = options.searchCurrency ?? 'USD'
  const indexer = createSearchIndexer({
    outbox: storage.outbox,
    index,
    feed: storage.searchFeed,
    currency: searchCurrency,
    clock,
    logger,
  })
  const search = createSearchService({ index, indexer })

  const eventLog = storage.eventLog
  if (!eventLog && (options.subscribers?.length ?? 0) > 0) {
    throw new ConfigError('Durable subscribers need a storage with an event log (postgresStorage has one)', [
      { path: 'subscribers', message: 'storage has no eventLog' },
    ])
  }
  const relayOptions = options.relay
  const relay = eventLog
    ? createEventRelay({
        store: eventLog,
        clock,
        logger,
        ids,
        ...(relayOptions ? relayOptions : {}),
      })
    : null
  // Registered in storage by migrate(), or by the relay's first round for hosts that migrate elsewhere.
  for (const subscriber of options.subscribers ?? []) relay?.adopt(subscriber)
  const subscribers: DurableSubscribers = relay ?? storageWithoutEventLog()
  if (options.searchSync) indexer.start({ intervalMs: options.searchSync.intervalMs ?? 1000 })
  // The units-sold poller starts once the schema is there: right after migrate(), or, for hosts
  // that migrate elsewhere and never call it, a few seconds after start-up.
  const unitsSoldOptions = options.unitsSold
  let closed = false
  const startUnitsSold = () => {
    if (unitsSoldOptions !== false && !closed)
      unitsSold.start({ intervalMs: unitsSoldOptions?.intervalMs ?? 1000 })
    if (options.stockStatus !== false && !closed)
      stockStatus.start({ intervalMs: options.stockStatus?.intervalMs ?? 1000 })
    if (relay && relayOptions !== false && !closed)
      relay.start({ intervalMs: relayOptions?.intervalMs ?? 500 })
  }
  const unitsSoldFallback = setTimeout(startUnitsSold, UNITS_SOLD_START_FALLBACK_MS)
  unitsSoldFallback.unref?.()

  return {
    inventory,
    catalog,
    search,
    promotions,
    prices,
    shipping,
    shipments,
    cart,
    checkout,
    orders,
    fraud,
    sellers,
    customers: createCustomerService({ store: storage.addresses, clock, ids }),
    events,
    subscribers,
    async migrate() {
      await storage.migrate()
      // The config's subscribers get their cursors now, before the app serves anything.
      await relay?.registerAdopted()
      startUnitsSold()
    },
    async close() {
      if (closed) return
      closed = true
      clearTimeout(unitsSoldFallback)
      await indexer.stop()
      await unitsSold.stop()
      await stockStatus.stop()
      await relay?.stop()
      events.removeAllListeners()
      await storage.close()
    },
  }
}

/** `commerce.subscribers` over a storage without an event log: every call says so. */
function storageWithoutEventLog(): DurableSubscribers {
  const refuse = async (): Promise<never> => {
    throw new ConfigError('Durable subscribers need a storage with an event log (postgresStorage has one)', [
      { path: 'storage', message: 'storage has no eventLog' },
    ])
  }
  return {
    add: refuse,
    names: () => [],
    remove: refuse,
    drain: refuse,
    deadLetters: refuse,
    replay: refuse,
    discard: refuse,
  }
}
