import { describe, expect, it } from 'vitest'
import { createMemoryCache } from '../cache/memory-cache.js'
import type { Logger } from '../logger/logger.js'
import { decodeCursor, encodeCursor } from '../pagination/keyset-cursor.js'
import type { Cache } from '../ports/cache.js'
import { createCatalogCache } from './catalog-cache.js'

function recordingLogger() {
  const lines: string[] = []
  const logger: Logger = { debug() {}, info() {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) }
  return { logger, lines }
}

describe('catalog cache generations', () => {
  it('a value a slow reader stores after a write lands under a generation no later read asks for', async () => {
    const cache = createCatalogCache(createMemoryCache(), recordingLogger().logger)
    // The slow reader reads the generation, then the old row...
    const slowGen = await cache.productGeneration('prod_1', true)
    // ...the writer commits and invalidates...
    await cache.invalidateProduct('prod_1', ['old-slug'])
    // ...and only then the slow reader stores what it read.
    await cache.set(cache.productKey('prod_1', slowGen!), { price: 'old' }, 60_000)
    const laterGen = await cache.productGeneration('prod_1', true)
    expect(laterGen).not.toBe(slowGen)
    expect(await cache.get(cache.productKey('prod_1', laterGen!))).toBeUndefined()
  })

  it('namespaces keys, hashes listing shapes, and keeps products independent', async () => {
    const backing = createMemoryCache()
    const cache = createCatalogCache(backing, recordingLogger().logger)
    const a = await cache.productGeneration('prod_a', true)
    const b = await cache.productGeneration('prod_b', true)
    await cache.invalidateProduct('prod_a', [])
    expect(await cache.productGeneration('prod_b', true)).toBe(b)
    expect(await cache.productGeneration('prod_a', true)).not.toBe(a)
    const gen = (await cache.listingGeneration())!
    const key = cache.listingKey('list', gen, [{ categoryId: 'cat_1' }, 'newest'])
    expect(key).toMatch(/^souk:catalog:list:\d+:[A-Za-z0-9_-]{43}$/)
    expect(cache.listingKey('list', gen, [{ categoryId: 'cat_2' }, 'newest'])).not.toBe(key)
    await cache.invalidateListings()
    expect(await cache.listingGeneration()).toBeGreaterThan(gen)
    expect(cache.slugKey('blue-tee')).toBe('souk:catalog:slug:blue-tee')
  })

  it('a failing cache is logged and reported as "do not cache", never thrown', async () => {
    const broken: Cache = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      increment: () => Promise.reject(new Error('down')),
    }
    const { logger, lines } = recordingLogger()
    const cache = createCatalogCache(broken, logger)
    expect(await cache.productGeneration('prod_1', true)).toBeNull()
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', 1, 1000)
    await cache.invalidateProduct('prod_1', ['slug'])
    await cache.invalidateListings()
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.some((l) => /invalidation failed/.test(l))).toBe(true)
  })
})

describe('keyset cursors', () => {
  it('round-trip and are bound to their sort', () => {
    const cursor = { sort: 'newest', key: '2026-01-01T00:00:00.000000Z', id: 'prod_1' }
    const text = encodeCursor(cursor)
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(text, 'newest')).toEqual(cursor)
    expect(() => decodeCursor(text, 'popular')).toThrow(/sorted by newest/)
  })

  it.each([
    '',
    'garbage',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('["newest","",""]').toString('base64url'),
  ])('refuses %j with validation.failed', (text) => {
    expect(() => decodeCursor(text, 'newest')).toThrow(expect.objectContaining({ code: 'validation.failed' }))
  })
})
