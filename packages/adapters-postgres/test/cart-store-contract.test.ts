import { cartStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

for (const [name, make] of [
  ['node-postgres', () => postgresFixture('cart_contract')],
  ['PGlite', pgliteFixture],
] as const) {
  describe(name, () => {
    let fixture: StorageFixture
    beforeAll(async () => {
      fixture = await make()
    })
    afterAll(() => fixture.close())
    cartStoreSuite({ describe, it }, async () => fixture.storage.carts)
  })
}
