import { PGlite } from '@electric-sql/pglite'
import { isCommerceError } from '@souk/core'
import { describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'

describe('postgresStorage config', () => {
  it.each([
    ['nothing', {}],
    ['two sources', { connectionString: 'postgres://x', pglite: {} }],
    ['an empty connection string', { connectionString: '' }],
    ['a schema that is no identifier', { connectionString: 'postgres://x', schema: 'Robert"); drop' }],
    ['an unknown option', { connectionString: 'postgres://x', ssl: 'maybe' }],
    ['a pool that is no pool', { pool: {} }],
  ])('rejects %s with config.invalid', (_, config) => {
    let error: unknown
    try {
      postgresStorage(config as never)
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'config.invalid')).toBe(true)
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
