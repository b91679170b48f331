import { promotionStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { orderMaker, promotionInspector } from './pricing-support.js'
import { describeOnDrivers } from './support.js'

describeOnDrivers('promotion_contract', (fixture) => {
  promotionStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.promotions,
    inspect: promotionInspector(fixture().storage.db),
    newOrder: orderMaker(fixture().storage.db),
  }))
})
