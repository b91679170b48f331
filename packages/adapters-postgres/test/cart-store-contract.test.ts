import { createCommerce, silentLogger } from '@souk/core'
import { type CartSkuSeed, cartStoreSuite, seedSkuThrough } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

for (const [name, make] of [
  ['node-postgres', () => postgresFixture('cart_contract')],
  ['PGlite', pgliteFixture],
] as const) {
  describe(name, () => {
    let fixture: StorageFixture
    let seedSku: (seed: CartSkuSeed) => Promise<void>
    beforeAll(async () => {
      fixture = await make()
      // readForEdit reads the catalog and stock: seeded through the services on the same storage.
      seedSku = seedSkuThrough(
        createCommerce({ storage: fixture.storage, logger: silentLogger, unitsSold: false }),
      )
    })
    afterAll(() => fixture.close())
    cartStoreSuite({ describe, it }, async () => fixture.storage.carts, { seedSku: (seed) => seedSku(seed) })
  })
}
