import { inventoryStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  inventoryStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.inventory,
    inspect: fixture.inspect,
  }))
})
