import { paymentRecordStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('payment_records', (fixture) => {
  paymentRecordStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.payments,
    async createOrder(orderId) {
      const now = new Date()
      await fixture()
        .storage.db.insertInto('orders')
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
