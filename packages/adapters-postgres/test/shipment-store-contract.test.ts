import { shipmentStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('shipment_contract', (fixture) => {
  shipmentStoreSuite({ describe, it }, async () => {
    const { storage } = fixture()
    return {
      shipments: storage.shipments,
      orders: storage.orders,
      inspect: {
        // Plain SQL, bypassing the store under test.
        async shipment(id) {
          const row = await storage.db
            .selectFrom('shipments')
            .select(['status', 'delivered_at'])
            .where('id', '=', id)
            .executeTakeFirst()
          if (!row) return null
          const events = await storage.db
            .selectFrom('tracking_events')
            .select('status')
            .where('shipment_id', '=', id)
            .orderBy('occurred_at')
            .orderBy('id')
            .execute()
          return { status: row.status, deliveredAt: row.delivered_at, tracking: events.map((e) => e.status) }
        },
      },
    }
  })
})
