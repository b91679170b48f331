import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type MigrationResultSet,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  sql,
  type Transaction,
} from 'kysely'
import { migrationError } from './migration-error.js'
import { soukMigrations } from './souk-migrations.js'

/** Kysely's Postgres migration lock id: Souk's migrations and the host's Kysely ones exclude each other. */
const KYSELY_MIGRATION_LOCK_ID = '3853314791062309107'

/**
 * Kysely's Postgres adapter takes its migration lock with `pg_advisory_lock` and drops it with
 * `pg_advisory_unlock`, two statements outside the migrations' transaction. Behind a pooler in
 * transaction mode those run on whichever server connection is free: the unlock misses, the lock
 * stays with an idle server connection, and every later `migrate()` waits on it (Kysely's lock
 * timeout is an hour). Souk takes the same lock id with `pg_advisory_xact_lock` as the first
 * statement of one transaction that holds the whole run, so the lock ends with that transaction,
 * wherever it ran. This adapter's own lock calls are then no-ops.
 */
class LockHeldAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

/** Kysely's Migrator runs on `trx`: every query it sends joins that one open transaction. */
function inTransactionDialect<DB>(trx: Transaction<DB>): Dialect {
  const connection: DatabaseConnection = {
    executeQuery: <R>(compiled: CompiledQuery) => trx.executeQuery<R>(compiled),
    // biome-ignore lint/correctness/useYield: the Migrator never streams.
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error('migrations do not stream')
    },
  }
  // The Migrator is told not to open transactions (disableTransactions): trx is the transaction.
  const unused = async () => {
    throw new Error('the migrations already run in one transaction')
  }
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: unused,
    commitTransaction: unused,
    rollbackTransaction: unused,
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  }
  return {
    createAdapter: () => new LockHeldAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }
}

/**
 * Runs Souk's pending migrations with Kysely's Migrator (its tables and results) in one
 * transaction under a transaction-level advisory lock: safe from several processes at once,
 * directly or through a pooler in transaction mode, and all-or-nothing. Throws `migrationError`.
 */
export async function runMigrations<DB>(root: Kysely<DB>, schema: string): Promise<void> {
  let outcome: MigrationResultSet | undefined
  try {
    await root.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(KYSELY_MIGRATION_LOCK_ID)}::bigint)`.execute(trx)
      const migrator = new Migrator({
        db: new Kysely<unknown>({ dialect: inTransactionDialect(trx) }),
        provider: { getMigrations: async () => soukMigrations(schema) },
        migrationTableSchema: schema,
        migrationTableName: 'migrations',
        migrationLockTableName: 'migrations_lock',
        disableTransactions: true,
      })
      outcome = await migrator.migrateToLatest()
      // Thrown to roll back the migrations of this run that did apply.
      if (outcome.error !== undefined) throw outcome.error
    })
  } catch (error) {
    throw migrationError(error, schema, outcome?.results)
  }
}
