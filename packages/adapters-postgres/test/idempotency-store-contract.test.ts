import { idempotencyStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

for (const [name, make] of [
  ['node-postgres', () => postgresFixture('idempotency_contract')],
  ['PGlite', pgliteFixture],
] as const) {
  describe(name, () => {
    let fixture: StorageFixture
    beforeAll(async () => {
      fixture = await make()
    })
    afterAll(() => fixture.close())
    idempotencyStoreSuite({ describe, it }, async () => fixture.storage.idempotency)
  })
}
