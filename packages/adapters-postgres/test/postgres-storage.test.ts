import { PGlite } from '@electric-sql/pglite'
import { expectConfigError } from '@souk/core/testing'
import { describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { postgresSearchIndex } from '../src/search/postgres-search-index.js'

describe('postgresStorage config', () => {
  it.each([
    ['nothing', {}, ''],
    ['two sources', { connectionString: 'postgres://x', pglite: { query() {} } }, ''],
    ['an empty connection string', { connectionString: '' }, 'connectionString'],
    [
      'a schema that is no identifier',
      { connectionString: 'postgres://x', schema: 'Robert"); drop' },
      'schema',
    ],
    ['an unknown option', { connectionString: 'postgres://x', ssl: 'maybe' }, ''],
    ['a pool that is no pool', { pool: {} }, 'pool'],
    [
      'a pool size without a connection string',
      { pool: { connect() {}, end() {} }, poolSize: 5 },
      'poolSize',
    ],
  ])('rejects %s with config.invalid naming the field', (_, config, path) => {
    expectConfigError(() => postgresStorage(config as never), 'postgresStorage config', path)
  })

  it('says how many sources it got', () => {
    const error = expectConfigError(() => postgresStorage({} as never), 'postgresStorage config')
    expect(error.message).toBe(
      'Invalid postgresStorage config: needs exactly one of connectionString, pool, pglite or db, got none',
    )
  })

  it('refuses a URL of another database by its scheme, never echoing the rest of it', async () => {
    const error = expectConfigError(
      () => postgresStorage({ connectionString: 'mysql://root:hunter2@db.internal:3306/shop' }),
      'postgresStorage config',
      'connectionString',
    )
    expect(error.message).toBe(
      'Invalid postgresStorage config: connectionString: must be a postgres:// or postgresql:// URL, not mysql://',
    )
    expect(JSON.stringify(error)).not.toMatch(/hunter2|db\.internal/)
    for (const connectionString of ['postgresql://x/y', 'POSTGRES://x/y', '/var/run/postgresql shop']) {
      // The pool connects lazily: nothing is dialled here.
      const storage = postgresStorage({ connectionString })
      expect(storage.schema).toBe('souk')
      await storage.close()
    }
  })
})

describe('postgresSearchIndex options', () => {
  it.each([
    ['price edges that do not start at 0', { priceBucketEdges: [100, 200] }, 'priceBucketEdges'],
    ['no facet values', { maxFacetValues: 0 }, 'maxFacetValues'],
    ['a logger without warn()', { logger: {} }, 'logger'],
  ])('rejects %s with config.invalid naming the field', (_, options, path) => {
    const storage = { db: {} as never, schema: 'souk' }
    expectConfigError(
      () => postgresSearchIndex({ storage, ...options } as never),
      'postgresSearchIndex options',
      path,
    )
  })
})

describe('PGlite dialect', () => {
  it('runs transactions one at a time on the single connection, and rolls back on error', async () => {
    const pglite = new PGlite('memory://')
    const storage = postgresStorage({ pglite })
    try {
      await storage.migrate()
      await storage.migrate()
      await storage.inventory.setOnHand({ sku: 'P', locationId: 'default', onHand: 1, at: new Date() })
      const failing = storage.transaction(async (stores) => {
        await stores.inventory.adjustOnHand({ sku: 'P', locationId: 'default', delta: 5, at: new Date() })
        throw new Error('abort')
      })
      const concurrent = storage.inventory.adjustOnHand({
        sku: 'P',
        locationId: 'default',
        delta: 1,
        at: new Date(),
      })
      await expect(failing).rejects.toThrow('abort')
      await concurrent
      const [level] = await storage.inventory.getLevels(['P'])
      expect(level?.onHand).toBe(2)
    } finally {
      await storage.close()
      await pglite.close()
    }
  })
})
