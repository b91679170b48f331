/**
 * @souk/adapters-postgres: Souk's reference storage adapter. PostgreSQL through Kysely, on
 * node-postgres or on embedded PGlite, with migrations, atomic stock reservations and the outbox.
 */
export { listProductsSql } from './catalog/list-products-query.js'
export { createPostgresCatalogStore, SEARCH_PRODUCT_TOPIC } from './catalog/postgres-catalog-store.js'
export type { SoukDatabase } from './database.js'
export { createPostgresInventoryStore } from './inventory/postgres-inventory-store.js'
export { mapPostgresError } from './map-postgres-error.js'
export { soukMigrations } from './migrations/souk-migrations.js'
export { createPostgresOutboxStore } from './outbox/postgres-outbox-store.js'
export { type PGliteLike, pgliteDialect } from './pglite-dialect.js'
export {
  type PostgresPool,
  type PostgresStorage,
  type PostgresStorageConfig,
  postgresStorage,
} from './postgres-storage.js'
export { createPostgresPromotionStore } from './promotions/postgres-promotion-store.js'
export {
  createPostgresSearchIndex,
  type PostgresSearchIndexOptions,
  postgresSearchIndex,
  type SearchIndexStorage,
} from './search/postgres-search-index.js'
export { createPostgresShippingStore } from './shipping/postgres-shipping-store.js'
