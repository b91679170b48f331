import { z } from 'zod'
import { similarPriceBandSchema } from '../catalog/catalog-schemas.js'
import type { Clock } from '../clock/clock.js'
import type { DurableSubscriber } from '../events/durable-subscriber.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { MAX_RESERVATION_TTL_MS } from '../inventory/inventory-schemas.js'
import type { Logger } from '../logger/logger.js'
import { currencyCodeSchema } from '../money/currencies.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { Cache } from '../ports/cache.js'
import type { CartStore } from '../ports/cart-store.js'
import type { FlashSalePrices } from '../ports/flash-sale-prices.js'
import type { FraudCheck } from '../ports/fraud-check.js'
import type { PaymentProvider } from '../ports/payment-provider.js'
import type { SearchIndex } from '../ports/search-index.js'
import type { ShippingRateProvider } from '../ports/shipping-rate-provider.js'
import type { Storage } from '../ports/storage.js'
import type { TaxCalculator } from '../ports/tax-calculator.js'

/** Longest catalog cache TTL accepted: 1 day. */
const MAX_CACHE_TTL_MS = 24 * 60 * 60 * 1000

const hasMethods =
  <T>(...names: string[]) =>
  (value: unknown): value is T =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')

/** What `createCommerce` accepts. Only `storage` is required. */
export interface CommerceConfig {
  /** The durable store, e.g. `postgresStorage({ connectionString })`. */
  readonly storage: Storage
  /** Source of the current time. Default: the system clock. */
  readonly clock?: Clock
  /** Makes entity ids. Default: `prefix_<ulid>`. */
  readonly ids?: IdGenerator
  /** Default: JSON lines to the console at level `warn`. */
  readonly logger?: Logger
  /** Chooses locations for reservations. Default: one location that fills all, else split. */
  readonly allocation?: AllocationStrategy
  /** How long reservations hold stock by default, in ms. Default: 15 minutes. */
  readonly reservationTtlMs?: number
  /**
   * How long the request that claimed a checkout idempotency key is trusted to finish its order,
   * in ms; a retry with the same key after that resumes the order itself. Default 5000.
   */
  readonly checkoutKeyLeaseMs?: number
  /**
   * How long the outbox keeps acked messages and domain events before `checkout.recover()` deletes
   * them, in ms. Default 7 days.
   */
  readonly outboxRetentionMs?: number
  /** Read-through cache for catalog reads. Default: an in-process LRU, `createMemoryCache()`. */
  readonly cache?: Cache
  /** Catalog cache TTLs in ms. Defaults: product reads 5 minutes, listings 1 minute. */
  readonly catalogCache?: { readonly productTtlMs?: number; readonly listingTtlMs?: number }
  /**
   * `catalog.recommendations`: similar products are those of the same category whose lowest price
   * lies within `similarPriceBandPercent` (whole percent, 0 to 100) of the product's, both in its
   * primary currency. Default 20 (±20%).
   */
  readonly recommendations?: { readonly similarPriceBandPercent?: number }
  /**
   * Shipping rate sources quoted beside Souk's own zone tables (carrier APIs). Default: none.
   * Ids must be unique and not `'zones'`.
   */
  readonly shipping?: { readonly providers?: readonly ShippingRateProvider[] }
  /**
   * Payment providers checkout may charge; the first is the default. Default none: checkout of
   * anything that costs money then fails with `config.invalid`. Use `createTestPaymentProvider()`
   * in development and tests, `stripePayments(...)` in production.
   */
  readonly payments?: readonly PaymentProvider[]
  /** Computes tax at checkout and in cart totals. Default: no tax. */
  readonly tax?: TaxCalculator
  /**
   * Fraud checks run at checkout before anything is created or charged, e.g.
   * `defaultFraudRules({ ... })` (see docs/fraud.md). Several combine: any reject wins, else any
   * review. Default none. Needs a storage with `fraud` (postgresStorage has one).
   */
  readonly fraud?: FraudCheck | readonly FraudCheck[]
  /**
   * How long an order held for review keeps its stock reserved while staff decide, in ms; at the
   * end `checkout.recover()` rejects it. Default 3 days, at most 7 (a card authorization's life).
   */
  readonly fraudReviewHoldMs?: number
  /**
   * Verifies flash-sale tickets at checkout and gives their sale price, e.g. `redisFlashSales(...)`.
   * Default none: `placeOrder` with `flashSaleTickets` then throws `ConfigError`.
   */
  readonly flashSales?: FlashSalePrices
  /** Whether catalog prices already include tax (EU style). Default false. */
  readonly pricesIncludeTax?: boolean
  /** A faster cart store layered over storage's, e.g. `redisCartStore(...)`. Default `storage.carts`. */
  readonly carts?: CartStore
  /** Idle time after which carts expire, in ms. Default 30 days. */
  readonly cartTtlMs?: number
  /**
   * The product search index, e.g. `typesenseSearch(...)`. Default `storage.search` (Postgres
   * full-text search with `postgresStorage`).
   */
  readonly search?: SearchIndex
  /** Currency the search index prices products in. Default `'USD'`. */
  readonly searchCurrency?: string
  /**
   * Keep the search index in step in this process: a poller applies catalog changes every
   * `intervalMs` (default 1000). Default off: call `commerce.search.sync()` from a worker instead.
   */
  readonly searchSync?: { readonly intervalMs?: number }
  /**
   * Apply units sold (popularity) from the outbox in this process: a poller sums the sales,
   * cancellations and returns written since its last round every `intervalMs` (default 1000), so
   * the `popular` sort and recommendations lag sales by about that much. It starts when
   * `commerce.migrate()` resolves (or 5 s after start-up for hosts that migrate elsewhere). Default
   * on; `false` turns it off: call `commerce.catalog.syncUnitsSold()` from a worker instead.
   */
  readonly unitsSold?: { readonly intervalMs?: number } | false
  /**
   * Drop cached listings in this process when products go in or out of stock: a poller applies the
   * flips storage wrote to the outbox every `intervalMs` (default 1000), so cached listings show a
   * flip within about that much. It starts with the units-sold poller. With a per-process memory
   * cache only the process that applies a flip drops its listings (others wait out the listing
   * TTL); with a shared cache (Redis) one drop serves all. Default on; `false` turns it off: call
   * `commerce.catalog.syncStockStatus()` from a worker instead.
   */
  readonly stockStatus?: { readonly intervalMs?: number } | false
  /**
   * Durable subscribers (see docs/events.md): every committed domain event of their types is
   * delivered at least once, in order per aggregate, across crashes and processes. More can be
   * added later with `commerce.subscribers.add(...)`. Needs a storage with an `eventLog`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each subscriber is typed for its own event types
  readonly subscribers?: readonly DurableSubscriber<any>[]
  /**
   * The relay that delivers to durable subscribers in this process: a round every `intervalMs`
   * (default 500) while idle, at once again while events wait; `leaseMs` (default 30 000) is how
   * long a relay holds a partition per round, `batchSize` (default 100) the events per round,
   * `retryDelayMs` (default 1000) the first retry delay, doubling up to `maxRetryDelayMs` (default
   * 5 minutes). It starts when `commerce.migrate()` resolves (or 5 s after start-up). `false`: no
   * relay here; call `commerce.subscribers.drain()` from a worker instead.
   */
  readonly relay?:
    | {
        readonly intervalMs?: number
        readonly leaseMs?: number
        readonly batchSize?: number
        readonly retryDelayMs?: number
        readonly maxRetryDelayMs?: number
      }
    | false
}

const fraudCheckSchema = z.custom<FraudCheck>(
  (v) => hasMethods('assess')(v) && typeof (v as { id?: unknown }).id === 'string',
  { message: 'a fraud check needs an id and assess()' },
)

export const commerceConfigSchema = z.strictObject({
  payments: z
    .array(
      z.custom<PaymentProvider>((v) => hasMethods('authorize', 'capture', 'void', 'refund', 'status')(v), {
        message: 'a payment provider needs authorize/capture/void/refund/status',
      }),
    )
    .refine(
      (list) => new Set(list.map((p) => p.id)).size === list.length,
      'payment provider ids must be unique',
    )
    .optional(),
  tax: z.custom<TaxCalculator>(hasMethods('calculate'), { message: 'tax must have calculate()' }).optional(),
  fraud: z
    .union([
      fraudCheckSchema,
      z
        .array(fraudCheckSchema)
        .max(20)
        .refine(
          (list) => new Set(list.map((c) => c.id)).size === list.length,
          'fraud check ids must be unique',
        ),
    ])
    .optional(),
  fraudReviewHoldMs: z
    .number()
    .int()
    .min(60_000)
    .max(7 * 86_400_000)
    .optional(),
  flashSales: z
    .custom<FlashSalePrices>(hasMethods('claimTickets', 'unclaimTickets'), {
      message: 'flashSales must have claimTickets() and unclaimTickets()',
    })
    .optional(),
  pricesIncludeTax: z.boolean().optional(),
  carts: z
    .custom<CartStore>(hasMethods('get', 'insert', 'save'), { message: 'carts must be a CartStore' })
    .optional(),
  cartTtlMs: z
    .number()
    .int()
    .min(60_000)
    .max(365 * 86_400_000)
    .optional(),
  storage: z.custom<Storage>(hasMethods('migrate', 'transaction', 'close'), {
    // A connection string passed straight in is the usual first mistake: say how to wrap it.
    error: (issue) =>
      issue.input === undefined
        ? 'storage is required: a Storage adapter such as postgresStorage({ connectionString })'
        : typeof issue.input === 'string'
          ? 'storage must be a Storage adapter, not a string: pass postgresStorage({ connectionString })'
          : 'storage must be a Storage adapter such as postgresStorage({ connectionString }) (migrate, transaction and close)',
  }),
  clock: z.custom<Clock>(hasMethods('now'), { message: 'clock must have now()' }).optional(),
  ids: z
    .custom<IdGenerator>((v) => typeof v === 'function', { message: 'ids must be a function' })
    .optional(),
  logger: z
    .custom<Logger>(hasMethods('debug', 'info', 'warn', 'error'), {
      message: 'logger needs debug/info/warn/error',
    })
    .optional(),
  allocation: z
    .custom<AllocationStrategy>((v) => typeof v === 'function', { message: 'allocation must be a function' })
    .optional(),
  reservationTtlMs: z.number().int().min(1000).max(MAX_RESERVATION_TTL_MS).optional(),
  checkoutKeyLeaseMs: z.number().int().min(100).max(600_000).optional(),
  outboxRetentionMs: z
    .number()
    .int()
    .min(60_000)
    .max(366 * 86_400_000)
    .optional(),
  searchCurrency: currencyCodeSchema.optional(),
  searchSync: z.strictObject({ intervalMs: z.number().int().min(50).max(3_600_000).optional() }).optional(),
  subscribers: z
    .array(
      z.custom<DurableSubscriber>((v) => typeof v === 'object' && v !== null, {
        message: 'a subscriber is an object',
      }),
    )
    .max(1000)
    .optional(),
  relay: z
    .union([
      z.literal(false),
      z.strictObject({
        intervalMs: z.number().int().min(10).max(3_600_000).optional(),
        leaseMs: z.number().int().min(1000).max(3_600_000).optional(),
        batchSize: z.number().int().min(1).max(10_000).optional(),
        retryDelayMs: z.number().int().min(1).max(3_600_000).optional(),
        maxRetryDelayMs: z.number().int().min(1).max(86_400_000).optional(),
      }),
    ])
    .optional(),
  unitsSold: z
    .union([
      z.literal(false),
      z.strictObject({ intervalMs: z.number().int().min(50).max(3_600_000).optional() }),
    ])
    .optional(),
  stockStatus: z
    .union([
      z.literal(false),
      z.strictObject({ intervalMs: z.number().int().min(50).max(3_600_000).optional() }),
    ])
    .optional(),
  search: z
    .custom<SearchIndex>(hasMethods('upsert', 'delete', 'search', 'clear'), {
      message: 'search needs upsert/delete/search/clear',
    })
    .optional(),
  cache: z
    .custom<Cache>(hasMethods('get', 'set', 'delete', 'increment'), {
      message: 'cache needs get/set/delete/increment',
    })
    .optional(),
  recommendations: z.strictObject({ similarPriceBandPercent: similarPriceBandSchema.optional() }).optional(),
  catalogCache: z
    .strictObject({
      productTtlMs: z.number().int().min(1).max(MAX_CACHE_TTL_MS).optional(),
      listingTtlMs: z.number().int().min(1).max(MAX_CACHE_TTL_MS).optional(),
    })
    .optional(),
  shipping: z
    .strictObject({
      providers: z
        .array(
          z.custom<ShippingRateProvider>(
            (v) => hasMethods('quote')(v) && typeof (v as { id?: unknown }).id === 'string',
            { message: 'a shipping provider needs an id and quote()' },
          ),
        )
        .refine(
          (providers) => new Set([...providers.map((p) => p.id), 'zones']).size === providers.length + 1,
          { message: "shipping provider ids must be unique and not 'zones'" },
        )
        .optional(),
    })
    .optional(),
})
