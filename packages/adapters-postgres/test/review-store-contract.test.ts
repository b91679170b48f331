import { reviewStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { CATALOG_RACERS, catalogInspector } from './catalog-support.js'
import { describeOnDrivers } from './support.js'

describeOnDrivers('review_contract', (fixture, driver) => {
  reviewStoreSuite(
    { describe, it },
    async () => ({
      store: fixture().storage.reviews,
      catalog: fixture().storage.catalog,
      inspect: catalogInspector(fixture().storage.db),
    }),
    { concurrency: CATALOG_RACERS[driver] },
  )
})
