/** Souk's own test harness: real Postgres and Redis, found the way SPEC.md says. Private. */
export { type FoundServer, findPostgres, redact } from './find-postgres.js'
export { findRedis } from './find-redis.js'
export { freePort } from './free-port.js'
export { type Pgbouncer, type PgbouncerOptions, startPgbouncer } from './pgbouncer.js'
export {
  type PrivatePostgres,
  type PrivatePostgresOptions,
  startPrivatePostgres,
} from './private-postgres.js'
export { type PrivateRedis, type PrivateRedisOptions, startPrivateRedis } from './private-redis.js'
export { type PrivateReplica, type PrivateReplicaOptions, startPrivateReplica } from './private-replica.js'
export {
  type RedisCluster,
  type RedisClusterOptions,
  type RedisFailover,
  type RedisFailoverOptions,
  type RedisNodeAddress,
  startRedisCluster,
} from './redis-cluster.js'
export {
  NO_STOCK_VIOLATIONS,
  type StockInvariantViolations,
  stockInvariantViolations,
} from './stock-invariants.js'
export { createTestDatabase, type TestDatabase } from './test-database.js'
