import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { soukMigrations } from '../src/migrations/souk-migrations.js'
import { postgresStorage } from '../src/postgres-storage.js'

let database: TestDatabase
beforeAll(async () => {
  database = await createTestDatabase('migrate')
})
afterAll(() => database.drop())

describe('migrate', () => {
  it('is safe when several processes migrate an empty database at once, and idempotent after', async () => {
    const storages = Array.from({ length: 4 }, () =>
      postgresStorage({ connectionString: database.url, poolSize: 2 }),
    )
    try {
      await Promise.all(storages.map((s) => s.migrate()))
      await storages[0]!.migrate()
      const { rows } = await sql<{ name: string }>`select name from souk.migrations order by name`.execute(
        storages[0]!.db,
      )
      expect(rows.map((r) => r.name)).toEqual(Object.keys(soukMigrations('souk')).sort())
      const { rows: locations } = await sql<{ id: string }>`select id from souk.locations`.execute(
        storages[0]!.db,
      )
      expect(locations).toEqual([{ id: 'default' }])
    } finally {
      await Promise.all(storages.map((s) => s.close()))
    }
  })

  it('keeps each schema apart, so two Souk instances can share a database', async () => {
    const a = postgresStorage({ connectionString: database.url, schema: 'shop_a' })
    const b = postgresStorage({ connectionString: database.url, schema: 'shop_b' })
    try {
      await a.migrate()
      await b.migrate()
      await a.inventory.setOnHand({ sku: 'X', locationId: 'default', onHand: 3, at: new Date() })
      expect(await a.inventory.getLevels(['X'])).toHaveLength(1)
      expect(await b.inventory.getLevels(['X'])).toEqual([])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
