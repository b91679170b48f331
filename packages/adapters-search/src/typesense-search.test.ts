import type { SearchDocument } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import { Client } from 'typesense'
import { describe, expect, it } from 'vitest'
import type { TypesenseClientLike } from './typesense-client.js'
import { mapTypesenseError, typesenseSearch } from './typesense-search.js'

/** A real client aimed at a port nothing listens on: every request fails to connect. */
function unreachableClient(): Client {
  return new Client({
    nodes: [{ url: 'http://127.0.0.1:9' }],
    apiKey: 'none',
    numRetries: 0,
    connectionTimeoutSeconds: 2,
    logLevel: 'silent',
  })
}

describe('typesenseSearch', () => {
  it('accepts the real typesense Client (checked by the compiler)', () => {
    const client: TypesenseClientLike = unreachableClient()
    expect(typeof typesenseSearch({ client }).search).toBe('function')
  })

  it.each([
    ['no client', {}, 'client'],
    ['a client that is none', { client: {} }, 'client'],
    ['a bad collection name', { client: unreachableClient(), collection: 'a b' }, 'collection'],
    [
      'price edges that do not start at 0',
      { client: unreachableClient(), priceBucketEdges: [100, 200] },
      'priceBucketEdges',
    ],
    [
      'price edges that go down',
      { client: unreachableClient(), priceBucketEdges: [0, 200, 100] },
      'priceBucketEdges',
    ],
    ['an unknown option', { client: unreachableClient(), url: 'http://x' }, ''],
  ])('rejects %s with config.invalid naming the field', (_, config, path) => {
    expectConfigError(() => typesenseSearch(config as never), 'typesenseSearch config', path)
  })

  it('reports an unreachable server as search.unavailable, and recovers the setup on the next call', async () => {
    const index = typesenseSearch({ client: unreachableClient(), collection: 'souk_test' })
    await expectCommerceError(index.search({ q: 'lamp' }), 'search.unavailable')
    const doc: SearchDocument = {
      id: 'prod_1',
      slug: 'lamp',
      name: 'Lamp',
      description: '',
      tags: [],
      categoryIds: [],
      sellerId: null,
      price: { amount: 100, currency: 'USD' },
      inStock: true,
      popularity: 0,
      rating: null,
      createdAt: new Date(),
    }
    await expectCommerceError(index.upsert([doc]), 'search.unavailable')
  })
})

describe('mapTypesenseError', () => {
  it('maps answers by status and keeps import failures', () => {
    const rejected = Object.assign(new Error('1 documents failed'), {
      httpStatus: 200,
      importResults: [{ success: true }, { success: false, error: 'Field `price` must be an int64.' }],
    })
    const mapped = mapTypesenseError(rejected, 'import')
    expect(mapped.code).toBe('search.failed')
    expect(mapped.details).toMatchObject({
      operation: 'import',
      failures: ['Field `price` must be an int64.'],
    })
    expect(mapTypesenseError(Object.assign(new Error('down'), { httpStatus: 503 }), 'search').code).toBe(
      'search.unavailable',
    )
    expect(mapTypesenseError(Object.assign(new Error('bad'), { httpStatus: 400 }), 'search').code).toBe(
      'search.failed',
    )
    expect(mapTypesenseError(mapped, 'again')).toBe(mapped)
  })
})
