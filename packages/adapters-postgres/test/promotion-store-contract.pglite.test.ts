import { promotionStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { orderMaker, promotionInspector } from './pricing-support.js'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  promotionStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.promotions,
    inspect: promotionInspector(fixture.storage.db),
    newOrder: orderMaker(fixture.storage.db),
  }))
})
