import { fraudStoreSuite } from '@souk/core/testing'
import { sql } from 'kysely'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('fraud_contract', (fixture, driver) => {
  fraudStoreSuite(
    { describe, it },
    async () => {
      const { storage } = fixture()
      const db = storage.db
      return {
        store: storage.fraud,
        checkout: storage.checkout,
        async newOrder(orderId) {
          await sql`
            insert into ${sql.id(storage.schema, 'orders')} (id, email, status, currency, subtotal, total, created_at, updated_at)
            values (${orderId}, 'buyer@example.com', 'pending_payment', 'USD', 0, 0, now(), now())`.execute(
            db,
          )
        },
        async storedAttempts(digest) {
          const row = await db
            .selectFrom('fraud_attempts')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('digest', '=', digest)
            .executeTakeFirst()
          return Number(row?.n ?? 0)
        },
        async orderStatus(orderId) {
          const row = await db
            .selectFrom('orders')
            .select('status')
            .where('id', '=', orderId)
            .executeTakeFirst()
          return row?.status ?? null
        },
      }
    },
    { concurrency: driver === 'PGlite' ? 1 : 30 },
  )
})
