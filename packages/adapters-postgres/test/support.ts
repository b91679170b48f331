import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import type { InventoryInspector } from '@souk/core/testing'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import type { SoukDatabase } from '../src/database.js'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'

export interface StorageFixture {
  readonly storage: PostgresStorage
  readonly inspect: InventoryInspector
  close(): Promise<void>
}

/** Reads stored counters with plain SQL, bypassing the store under test. */
export function sqlInspector(db: Kysely<SoukDatabase>): InventoryInspector {
  return {
    async level(sku, locationId) {
      const row = await db
        .selectFrom('stock_levels')
        .select(['on_hand', 'reserved'])
        .where('sku', '=', sku)
        .where('location_id', '=', locationId)
        .executeTakeFirst()
      return row ? { onHand: Number(row.on_hand), reserved: Number(row.reserved) } : null
    },
    async activeReservedSum(sku, locationId) {
      const row = await db
        .selectFrom('reservation_items as i')
        .innerJoin('reservations as r', 'r.id', 'i.reservation_id')
        .select(sql<string>`coalesce(sum(i.quantity), 0)`.as('total'))
        .where('i.sku', '=', sku)
        .where('i.location_id', '=', locationId)
        .where('r.status', '=', 'active')
        .executeTakeFirstOrThrow()
      return Number(row.total)
    },
    async reservationStatus(id) {
      const row = await db.selectFrom('reservations').select('status').where('id', '=', id).executeTakeFirst()
      return row?.status ?? null
    },
  }
}

/**
 * Test files run side by side against one server (max_connections 100 by default), so one file's
 * pool is capped at 40: two racing files plus the admin connections stay below the limit.
 */
const MAX_TEST_POOL = 40

/** A migrated storage on a fresh database of the real server, with its own pool. */
export async function postgresFixture(
  label: string,
  poolSize = 20,
): Promise<StorageFixture & { database: TestDatabase; pool: pg.Pool }> {
  const database = await createTestDatabase(label)
  const pool = new pg.Pool({ connectionString: database.url, max: Math.min(poolSize, MAX_TEST_POOL) })
  // pool.end() resolves before every socket has closed; the drop below may then terminate one.
  pool.on('error', () => undefined)
  const storage = postgresStorage({ pool })
  await storage.migrate()
  return {
    storage,
    database,
    pool,
    inspect: sqlInspector(storage.db),
    async close() {
      await storage.close()
      await pool.end()
      await database.drop()
    },
  }
}

/**
 * A migrated storage on an in-memory PGlite, with pg_trgm loaded as Souk's docs recommend (search
 * typo tolerance); `{ pgTrgm: false }` leaves it out.
 */
export async function pgliteFixture(
  options: { pgTrgm?: boolean } = {},
): Promise<StorageFixture & { pglite: PGlite }> {
  const pglite = new PGlite('memory://', options.pgTrgm === false ? {} : { extensions: { pg_trgm } })
  const storage = postgresStorage({ pglite })
  await storage.migrate()
  return {
    storage,
    pglite,
    inspect: sqlInspector(storage.db),
    async close() {
      await storage.close()
      await pglite.close()
    },
  }
}

/** The backends storage tests run on. A `Record<StorageDriver, T>` makes a test state each one's value. */
export type StorageDriver = 'node-postgres' | 'PGlite'

export interface DriverOptions {
  /** Connections in the node-postgres pool (default 20, at most 40); PGlite has one. */
  readonly poolSize?: number
  /** Load pg_trgm into PGlite (default true, as the docs recommend); false starts it faster. */
  readonly pgTrgm?: boolean
}

/** A storage test's backends: node-postgres on a fresh database named after `label`, then PGlite. */
export function storageDrivers(
  label: string,
  options: DriverOptions = {},
): readonly (readonly [StorageDriver, () => Promise<StorageFixture>])[] {
  return [
    ['node-postgres', () => postgresFixture(label, options.poolSize)],
    ['PGlite', () => pgliteFixture({ pgTrgm: options.pgTrgm })],
  ]
}

/**
 * Runs `body` once per backend inside `describe(<driver name>)`, with a migrated storage made in
 * `beforeAll` and closed in `afterAll`: the one loop every test that is not about concurrency uses,
 * instead of a `.pg` and a `.pglite` twin. `fixture()` returns the current backend's storage;
 * `driver` names the backend, for options that differ between them (how many racers, say).
 */
export function describeOnDrivers(
  label: string,
  body: (fixture: () => StorageFixture, driver: StorageDriver) => void,
  options: DriverOptions = {},
): void {
  for (const [name, make] of storageDrivers(label, options)) {
    describe(name, () => {
      let current: StorageFixture | undefined
      beforeAll(async () => {
        current = await make()
      })
      afterAll(() => current?.close())
      body(() => {
        if (!current) throw new Error(`the ${name} fixture is not ready: call fixture() inside a test`)
        return current
      }, name)
    })
  }
}
