import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import { redisCache, redisCartStore, redisInvalidationBus } from '@souk/adapters-redis'
import { typesenseSearch } from '@souk/adapters-search'
import {
  type Cache,
  type CartStore,
  type Commerce,
  type CommerceConfig,
  consoleLogger,
  createCommerce,
  createTestPaymentProvider,
  createTieredCache,
  defaultFraudRules,
  type Logger,
  type PaymentProvider,
  type SearchIndex,
  type TestPaymentProvider,
} from '@souk/core'
import type { PaypalPaymentProvider } from '@souk/payments-paypal'
import { stripePayments } from '@souk/payments-stripe'
import { Redis } from 'ioredis'
import Stripe from 'stripe'
import { Client as TypesenseClient } from 'typesense'
import { EXAMPLE_FRAUD_RULES } from './fraud-config.js'
import { openPglite } from './open-pglite.js'
import { openPaypal } from './paypal-wiring.js'
import type { StorefrontConfig } from './storefront-config.js'

/** A wired Commerce and what it runs on, for the server, the seeder and the tests. */
export interface OpenedCommerce {
  readonly commerce: Commerce
  readonly storage: PostgresStorage
  /** One line per part, e.g. `storage: PGlite (embedded) at /repo/.souk-data/pglite`. */
  readonly description: readonly string[]
  /** The built-in test provider when checkout charges it (no Stripe keys), else null. */
  readonly testPayments: TestPaymentProvider | null
  /** The PayPal provider when PAYPAL_* is set (checkout's `payment.provider: 'paypal'`), else null. */
  readonly paypal: PaypalPaymentProvider | null
  /** The Redis client when REDIS_URL is set (shared rate-limit counters use it), else null. */
  readonly redis: Redis | null
  /** Closes Commerce, then every client opened here. */
  close(): Promise<void>
}

function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparsable URL)'
  }
}

/**
 * Opens storage (PGlite under `dataDir`, or Postgres at `databaseUrl`), then Redis, Typesense and
 * Stripe when configured, and wires Commerce over them. Does not migrate or seed.
 */
export async function openCommerce(
  config: StorefrontConfig,
  logger: Logger = consoleLogger('warn'),
): Promise<OpenedCommerce> {
  const closers: (() => Promise<unknown>)[] = []
  const description: string[] = []

  let storage: PostgresStorage
  if (config.databaseUrl) {
    storage = postgresStorage({ connectionString: config.databaseUrl, poolSize: 20 })
    description.push(`storage: PostgreSQL at ${redact(config.databaseUrl)}`)
  } else {
    const dir = `${config.dataDir}/pglite`
    const pglite = await openPglite(dir)
    closers.push(() => pglite.close())
    storage = postgresStorage({ pglite })
    description.push(`storage: PGlite (embedded) at ${dir}  (set DATABASE_URL for a real PostgreSQL)`)
  }

  let cache: Cache | undefined
  let carts: CartStore | undefined
  let redis: Redis | null = null
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true })
    // ioredis reconnects by itself; without a listener every failed attempt while Redis is down
    // is printed as an "Unhandled error event". One line per outage is enough.
    let down = false
    redis.on('error', (error: Error) => {
      if (!down)
        logger.warn('redis unreachable; calls fall back or fail as storage.unavailable', {
          error: error.message,
        })
      down = true
    })
    redis.on('ready', () => {
      down = false
    })
    await redis.connect()
    const client = redis
    closers.unshift(() => client.quit())
    // Hot catalog reads from process memory; every write reaches the other processes' copies over
    // pub/sub (docs/redis.md, "Many processes: the tiered cache").
    const bus = redisInvalidationBus({ redis, logger })
    closers.unshift(() => bus.close())
    cache = createTieredCache({ shared: redisCache({ redis, logger }), bus, logger })
    carts = redisCartStore({ redis, durable: storage.carts, logger })
    description.push(
      `cache: Redis at ${redact(config.redisUrl)} behind an in-process tier (invalidated across processes over Redis pub/sub), carts: Redis over PostgreSQL (write-through)`,
    )
  } else {
    description.push('cache: in-process LRU, carts: PostgreSQL  (set REDIS_URL for Redis)')
  }

  let search: SearchIndex | undefined
  if (config.typesense) {
    const url = new URL(config.typesense.url)
    const client = new TypesenseClient({
      nodes: [
        {
          host: url.hostname,
          port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          protocol: url.protocol.replace(':', ''),
        },
      ],
      apiKey: config.typesense.apiKey,
    })
    search = typesenseSearch({ client })
    description.push(`search: Typesense at ${config.typesense.url}`)
  }

  let payments: PaymentProvider[]
  let testPayments: TestPaymentProvider | null = null
  if (config.stripe) {
    const stripe = new Stripe(config.stripe.secretKey)
    payments = [stripePayments({ stripe, webhookSecret: config.stripe.webhookSecret })]
    description.push(
      `payments: Stripe${config.stripe.publishableKey ? ' with Stripe Elements in the browser' : ' (set STRIPE_PUBLISHABLE_KEY for Stripe Elements)'}`,
    )
  } else {
    testPayments = createTestPaymentProvider()
    payments = [testPayments]
    description.push(
      'payments: built-in test provider, test card pm_card_visa  (set STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET for Stripe)',
    )
  }

  // PayPal beside the default provider: checkout picks it with `payment: { provider: 'paypal' }`.
  let paypal: PaypalPaymentProvider | null = null
  if (config.paypal) {
    const opened = openPaypal(config.paypal)
    paypal = opened.provider
    payments.push(opened.provider)
    description.push(opened.description)
  }

  const commerceConfig: CommerceConfig = {
    storage,
    logger,
    payments,
    ...(cache ? { cache } : {}),
    ...(carts ? { carts } : {}),
    ...(search ? { search } : {}),
    ...(Object.keys(config.relay).length > 0 ? { relay: config.relay } : {}),
    // Fraud checks before payment (docs/fraud.md): FRAUD_RULES, or the example's defaults.
    ...(config.fraud === null ? {} : { fraud: defaultFraudRules(config.fraud ?? EXAMPLE_FRAUD_RULES) }),
  }
  const commerce = createCommerce(commerceConfig)
  if (!config.typesense) {
    description.push(
      'search: PostgreSQL full-text with pg_trgm typo tolerance  (set TYPESENSE_URL for Typesense)',
    )
  }
  return {
    commerce,
    storage,
    description,
    testPayments,
    paypal,
    redis,
    async close() {
      await commerce.close()
      for (const close of closers) await close().catch(() => undefined)
    },
  }
}
