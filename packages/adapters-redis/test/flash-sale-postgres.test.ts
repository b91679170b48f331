import { type PostgresStorage, postgresStorage } from '@souk/adapters-postgres'
import { type FlashSales, redisFlashSales } from '@souk/adapters-redis'
import { type Commerce, createCommerce, isCommerceError, silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

// The gate in front of the real database: Redis decides who may try, Postgres decides who gets
// stock. SPEC.md's hot-SKU sale: stock 100, 1,000 buyers, 64 at a time.
// The drops' SKUs have no catalog product, so stock calls pass `allowUnknownSku: true`.
const STOCK = 100
const BUYERS = 1_000
const CONCURRENCY = 64

let database: TestDatabase
let storage: PostgresStorage
let commerce: Commerce
let fixture: RedisFixture
let redis: Redis
let sales: FlashSales

beforeAll(async () => {
  database = await createTestDatabase('flash_sale')
  // 40 connections: the winners' reservations really overlap in Postgres.
  storage = postgresStorage({ connectionString: database.url, poolSize: 40 })
  commerce = createCommerce({ storage, logger: silentLogger })
  await commerce.migrate()
  fixture = redisFixture()
  redis = fixture.client()
  sales = redisFlashSales({ redis, prefix: fixture.prefix() })
})
afterAll(async () => {
  await commerce?.close()
  await database?.drop()
  await fixture?.close()
})

type Outcome = 'reserved' | 'turned_away' | 'lost_at_database'

/**
 * One buyer, the way a storefront wires the gate: admit, then reserve through the database with
 * the ticket id as reference. If the gate has lost the sale (Redis flushed), the buyer fails open
 * and goes straight to the database, which stays correct on its own.
 */
async function buy(saleId: string, sku: string, customerId: string): Promise<Outcome> {
  let reference = `direct:${customerId}`
  try {
    reference = (await sales.admit({ saleId, customerId })).ticket.id
  } catch (error) {
    if (!isCommerceError(error, 'not_found')) {
      if (isCommerceError(error) && error.code.startsWith('flash_sale.')) return 'turned_away'
      throw error
    }
  }
  try {
    await commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }], reference })
    return 'reserved'
  } catch (error) {
    if (isCommerceError(error, 'inventory.insufficient_stock')) return 'lost_at_database'
    throw error
  }
}

/** Runs BUYERS buyers, CONCURRENCY at a time; `afterEach(done)` runs after each buyer finishes. */
async function runSale(
  buyer: (customerId: string) => Promise<Outcome>,
  afterEach: (done: number) => Promise<void> = async () => {},
): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = { reserved: 0, turned_away: 0, lost_at_database: 0 }
  let next = 0
  let done = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < BUYERS) {
        const customerId = `cus_${next++}`
        counts[await buyer(customerId)]++
        await afterEach(++done)
      }
    }),
  )
  return counts
}

/** Reservations and stock of a SKU, read with SQL. */
async function database_state(sku: string) {
  const db = storage.db
  const reservations = await db
    .selectFrom('reservations as r')
    .innerJoin('reservation_items as i', 'i.reservation_id', 'r.id')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.sum<string>('i.quantity').as('units')])
    .where('i.sku', '=', sku)
    .where('r.status', '=', 'active')
    .executeTakeFirstOrThrow()
  const level = await db
    .selectFrom('stock_levels')
    .select(['on_hand', 'reserved'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow()
  return {
    reservations: Number(reservations.count),
    reservedUnits: Number(reservations.units ?? 0),
    onHand: Number(level.on_hand),
    reserved: Number(level.reserved),
  }
}

describe('flash sale gate in front of Postgres', () => {
  it('1,000 buyers, 64 at a time, for 100 units: exactly 100 admitted, exactly 100 reservations', async () => {
    await commerce.inventory.setStock({ sku: 'DROP-A', onHand: STOCK, allowUnknownSku: true })
    await sales.createSale({
      saleId: 'drop-a',
      sku: 'DROP-A',
      quantity: STOCK,
      endsAt: new Date(Date.now() + 3_600_000),
    })

    const counts = await runSale((customerId) => buy('drop-a', 'DROP-A', customerId))

    expect(counts).toEqual({ reserved: STOCK, turned_away: BUYERS - STOCK, lost_at_database: 0 })
    expect(await sales.stats({ saleId: 'drop-a' })).toMatchObject({
      remaining: 0,
      admitted: STOCK,
      held: STOCK,
      holders: STOCK,
    })
    expect(await database_state('DROP-A')).toEqual({
      reservations: STOCK,
      reservedUnits: STOCK,
      onHand: STOCK,
      reserved: STOCK,
    })
  })

  it('Redis losing the sale mid-sale costs extra losers at the database, never an oversell', async () => {
    await commerce.inventory.setStock({ sku: 'DROP-B', onHand: STOCK, allowUnknownSku: true })
    const sale = {
      saleId: 'drop-b',
      sku: 'DROP-B',
      quantity: STOCK,
      endsAt: new Date(Date.now() + 3_600_000),
    }
    await sales.createSale(sale)
    const keys = sales.keysOf({ saleId: 'drop-b' })

    const counts = await runSale(
      (customerId) => buy('drop-b', 'DROP-B', customerId),
      async (done) => {
        if (done !== 250) return
        // The worst case for the gate: it forgets every winner (only this sale's keys are deleted;
        // other tests share the server), buyers meanwhile fail open to the database, and an
        // operator then restores the sale at its full quantity, so 100 more get admitted.
        await redis.unlink(keys.sale, keys.customers)
        await sales.createSale(sale)
      },
    )

    const state = await database_state('DROP-B')
    expect(state.reservations).toBeLessThanOrEqual(STOCK)
    expect(state).toEqual({ reservations: STOCK, reservedUnits: STOCK, onHand: STOCK, reserved: STOCK })
    expect(counts.reserved).toBe(STOCK)
    // More buyers got past the gate than there was stock; the database turned the extra ones away.
    expect(counts.reserved + counts.lost_at_database).toBeGreaterThan(STOCK)
    expect(counts.lost_at_database).toBeGreaterThan(0)
    expect(counts.reserved + counts.lost_at_database + counts.turned_away).toBe(BUYERS)
  })
})
