import { inventoryStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('contract_pg')
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  inventoryStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.inventory,
    inspect: fixture.inspect,
  }))
})
