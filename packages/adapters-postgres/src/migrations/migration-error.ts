import { isCommerceError, StorageError } from '@souk/core'
import type { MigrationResult } from 'kysely'
import { mapPostgresError } from '../map-postgres-error.js'

/**
 * The error `migrate()` throws when Kysely's migrator fails: `storage.unavailable` when the
 * database could not be reached (retry later), else `storage.failed`. The message names the
 * migration that failed, or says that none ran (the connection, the lock or the schema failed
 * first), and what to check; the driver's own words (host names, SQLSTATEs) stay in `cause` and
 * `details.sqlState`.
 */
export function migrationError(
  error: unknown,
  schema: string,
  results: readonly MigrationResult[] | undefined,
): StorageError {
  const mapped = mapPostgresError(error)
  const migration = results?.find((r) => r.status === 'Error')?.migrationName ?? null
  const unavailable = isCommerceError(mapped, 'storage.unavailable')
  const sqlState = isCommerceError(mapped) ? mapped.details.sqlState : undefined
  const message =
    migration !== null
      ? `Migration ${migration} of schema "${schema}" failed; the migrations of this run were rolled back (see the cause)`
      : unavailable
        ? `Could not migrate schema "${schema}": the database is unavailable. Check the connection settings and that Postgres is running, then call migrate() again`
        : `Could not migrate schema "${schema}": the database refused before any migration ran. Check that the database exists and that the role may create the schema and its tables (see the cause)`
  return new StorageError(
    unavailable ? 'storage.unavailable' : 'storage.failed',
    message,
    { schema, migration, ...(typeof sqlState === 'string' ? { sqlState } : {}) },
    { cause: error },
  )
}
