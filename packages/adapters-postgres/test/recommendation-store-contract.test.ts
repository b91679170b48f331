import { recommendationStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { catalogInspector } from './catalog-support.js'
import { describeOnDrivers } from './support.js'

describeOnDrivers('recommendation_contract', (fixture) => {
  recommendationStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.recommendations,
    catalog: fixture().storage.catalog,
    inspect: catalogInspector(fixture().storage.db),
  }))
})
