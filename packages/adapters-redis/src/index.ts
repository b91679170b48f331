/**
 * @souk/adapters-redis: Souk's Redis adapters over an ioredis client you inject (standalone,
 * Sentinel or Cluster): `redisCache`, core's `Cache` port for read-through catalog reads;
 * `redisFlashSales`, an atomic Lua gate that admits at most a sale's quantity so only winners
 * reach the database, which stays the source of truth; and `redisCartStore`, core's `CartStore`
 * port as a write-through layer over the durable (Postgres) cart store, so a Redis flush or
 * restart loses no cart. Every key is namespaced by a prefix, and every key a script touches
 * shares a hash tag, so all of it runs on Redis Cluster.
 */
export {
  CART_FENCE_TTL_MS,
  DEFAULT_CART_CACHE_TTL_MS,
  DEFAULT_CART_STORE_TIMEOUT_MS,
  MAX_PENDING_CART_REPAIRS,
  type RedisCartStore,
  type RedisCartStoreOptions,
  redisCartStore,
} from './carts/redis-cart-store.js'
export {
  type CreateFlashSaleInput,
  createFlashSaleSchema,
  type FlashSaleCustomerInput,
  type FlashSaleRef,
  type FlashSaleSlotsRef,
  flashSaleClaimSchema,
  flashSaleCustomerIdSchema,
  flashSaleCustomerSchema,
  flashSaleIdSchema,
  flashSaleRefSchema,
  flashSaleSlotsRefSchema,
} from './flash-sales/flash-sale-schemas.js'
export { MAX_FLASH_SALE_SLOTS } from './flash-sales/flash-sale-slots.js'
export type {
  FlashSale,
  FlashSaleAdmission,
  FlashSaleKeys,
  FlashSaleStats,
  FlashSaleTicket,
} from './flash-sales/flash-sale-types.js'
export {
  DEFAULT_FLASH_SALE_REPLICA_WAIT_MS,
  DEFAULT_FLASH_SALE_RETAIN_MS,
  DEFAULT_FLASH_SALE_SLOT_SOLD_OUT_MS,
  type FlashSales,
  type RedisFlashSalesOptions,
  redisFlashSales,
} from './flash-sales/redis-flash-sales.js'
export { mapRedisError } from './map-redis-error.js'
export {
  DEFAULT_CACHE_TIMEOUT_MS,
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_COUNTER_TTL_MS,
  DEFAULT_MAX_VALUE_BYTES,
  MAX_CACHE_KEY_LENGTH,
  MAX_CACHE_TTL_MS,
  MAX_DELETE_KEYS,
  type RedisCache,
  type RedisCacheOptions,
  redisCache,
} from './redis-cache.js'
export type { RedisClient } from './redis-client.js'
export {
  DEFAULT_INVALIDATION_PUBLISH_TIMEOUT_MS,
  type RedisInvalidationBus,
  type RedisInvalidationBusOptions,
  redisInvalidationBus,
} from './redis-invalidation-bus.js'
export { DEFAULT_KEY_PREFIX, hashTag, keyPrefixSchema } from './redis-keys.js'
