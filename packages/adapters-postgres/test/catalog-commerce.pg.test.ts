import { type Cache, createCommerce, createMemoryCache, isCommerceError, silentLogger } from '@souk/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('catalog_commerce', 5)
})
afterAll(() => fixture.close())

describe('commerce.catalog', () => {
  it('is wired over the storage, with a configured cache that product reads go through', async () => {
    const backing = createMemoryCache()
    const keys: string[] = []
    const cache: Cache = {
      get: (key) => {
        keys.push(key)
        return backing.get(key)
      },
      set: (key, value, ttl) => backing.set(key, value, ttl),
      delete: (k) => backing.delete(k),
      increment: (key) => backing.increment(key),
    }
    const commerce = createCommerce({
      storage: fixture.storage,
      logger: silentLogger,
      cache,
      catalogCache: { productTtlMs: 60_000, listingTtlMs: 5_000 },
    })
    const product = await commerce.catalog.createProduct({
      slug: 'wired-tee',
      name: 'Wired tee',
      status: 'active',
      variants: [{ sku: 'WIRED-TEE', prices: [{ amount: 1500, currency: 'EUR' }] }],
    })
    await commerce.inventory.setStock({ sku: 'WIRED-TEE', onHand: 4 })
    const detail = await commerce.catalog.getProduct({ slug: 'wired-tee', currency: 'EUR' })
    expect(detail.id).toBe(product.id)
    expect(detail.variants[0]!.availability).toEqual({
      tracked: true,
      allowBackorder: false,
      available: 4,
      inStock: true,
    })
    expect((await commerce.catalog.listProducts({ currency: 'EUR' })).items.map((i) => i.id)).toEqual([
      product.id,
    ])
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.every((k) => k.startsWith('souk:catalog:'))).toBe(true)
  })

  it.each([
    ['a cache without increment', { cache: { get() {}, set() {}, delete() {} } }],
    ['a zero TTL', { catalogCache: { productTtlMs: 0 } }],
    ['an unknown TTL option', { catalogCache: { ttl: 5 } }],
  ])('rejects %s with config.invalid', (_, extra) => {
    let error: unknown
    try {
      createCommerce({ storage: fixture.storage, logger: silentLogger, ...(extra as object) })
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'config.invalid')).toBe(true)
  })
})
