import { inventoryStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('inventory_contract', (fixture) => {
  inventoryStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.inventory,
    inspect: fixture().inspect,
  }))
})
