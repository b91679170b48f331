import { createCommerce, silentLogger } from '@souk/core'
import { type CartSkuSeed, cartStoreSuite, seedSkuThrough } from '@souk/core/testing'
import { beforeAll, describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('cart_contract', (fixture) => {
  let seedSku: (seed: CartSkuSeed) => Promise<void>
  beforeAll(() => {
    // readForEdit reads the catalog and stock: seeded through the services on the same storage.
    seedSku = seedSkuThrough(
      createCommerce({ storage: fixture().storage, logger: silentLogger, unitsSold: false }),
    )
  })
  cartStoreSuite({ describe, it }, async () => fixture().storage.carts, { seedSku: (seed) => seedSku(seed) })
})
