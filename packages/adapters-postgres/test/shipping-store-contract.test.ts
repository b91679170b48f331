import { shippingStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { shippingInspector } from './pricing-support.js'
import { describeOnDrivers } from './support.js'

describeOnDrivers('shipping_contract', (fixture) => {
  shippingStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.shipping,
    inspect: shippingInspector(fixture().storage.db),
  }))
})
