import { type Cache, createMemoryCache } from '@souk/core'

/**
 * A memory cache that keeps numbers only: the listing totals (and the counters generations are
 * made of), not pages or products. A listing read through it counts its total once per filter
 * set and then reads every page from Postgres: what paging through a large listing costs once
 * its total is known, with no page served from the cache.
 */
export function totalsOnlyCache(): Cache {
  const memory = createMemoryCache()
  return {
    get: (key) => memory.get(key),
    async set(key, value, ttlMs) {
      if (typeof value === 'number') await memory.set(key, value, ttlMs)
    },
    delete: (keys) => memory.delete(keys),
    increment: (key) => memory.increment(key),
  }
}
