/** Souk's own test harness: real Postgres and Redis, found the way SPEC.md says. Private. */
export { type FoundServer, findPostgres, redact } from './find-postgres.js'
export { findRedis } from './find-redis.js'
export { createTestDatabase, type TestDatabase } from './test-database.js'
