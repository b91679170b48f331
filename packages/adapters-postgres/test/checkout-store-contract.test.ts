import { createCommerce, silentLogger } from '@souk/core'
import { type CheckoutInspector, checkoutStoreSuite } from '@souk/core/testing'
import { type Kysely, sql } from 'kysely'
import { describe, it } from 'vitest'
import type { SoukDatabase } from '../src/database.js'
import type { PostgresStorage } from '../src/postgres-storage.js'
import { describeOnDrivers, type StorageDriver, type StorageFixture } from './support.js'

/** Reads what the checkout functions stored with plain SQL, bypassing the store under test. */
function checkoutInspector(db: Kysely<SoukDatabase>): CheckoutInspector {
  return {
    async key(scope, key) {
      const { rows } = await sql<{ status: string; resource_id: string | null }>`
        select status, resource_id from souk.idempotency_keys where scope = ${scope} and key = ${key}`.execute(
        db,
      )
      return rows[0] ? { status: rows[0].status, resourceId: rows[0].resource_id } : null
    },
    async orderStatus(orderId) {
      const { rows } = await sql<{
        status: string
      }>`select status from souk.orders where id = ${orderId}`.execute(db)
      return rows[0]?.status ?? null
    },
    async stock(sku) {
      const { rows } = await sql<{ on_hand: string; reserved: string }>`
        select coalesce(sum(on_hand), 0) as on_hand, coalesce(sum(reserved), 0) as reserved
        from souk.stock_levels where sku = ${sku}`.execute(db)
      return { onHand: Number(rows[0]?.on_hand ?? 0), reserved: Number(rows[0]?.reserved ?? 0) }
    },
    async outboxCount(topic, key) {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from souk.outbox where topic = ${topic} and key = ${key}`.execute(db)
      return Number(rows[0]?.n ?? 0)
    },
  }
}

function harnessOver(fixture: StorageFixture & { storage: PostgresStorage }) {
  const commerce = createCommerce({ storage: fixture.storage, logger: silentLogger, unitsSold: false })
  return {
    storage: fixture.storage,
    inspect: checkoutInspector(fixture.storage.db),
    async seedSku(sku: string, onHand: number, priceCents: number) {
      await commerce.catalog.createProduct({
        slug: sku.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        name: sku,
        status: 'active',
        variants: [{ sku, prices: [{ amount: priceCents, currency: 'USD' }] }],
      })
      await commerce.inventory.setStock({ sku, onHand })
    },
  }
}

/** PGlite runs the races with fewer callers: one connection serialises them anyway. */
const SUITE_OPTIONS: Record<StorageDriver, { concurrency?: number }> = {
  'node-postgres': {},
  PGlite: { concurrency: 6 },
}

describeOnDrivers(
  'checkout_contract',
  (fixture, driver) => {
    checkoutStoreSuite({ describe, it }, async () => harnessOver(fixture()), SUITE_OPTIONS[driver])
  },
  { poolSize: 30, pgTrgm: false },
)
