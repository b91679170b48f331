import { orderStoreSuite } from '@souk/core/testing'
import { sql } from 'kysely'
import { describe, it } from 'vitest'
import type { PostgresStorage } from '../src/postgres-storage.js'
import { describeOnDrivers } from './support.js'

function orderInspector(storage: PostgresStorage) {
  return {
    async status(orderId: string) {
      const row = await storage.db
        .selectFrom('orders')
        .select('status')
        .where('id', '=', orderId)
        .executeTakeFirst()
      return row?.status ?? null
    },
    async historyCount(orderId: string) {
      const { rows } = await sql<{
        n: string
      }>`select count(*) as n from souk.order_status_history where order_id = ${orderId}`.execute(storage.db)
      return Number(rows[0]?.n)
    },
  }
}

describeOnDrivers('order_contract', (fixture) => {
  orderStoreSuite({ describe, it }, async () => ({
    store: fixture().storage.orders,
    inspect: orderInspector(fixture().storage),
  }))
})
