import {
  ConfigError,
  type EventLogStore,
  type SearchIndex,
  type Storage,
  type StorageStores,
} from '@souk/core'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import pg from 'pg'
import { z } from 'zod'
import { createPostgresCartStore } from './carts/postgres-cart-store.js'
import { createPostgresCatalogStore } from './catalog/postgres-catalog-store.js'
import { type HotPath, kyselyHotPath, poolHotPath } from './checkout/hot-path.js'
import { createPostgresCheckoutStore } from './checkout/postgres-checkout-store.js'
import { createPostgresAddressStore } from './customers/postgres-address-store.js'
import type { SoukDatabase } from './database.js'
import { createPostgresEventLogStore } from './events/postgres-event-log-store.js'
import { guardPool } from './guarded-pool.js'
import { createPostgresIdempotencyStore } from './idempotency/postgres-idempotency-store.js'
import { createPostgresInventoryStore } from './inventory/postgres-inventory-store.js'
import { withMappedErrors } from './map-postgres-error.js'
import { soukMigrations } from './migrations/souk-migrations.js'
import { createPostgresOrderStore } from './orders/postgres-order-store.js'
import { createPostgresOutboxStore } from './outbox/postgres-outbox-store.js'
import { createPostgresPaymentRecordStore } from './payments/postgres-payment-record-store.js'
import { type PGliteLike, pgliteDialect } from './pglite-dialect.js'
import { createPostgresPromotionStore } from './promotions/postgres-promotion-store.js'
import { createPostgresSearchIndex } from './search/postgres-search-index.js'
import { createPostgresShipmentStore } from './shipments/postgres-shipment-store.js'
import { createPostgresShippingStore } from './shipping/postgres-shipping-store.js'

/** The subset of node-postgres' `Pool` Souk needs (Kysely's `PostgresPool`); inject your own. */
export interface PostgresPool {
  connect(): Promise<unknown>
  end(): Promise<void>
}

interface CommonOptions {
  /** Postgres schema that holds Souk's tables and functions. Default `'souk'`. */
  readonly schema?: string
  /**
   * Send checkout's statements as named (prepared) statements, planned once per connection: about a
   * third less database CPU per order. Turn off behind a pooler in transaction mode that cannot
   * keep them (pgbouncer before 1.21). Only `connectionString` and `pool` use them. Default true.
   */
  readonly preparedStatements?: boolean
}

/** Exactly one way to reach the database. */
export type PostgresStorageConfig = CommonOptions &
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
  /**
   * Postgres full-text search over this database with default options (see `postgresSearchIndex`
   * for others). Typo tolerance needs pg_trgm; on PGlite create the instance with it:
   * `new PGlite('memory://', { extensions: { pg_trgm } })` (`pg_trgm` from
   * `@electric-sql/pglite/contrib/pg_trgm`).
   */
  readonly search: SearchIndex
}

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
const configSchema = z.union([
  z.strictObject({
    connectionString: z.string().min(1),
    poolSize: z.number().int().min(1).max(1000).optional(),
    schema: identifier.optional(),
    preparedStatements: z.boolean().optional(),
  }),
  z.strictObject({
    pool: z.custom<PostgresPool>((v) => typeof (v as PostgresPool)?.connect === 'function'),
    schema: identifier.optional(),
    preparedStatements: z.boolean().optional(),
  }),
  z.strictObject({
    pglite: z.custom<PGliteLike>((v) => typeof (v as PGliteLike)?.query === 'function'),
    schema: identifier.optional(),
    preparedStatements: z.boolean().optional(),
  }),
  z.strictObject({
    db: z.custom<Kysely<unknown>>((v) => v instanceof Kysely),
    schema: identifier.optional(),
    preparedStatements: z.boolean().optional(),
  }),
])

/** The stores over `db`; `hot` only for the stores outside transactions (see createPostgresCartStore). */
function stores(db: Kysely<SoukDatabase>, schema: string, hot?: HotPath): StorageStores {
  return {
    inventory: createPostgresInventoryStore(db, schema),
    catalog: createPostgresCatalogStore(db, schema),
    orders: createPostgresOrderStore(db, schema),
    idempotency: createPostgresIdempotencyStore(db, schema),
    carts: createPostgresCartStore(db, schema, hot),
    payments: createPostgresPaymentRecordStore(db),
    shipments: createPostgresShipmentStore(db),
    addresses: createPostgresAddressStore(db),
    promotions: createPostgresPromotionStore(db, schema),
    shipping: createPostgresShippingStore(db, schema),
    outbox: createPostgresOutboxStore(db, schema),
  }
}

/**
 * Souk's reference storage: PostgreSQL through Kysely, on node-postgres or embedded PGlite.
 * Throws `ConfigError` unless exactly one of `connectionString`, `pool`, `pglite` or `db` is given.
 */
export function postgresStorage(config: PostgresStorageConfig): PostgresStorage {
  const parsed = configSchema.safeParse(config)
  if (!parsed.success) {
    throw new ConfigError(
      'postgresStorage needs exactly one of { connectionString }, { pool }, { pglite } or { db }, and an optional lower-case schema',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    )
  }
  const schema = config.schema ?? 'souk'
  let root: Kysely<unknown>
  // Kysely's destroy() ends the pool it drives, so only a Kysely over a pool we opened is destroyed.
  let ownsPool = false
  const prepared = config.preparedStatements ?? true
  let hot: HotPath | undefined
  // Named statements need a node-postgres pool: PGlite and an injected Kysely go through Kysely.
  let pooled = false
  if ('connectionString' in config) {
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: config.poolSize ?? 10,
      // A server that vanished without closing its sockets (a failover, a dropped route) would
      // otherwise hold a connect, or a wait for a free client, for minutes: fail it as
      // storage.unavailable after 10 s instead, and let TCP keepalive find dead idle sockets.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    })
    // Listeners on the pool and every client, and broken clients destroyed: see guardPool.
    const guarded = guardPool(pool)
    root = new Kysely({ dialect: new PostgresDialect({ pool: guarded }) })
    hot = poolHotPath(guarded, prepared)
    pooled = true
    ownsPool = true
  } else if ('pool' in config) {
    const guarded = guardPool(config.pool)
    root = new Kysely({ dialect: new PostgresDialect({ pool: guarded }) })
    hot = poolHotPath(guarded, prepared)
    pooled = true
  } else if ('pglite' in config) {
    root = new Kysely({ dialect: pgliteDialect(config.pglite) })
  } else {
    // Souk's queries need the plain column names: a host's CamelCasePlugin would rename them.
    root = config.db.withoutPlugins()
  }
  const db = root.withSchema(schema) as unknown as Kysely<SoukDatabase>
  hot ??= kyselyHotPath(root)

  return {
    db,
    schema,
    ...stores(db, schema, prepared && pooled ? hot : undefined),
    checkout: createPostgresCheckoutStore(hot, schema),
    eventLog: createPostgresEventLogStore(db, schema),
    search: createPostgresSearchIndex(db, schema),

    async migrate() {
      const migrator = new Migrator({
        db: root,
        provider: { getMigrations: async () => soukMigrations(schema) },
        migrationTableSchema: schema,
        migrationTableName: 'migrations',
        migrationLockTableName: 'migrations_lock',
      })
      const { error, results } = await migrator.migrateToLatest()
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName
        throw await withMappedErrors(async () => {
          throw error
        }).catch((mapped: Error) => {
          mapped.message = `Migration ${failed ?? ''} failed: ${mapped.message}`
          return mapped
        })
      }
    },

    transaction: (work) =>
      withMappedErrors(() => db.transaction().execute((trx) => work(stores(trx, schema)))),

    async close() {
      if (ownsPool) await root.destroy()
    },
  }
}
