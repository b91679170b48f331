import {
  type EventLogStore,
  type FraudStore,
  type PriceScheduleStore,
  parseConfig,
  type SearchIndex,
  type Storage,
  type StorageStores,
} from '@souk/core'
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely'
import pg from 'pg'
import { z } from 'zod'
import { createPostgresCartStore } from './carts/postgres-cart-store.js'
import { createPostgresCatalogStore } from './catalog/postgres-catalog-store.js'
import { createPostgresRecommendationStore } from './catalog/postgres-recommendation-store.js'
import { createPostgresReviewStore } from './catalog/postgres-review-store.js'
import { type HotPath, kyselyHotPath, poolHotPath } from './checkout/hot-path.js'
import { createPostgresCheckoutStore } from './checkout/postgres-checkout-store.js'
import { createPostgresAddressStore } from './customers/postgres-address-store.js'
import type { SoukDatabase } from './database.js'
import { createPostgresEventLogStore } from './events/postgres-event-log-store.js'
import { createPostgresFraudStore } from './fraud/postgres-fraud-store.js'
import { guardPool } from './guarded-pool.js'
import { createPostgresIdempotencyStore } from './idempotency/postgres-idempotency-store.js'
import { createPostgresInventoryStore } from './inventory/postgres-inventory-store.js'
import { withMappedErrors } from './map-postgres-error.js'
import { runMigrations } from './migrations/run-migrations.js'
import { createPostgresOrderStore } from './orders/postgres-order-store.js'
import { createPostgresOutboxStore } from './outbox/postgres-outbox-store.js'
import { createPostgresPaymentRecordStore } from './payments/postgres-payment-record-store.js'
import { type PGliteLike, pgliteDialect } from './pglite-dialect.js'
import { createPostgresPriceScheduleStore } from './pricing/postgres-price-schedule-store.js'
import { createPostgresPromotionStore } from './promotions/postgres-promotion-store.js'
import { replicaReads } from './replica/replica-reads.js'
import { createReplicaRouter, type ReadReplica } from './replica/replica-router.js'
import { createPostgresSearchFeed } from './search/postgres-search-feed.js'
import { postgresSearchIndex } from './search/postgres-search-index.js'
import { createPostgresSellerStore } from './sellers/postgres-seller-store.js'
import { createPostgresShipmentStore } from './shipments/postgres-shipment-store.js'
import { createPostgresShippingStore } from './shipping/postgres-shipping-store.js'

/** The subset of node-postgres' `Pool` Souk needs: Kysely's `PostgresPool`; inject your own. */
export type { PostgresPool }

interface CommonOptions {
  /** Postgres schema that holds Souk's tables and functions. Default `'souk'`. */
  readonly schema?: string
  /**
   * Send checkout's statements as named (prepared) statements, planned once per connection: about a
   * third less database CPU per order. Turn off behind a pooler in transaction mode that cannot
   * keep them (pgbouncer before 1.21); left on there, the first statement a server session lacks
   * (26000) or already holds (42P05) is sent again unnamed, and so is every one after it. Only
   * `connectionString` and `pool` use them. Default true.
   */
  readonly preparedStatements?: boolean
}

/**
 * A streaming read replica of the primary, for the catalog, search and listing reads that may be
 * eventually consistent (see `ReadReplica`). At most one of `readConnectionString`, `readPool` and
 * `readDb`; not with `pglite`. Each routed read first waits (at most `maxReplicaLagMs`) until the
 * replica has replayed every write that returned before the read began, so a replica read never
 * shows less than the primary would have; a replica that is down or further behind is bypassed
 * (its reads go to the primary) and tried again after `replicaRetryMs`.
 */
export interface ReadReplicaOptions {
  /** A hot standby of the primary: Souk opens (and on `close()` ends) a pool of its own. */
  readonly readConnectionString?: string
  /** Pool size for `readConnectionString`. Default 10. */
  readonly readPoolSize?: number
  /** A node-postgres Pool on the replica that you own; left open on close, guarded as `pool` is. */
  readonly readPool?: PostgresPool
  /** A Kysely instance on the replica that you own; left open on close. */
  // biome-ignore lint/suspicious/noExplicitAny: accepts the host's Kysely whatever its table types.
  readonly readDb?: Kysely<any>
  /**
   * How long a read waits for the replica to replay the writes before it; past that the read goes
   * to the primary and the replica is bypassed as lagging. Default 500.
   */
  readonly maxReplicaLagMs?: number
  /** How long a bypassed (down or lagging) replica rests before a read probes it again. Default 2000. */
  readonly replicaRetryMs?: number
}

/** Exactly one way to reach the database, and optionally a read replica. */
export type PostgresStorageConfig = CommonOptions &
  ReadReplicaOptions &
  (
    | {
        /** Souk opens (and on `close()` ends) a pool of its own. */
        readonly connectionString: string
        /** Pool size for `connectionString`. Default 10. */
        readonly poolSize?: number
      }
    | {
        /**
         * A node-postgres Pool you own; left open on close. Souk adds an `'error'` listener to it
         * and (on its `'connect'` event and at checkout) to each of its clients, so a connection
         * lost to a restart or failover rejects the query in flight (`storage.unavailable`)
         * instead of crashing the process; a client that lost its connection is destroyed, not
         * returned to the pool. Your own listeners still run.
         */
        readonly pool: PostgresPool
      }
    | {
        /**
         * An embedded `@electric-sql/pglite` instance you own; left open on close. Load pg_trgm
         * for search typo tolerance (without it search matches exact words and prefixes only):
         * ```ts
         * import { PGlite } from '@electric-sql/pglite'
         * import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
         * const pglite = new PGlite('memory://', { extensions: { pg_trgm } }) // or a data directory
         * ```
         */
        readonly pglite: PGliteLike
      }
    | {
        // biome-ignore lint/suspicious/noExplicitAny: accepts the host's Kysely whatever its table types.
        /** A Kysely instance on a Postgres dialect you own; left open on close. */ readonly db: Kysely<any>
      }
  )

/** The Postgres storage adapter. `db` is exposed for host queries and Souk's own tests. */
export interface PostgresStorage extends Storage {
  /** Kysely bound to Souk's schema. */
  readonly db: Kysely<SoukDatabase>
  readonly schema: string
  readonly eventLog: EventLogStore
  readonly fraud: FraudStore
  /** Scheduled prices (migration 013). */
  readonly priceSchedules: PriceScheduleStore
  /**
   * Postgres full-text search over this database with default options (see `postgresSearchIndex`
   * for others). Typo tolerance needs pg_trgm; on PGlite create the instance with it:
   * `new PGlite('memory://', { extensions: { pg_trgm } })` (`pg_trgm` from
   * `@electric-sql/pglite/contrib/pg_trgm`).
   */
  readonly search: SearchIndex
  /** The read replica's state and read counts; undefined without one. */
  readonly readReplica?: ReadReplica
}

const SOURCES = ['connectionString', 'pool', 'pglite', 'db'] as const
const READ_SOURCES = ['readConnectionString', 'readPool', 'readDb'] as const
const DEFAULT_POOL_SIZE = 10
const DEFAULT_MAX_REPLICA_LAG_MS = 500
const DEFAULT_REPLICA_RETRY_MS = 2000

/** `mysql://...` and other URLs node-postgres would try (and fail) to speak Postgres to. */
function foreignScheme(connectionString: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(connectionString)?.[1]?.toLowerCase()
  return scheme === undefined || scheme === 'postgres' || scheme === 'postgresql' ? null : scheme
}

const connectionStringSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((value) => foreignScheme(value) === null, {
    // Only the scheme is echoed: the rest of a URL may hold a password.
    error: (issue) =>
      `must be a postgres:// or postgresql:// URL, not ${foreignScheme(String(issue.input))}://`,
  })
const poolSchema = z.custom<PostgresPool>(
  (v) => typeof (v as PostgresPool)?.connect === 'function' && typeof (v as PostgresPool).end === 'function',
  'must be a node-postgres Pool (connect() and end())',
)
// biome-ignore lint/suspicious/noExplicitAny: the host's Kysely, whatever its table types.
const kyselySchema = z.custom<Kysely<any>>((v) => v instanceof Kysely, 'must be a Kysely instance')

const configSchema = z
  .strictObject({
    connectionString: connectionStringSchema.optional(),
    poolSize: z.number().int().min(1).max(1000).optional(),
    pool: poolSchema.optional(),
    pglite: z
      .custom<PGliteLike>(
        (v) => typeof (v as PGliteLike)?.query === 'function',
        'must be a PGlite instance (new PGlite(...))',
      )
      .optional(),
    db: kyselySchema.optional(),
    readConnectionString: connectionStringSchema.optional(),
    readPoolSize: z.number().int().min(1).max(1000).optional(),
    readPool: poolSchema.optional(),
    readDb: kyselySchema.optional(),
    maxReplicaLagMs: z.number().int().min(1).max(60_000).optional(),
    replicaRetryMs: z.number().int().min(1).max(3_600_000).optional(),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
      .default('souk'),
    preparedStatements: z.boolean().default(true),
  })
  .superRefine((config, ctx) => {
    const given = SOURCES.filter((source) => config[source] !== undefined)
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of connectionString, pool, pglite or db, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      })
    }
    if (config.poolSize !== undefined && config.connectionString === undefined) {
      ctx.addIssue({ code: 'custom', path: ['poolSize'], message: 'only applies with connectionString' })
    }
    const reads = READ_SOURCES.filter((source) => config[source] !== undefined)
    if (reads.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `takes at most one of readConnectionString, readPool or readDb, got ${reads.join(' and ')}`,
      })
    }
    if (reads.length > 0 && config.pglite !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [reads[0]!],
        message: 'read replicas need a Postgres server: PGlite has none',
      })
    }
    if (config.readPoolSize !== undefined && config.readConnectionString === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['readPoolSize'],
        message: 'only applies with readConnectionString',
      })
    }
    for (const option of ['maxReplicaLagMs', 'replicaRetryMs'] as const) {
      if (config[option] !== undefined && reads.length === 0) {
        ctx.addIssue({ code: 'custom', path: [option], message: 'only applies with a read replica' })
      }
    }
  })

/** The stores over `db`; `hot` only for the stores outside transactions (see createPostgresCartStore). */
function stores(db: Kysely<SoukDatabase>, schema: string, hot?: HotPath): StorageStores {
  return {
    inventory: createPostgresInventoryStore(db, schema),
    catalog: createPostgresCatalogStore(db, schema),
    reviews: createPostgresReviewStore(db, schema),
    orders: createPostgresOrderStore(db, schema),
    idempotency: createPostgresIdempotencyStore(db, schema),
    carts: createPostgresCartStore(db, schema, hot),
    payments: createPostgresPaymentRecordStore(db),
    shipments: createPostgresShipmentStore(db),
    addresses: createPostgresAddressStore(db),
    promotions: createPostgresPromotionStore(db, schema),
    shipping: createPostgresShippingStore(db, schema),
    sellers: createPostgresSellerStore(db, schema),
    outbox: createPostgresOutboxStore(db, schema),
  }
}

/** A pool Souk opens itself (and ends on close). */
function ownPool(connectionString: string, size: number | undefined): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: size ?? DEFAULT_POOL_SIZE,
    // A server that vanished without closing its sockets (a failover, a dropped route) would
    // otherwise hold a connect, or a wait for a free client, for minutes: fail it as
    // storage.unavailable after 10 s instead, and let TCP keepalive find dead idle sockets.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  })
}

/** The replica's Kysely (not bound to a schema), and whether Souk opened its pool; null without one. */
function readSide(
  options: z.output<typeof configSchema>,
): { root: Kysely<SoukDatabase>; owned: boolean } | null {
  const dialect = (pool: PostgresPool) => new PostgresDialect({ pool: guardPool(pool) })
  if (options.readConnectionString !== undefined) {
    const pool = ownPool(options.readConnectionString, options.readPoolSize)
    return { root: new Kysely({ dialect: dialect(pool) }), owned: true }
  }
  if (options.readPool !== undefined)
    return { root: new Kysely({ dialect: dialect(options.readPool) }), owned: false }
  if (options.readDb !== undefined) return { root: options.readDb.withoutPlugins(), owned: false }
  return null
}

/**
 * Souk's reference storage: PostgreSQL through Kysely, on node-postgres or embedded PGlite.
 * Throws `ConfigError` (`config.invalid`) unless exactly one of `connectionString` (a
 * `postgres://` URL), `pool`, `pglite` or `db` is given, or for an invalid option.
 */
export function postgresStorage(config: PostgresStorageConfig): PostgresStorage {
  const options = parseConfig(configSchema, config, 'postgresStorage config')
  const { schema, preparedStatements: prepared } = options
  let root: Kysely<SoukDatabase>
  // Kysely's destroy() ends the pool it drives, so only a Kysely over a pool we opened is destroyed.
  let ownsPool = false
  let hot: HotPath | undefined
  // Named statements need a node-postgres pool: PGlite and an injected Kysely go through Kysely.
  let pooled = false
  if (options.connectionString !== undefined) {
    // Listeners on the pool and every client, and broken clients destroyed: see guardPool.
    const guarded = guardPool(ownPool(options.connectionString, options.poolSize))
    root = new Kysely({ dialect: new PostgresDialect({ pool: guarded }) })
    hot = poolHotPath(guarded, prepared)
    pooled = true
    ownsPool = true
  } else if (options.pool !== undefined) {
    const guarded = guardPool(options.pool)
    root = new Kysely({ dialect: new PostgresDialect({ pool: guarded }) })
    hot = poolHotPath(guarded, prepared)
    pooled = true
  } else if (options.pglite !== undefined) {
    root = new Kysely({ dialect: pgliteDialect(options.pglite) })
  } else {
    // Souk's queries need the plain column names: a host's CamelCasePlugin would rename them.
    root = options.db!.withoutPlugins()
  }
  const db = root.withSchema(schema)
  hot ??= kyselyHotPath(root)

  const primaryStores = stores(db, schema, prepared && pooled ? hot : undefined)
  const readStores = {
    catalog: primaryStores.catalog,
    reviews: primaryStores.reviews,
    recommendations: createPostgresRecommendationStore(db, schema),
    search: postgresSearchIndex({ storage: { db, schema } }),
  }
  const read = readSide(options)
  const router =
    read &&
    createReplicaRouter({
      primary: root,
      replica: read.root,
      maxLagMs: options.maxReplicaLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS,
      retryMs: options.replicaRetryMs ?? DEFAULT_REPLICA_RETRY_MS,
    })

  return {
    db,
    schema,
    ...primaryStores,
    ...(read && router
      ? {
          ...replicaReads(router, readStores, read.root.withSchema(schema), schema),
          readReplica: { status: () => router.status() },
        }
      : readStores),
    checkout: createPostgresCheckoutStore(hot, schema),
    fraud: createPostgresFraudStore(db, hot, schema),
    eventLog: createPostgresEventLogStore(db, schema),
    priceSchedules: createPostgresPriceScheduleStore(db, schema),
    searchFeed: createPostgresSearchFeed(db, schema),

    // One transaction under a transaction-level lock: also safe through a transaction pooler.
    migrate: () => runMigrations(root, schema),

    transaction: (work) =>
      withMappedErrors(() => db.transaction().execute((trx) => work(stores(trx, schema)))),

    async close() {
      router?.close()
      if (read?.owned) await read.root.destroy()
      if (ownsPool) await root.destroy()
    },
  }
}
