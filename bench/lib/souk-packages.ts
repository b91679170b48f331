// bench/ is no workspace package, so `@souk/core` does not resolve from here: import the sources by
// path. The adapter still imports `@souk/core` by name; see souk-source-condition.ts.

export { postgresStorage } from '../../packages/adapters-postgres/src/index.js'
export type { RedisClient } from '../../packages/adapters-redis/src/index.js'
export { redisCartStore, redisFlashSales } from '../../packages/adapters-redis/src/index.js'
export type { Cache, Commerce, CommerceEvent, OutboxStore } from '../../packages/core/src/index.js'
export {
  createCommerce,
  createMemoryCache,
  createTestPaymentProvider,
  isCommerceError,
  outboxEvent,
} from '../../packages/core/src/index.js'
