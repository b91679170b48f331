import { paymentRecordStoreSuite } from '@souk/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

for (const [name, make] of [
  ['node-postgres', () => postgresFixture('payment_records')],
  ['PGlite', pgliteFixture],
] as const) {
  describe(name, () => {
    let fixture: StorageFixture
    beforeAll(async () => {
      fixture = await make()
    })
    afterAll(() => fixture.close())
    paymentRecordStoreSuite({ describe, it }, async () => ({
      store: fixture.storage.payments,
      async createOrder(orderId) {
        const now = new Date()
        await fixture.storage.db
          .insertInto('orders')
          .values({
            id: orderId,
            email: 'a@example.com',
            status: 'pending_payment',
            currency: 'EUR',
            subtotal: 0,
            total: 0,
            discount_total: 0,
            shipping_total: 0,
            tax_total: 0,
            created_at: now,
            updated_at: now,
          })
          .execute()
      },
    }))
  })
}
