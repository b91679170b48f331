import { catalogStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { catalogInspector } from './catalog-support.js'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('catalog_contract_pg')
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  catalogStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.catalog,
    inventory: fixture.storage.inventory,
    inspect: catalogInspector(fixture.storage.db),
  }))
})
