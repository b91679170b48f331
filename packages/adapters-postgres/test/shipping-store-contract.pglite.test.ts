import { shippingStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { shippingInspector } from './pricing-support.js'
import { pgliteFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await pgliteFixture()
})
afterAll(() => fixture.close())

describe('PGlite', () => {
  shippingStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.shipping,
    inspect: shippingInspector(fixture.storage.db),
  }))
})
