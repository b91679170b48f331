import { shippingStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { shippingInspector } from './pricing-support.js'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
beforeAll(async () => {
  fixture = await postgresFixture('shipping_contract')
})
afterAll(() => fixture.close())

describe('node-postgres', () => {
  shippingStoreSuite({ describe, it }, async () => ({
    store: fixture.storage.shipping,
    inspect: shippingInspector(fixture.storage.db),
  }))
})
