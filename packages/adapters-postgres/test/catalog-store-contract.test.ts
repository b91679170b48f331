import { catalogStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { CATALOG_RACERS, catalogInspector } from './catalog-support.js'
import { describeOnDrivers } from './support.js'

describeOnDrivers('catalog_contract', (fixture, driver) => {
  catalogStoreSuite(
    { describe, it },
    async () => ({
      store: fixture().storage.catalog,
      inventory: fixture().storage.inventory,
      reviews: fixture().storage.reviews,
      inspect: catalogInspector(fixture().storage.db),
    }),
    { concurrency: CATALOG_RACERS[driver] },
  )
})
