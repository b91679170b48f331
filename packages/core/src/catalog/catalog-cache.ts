import { createHash } from 'node:crypto'
import type { Logger } from '../logger/logger.js'
import type { Cache } from '../ports/cache.js'

/** Every catalog key starts with this, so a shared cache can hold other data beside it. */
export const CATALOG_KEY_PREFIX = 'souk:catalog:'

/**
 * The catalog's view of the `Cache` port: namespaced keys and generation counters.
 *
 * A write cannot reliably delete what a concurrent read is about to store (the read may have
 * fetched the old row before the write committed and store it after the write's delete). So every
 * cached value lives under a generation: a product's own counter for product reads, one listing
 * counter for listings, categories and recommendations. A reader reads the generation before it
 * reads the database; a writer bumps it after its transaction commits. A value stored late by a
 * slow reader lands under the old generation, which no later reader asks for, so once a write has
 * returned no read serves what it replaced. A missing counter is started with `increment`, which by
 * the port's contract never repeats a value, so an evicted counter cannot revive older entries.
 *
 * The cache is an optimisation: when it fails, reads go to the database and the failure is logged.
 */
export interface CatalogCache {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  /**
   * The product's current generation; read before reading the product from storage. Null when
   * there is none yet (unless `start`, which starts one) or the cache cannot say: then nothing may
   * be cached under it. Generations are started only for products that exist, so reads of unknown
   * ids leave nothing behind in the cache.
   */
  productGeneration(productId: string, start: boolean): Promise<number | null>
  /** The listings' current generation, as `productGeneration`. */
  listingGeneration(): Promise<number | null>
  productKey(productId: string, generation: number): string
  slugKey(slug: string): string
  /** A key for anything derived from listings: `kind` names it, `shape` is hashed. */
  listingKey(kind: string, generation: number, shape: unknown): string
  /** After a product write commits: its reads and these slugs' lookups become misses. */
  invalidateProduct(productId: string, slugs: readonly string[]): Promise<void>
  /** After a write that changes listings commits. */
  invalidateListings(): Promise<void>
}

export function createCatalogCache(cache: Cache, logger: Logger): CatalogCache {
  const key = (...parts: string[]) => CATALOG_KEY_PREFIX + parts.join(':')
  const genKey = (productId: string) => key('gen', 'product', productId)
  const listingGenKey = key('gen', 'listing')

  function report(operation: string, error: unknown): void {
    logger.warn('catalog cache failed; serving from storage', { operation, error: String(error) })
  }

  async function get<T>(k: string): Promise<T | undefined> {
    try {
      return await cache.get<T>(k)
    } catch (error) {
      report('get', error)
      return undefined
    }
  }

  async function set(k: string, value: unknown, ttlMs: number): Promise<void> {
    try {
      await cache.set(k, value, ttlMs)
    } catch (error) {
      report('set', error)
    }
  }

  async function generation(k: string, start = true): Promise<number | null> {
    const current = await get<number>(k)
    if (typeof current === 'number') return current
    if (!start) return null
    try {
      // The port guarantees a counter never returns a value it returned before, even after it was
      // evicted, so a missing counter starts a namespace no earlier value was cached under.
      return await cache.increment(k)
    } catch (error) {
      report('increment', error)
      return null
    }
  }

  async function bump(k: string): Promise<number | undefined> {
    try {
      const before = await cache.get<number>(k)
      await cache.increment(k)
      return before
    } catch (error) {
      // Readers may now see values older than this write until their TTL ends; say so loudly.
      logger.error('catalog cache invalidation failed; reads may be stale until the TTL ends', {
        key: k,
        error: String(error),
      })
      return undefined
    }
  }

  const productKey = (productId: string, gen: number) => key('product', productId, String(gen))

  return {
    get,
    set,
    productGeneration: (productId, start) => generation(genKey(productId), start),
    listingGeneration: () => generation(listingGenKey),
    productKey,
    slugKey: (slug) => key('slug', slug),
    listingKey(kind, gen, shape) {
      const hash = createHash('sha256').update(JSON.stringify(shape)).digest('base64url')
      return key(kind, String(gen), hash)
    },
    async invalidateProduct(productId, slugs) {
      const before = await bump(genKey(productId))
      const stale = slugs.map((slug) => key('slug', slug))
      if (before !== undefined) stale.push(productKey(productId, before))
      try {
        await cache.delete(stale)
      } catch (error) {
        report('delete', error)
      }
    },
    async invalidateListings() {
      await bump(listingGenKey)
    },
  }
}
