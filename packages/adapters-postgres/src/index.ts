/**
 * @souk/adapters-postgres: Souk's reference storage adapter. PostgreSQL through Kysely, on
 * node-postgres or on embedded PGlite, with migrations, atomic stock reservations and the outbox.
 * One factory per port: `postgresStorage` (`Storage`) and `postgresSearchIndex` (`SearchIndex`);
 * the per-domain stores behind `postgresStorage` are internal.
 */
export type { SoukDatabase } from './database.js'
export { mapPostgresError } from './map-postgres-error.js'
export { soukMigrations } from './migrations/souk-migrations.js'
export { type PGliteLike, pgliteDialect } from './pglite-dialect.js'
export {
  type PostgresPool,
  type PostgresStorage,
  type PostgresStorageConfig,
  postgresStorage,
} from './postgres-storage.js'
export {
  type PostgresSearchIndexOptions,
  postgresSearchIndex,
  type SearchIndexStorage,
} from './search/postgres-search-index.js'
