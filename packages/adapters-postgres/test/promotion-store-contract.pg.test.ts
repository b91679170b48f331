import { promotionStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { orderMaker, promotionInspector } from './pricing-support.js'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('promotion_contract')
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  promotionStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.promotions,
    inspect: promotionInspector(fixture.storage.db),
    newOrder: orderMaker(fixture.storage.db),
  }))
})
