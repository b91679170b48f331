import { catalogStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { catalogInspector } from './catalog-support.js'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  catalogStoreSuite(
    { describe, it },
    async () => ({
      store: fixture.storage.catalog,
      inventory: fixture.storage.inventory,
      inspect: catalogInspector(fixture.storage.db),
    }),
    // One connection serialises everything; the race tests still run, just without overlap.
    { concurrency: 5 },
  )
})
