import { PGlite } from '@electric-sql/pglite'
import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  defaultAllocationStrategy,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { createTestDatabase, freePort, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'
import { describeOnDrivers } from './support.js'

/** What a first-hour message must not carry: the driver's words, SQLSTATEs, hosts, object names. */
const DRIVER_TEXT =
  /does not exist|relation|souk\.|42P01|42883|3F000|3D000|ECONNREFUSED|127\.0\.0\.1|localhost/

/** Pollers off: these tests make one call each and must not race a background round. */
function quiet(
  storage: PostgresStorage,
  extra: Partial<Parameters<typeof createCommerce>[0]> = {},
): Commerce {
  return createCommerce({
    storage,
    logger: silentLogger,
    unitsSold: false,
    stockStatus: false,
    relay: false,
    payments: [createTestPaymentProvider()],
    ...extra,
  })
}

interface Unmigrated {
  readonly storage: PostgresStorage
  close(): Promise<void>
}

const databases: TestDatabase[] = []
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()))
})

/** A storage on an empty database: nobody called migrate(). */
const UNMIGRATED: readonly (readonly [string, () => Promise<Unmigrated>])[] = [
  [
    'node-postgres',
    async () => {
      const database = await createTestDatabase('first_hour')
      databases.push(database)
      const storage = postgresStorage({ connectionString: database.url, poolSize: 2 })
      return { storage, close: () => storage.close() }
    },
  ],
  [
    'PGlite',
    async () => {
      const pglite = new PGlite('memory://')
      const storage = postgresStorage({ pglite })
      return {
        storage,
        async close() {
          await storage.close()
          await pglite.close()
        },
      }
    },
  ],
]

for (const [driver, open] of UNMIGRATED) {
  describe(`${driver}: before migrate()`, () => {
    let current: Unmigrated | undefined
    afterEach(async () => {
      await current?.close()
      current = undefined
    })

    it('answers every first call with storage.not_migrated saying to call commerce.migrate()', async () => {
      current = await open()
      const commerce = quiet(current.storage)
      const calls: [string, () => Promise<unknown>][] = [
        ['cart.create', () => commerce.cart.create({ currency: 'USD' })],
        [
          'catalog.createProduct',
          () =>
            commerce.catalog.createProduct({
              slug: 'tee',
              name: 'Tee',
              status: 'active',
              variants: [{ sku: 'TEE', prices: [{ amount: 1000, currency: 'USD' }] }],
            }),
        ],
        [
          'inventory.setStock',
          () => commerce.inventory.setStock({ sku: 'TEE', onHand: 1, allowUnknownSku: true }),
        ],
        [
          'checkout.placeOrder',
          () =>
            commerce.checkout.placeOrder({
              cartId: 'cart_1',
              idempotencyKey: 'first-order',
              payment: { method: 'pm_card_visa' },
            }),
        ],
        ['search.query', () => commerce.search.query({ q: 'tee' })],
      ]
      for (const [name, call] of calls) {
        const error = await expectCommerceError(call(), 'storage.not_migrated').catch((e: Error) => {
          throw new Error(`${name}: ${e.message}`)
        })
        expect(error.message, name).toMatch(/call commerce\.migrate\(\)/)
        expect(error.message, name).not.toMatch(DRIVER_TEXT)
      }
      // Not a false alarm: after migrate() the same call works. (No commerce.close(): it would end
      // the pool this storage opened; the fixture closes the storage.)
      await current.storage.migrate()
      expect((await commerce.cart.create({ currency: 'USD' })).lines).toEqual([])
    })

    it('names the failed migration when one fails, and keeps the driver text in the cause', async () => {
      current = await open()
      // A table in the way of migration 001's first CREATE TABLE.
      await sql`create schema souk`.execute(current.storage.db)
      await sql`create table souk.locations (id integer)`.execute(current.storage.db)
      const error = await expectCommerceError(current.storage.migrate(), 'storage.failed', {
        schema: 'souk',
        migration: '001-inventory',
        sqlState: '42P07',
      })
      expect(error.message).toMatch(/^Migration 001-inventory of schema "souk" failed/)
      expect(error.message).not.toMatch(/already exists|42P07/)
      expect(String((error.cause as Error).message)).toMatch(/already exists/)
    })
  })
}

describe('node-postgres: migrate() before any migration ran', () => {
  it('says the database is unavailable when nothing listens, without the host', async () => {
    const storage = postgresStorage({
      connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/souk`,
    })
    try {
      const error = await expectCommerceError(storage.migrate(), 'storage.unavailable', { migration: null })
      expect(error.message).toBe(
        'Could not migrate schema "souk": the database is unavailable. Check the connection settings and that Postgres is running, then call migrate() again',
      )
    } finally {
      await storage.close()
    }
  })

  it('says what to check when the server refuses first, without its words', async () => {
    const database = await createTestDatabase('first_hour_gone')
    await database.drop()
    const storage = postgresStorage({ connectionString: database.url })
    try {
      const error = await expectCommerceError(storage.migrate(), 'storage.failed', {
        migration: null,
        sqlState: '3D000',
      })
      expect(error.message).toMatch(
        /^Could not migrate schema "souk": the database refused before any migration ran/,
      )
      expect(error.message).not.toMatch(DRIVER_TEXT)
    } finally {
      await storage.close()
    }
  })
})

describeOnDrivers('first_hour_stock', (fixture) => {
  let n = 0
  /** An active, priced product whose SKU inventory never heard of (no setStock). */
  async function neverStocked(commerce: Commerce): Promise<string> {
    const sku = `NEW-${++n}`
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `New ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 1500, currency: 'USD' }] }],
    })
    return sku
  }

  it('shows a never-stocked SKU as available 0, and refuses it as insufficient stock everywhere', async () => {
    const commerce = quiet(fixture().storage)
    try {
      const sku = await neverStocked(commerce)
      const shortfall = { shortfalls: [{ sku, requested: 2, available: 0 }] }
      const product = await commerce.catalog.getProduct({ slug: sku.toLowerCase() })
      expect(product.variants[0]?.availability).toMatchObject({ available: 0, inStock: false })

      const cart = await commerce.cart.create({ currency: 'USD', email: 'ada@example.com' })
      await expectCommerceError(
        commerce.cart.addItem({ cartId: cart.id, sku, quantity: 2 }),
        'inventory.insufficient_stock',
        shortfall,
      )
      await expectCommerceError(
        commerce.inventory.reserve({ lines: [{ sku, quantity: 2 }] }),
        'inventory.insufficient_stock',
        shortfall,
      )

      // A cart that already holds the SKU (written past the cart service, as an import would).
      const stored = (await fixture().storage.carts.get(cart.id))!
      await fixture().storage.carts.save({
        cart: { ...stored, lines: [{ sku, quantity: 2, addedAt: new Date() }], version: stored.version + 1 },
        expectedVersion: stored.version,
        events: [],
      })
      const order = { cartId: cart.id, payment: { method: 'pm_card_visa' } }
      await expectCommerceError(
        commerce.checkout.placeOrder({ ...order, idempotencyKey: `order-${sku}-a` }),
        'inventory.insufficient_stock',
        shortfall,
      )
      // A host allocation strategy plans from a snapshot first: the same answer.
      const planned = quiet(fixture().storage, { allocation: (input) => defaultAllocationStrategy(input) })
      await expectCommerceError(
        planned.checkout.placeOrder({ ...order, idempotencyKey: `order-${sku}-b` }),
        'inventory.insufficient_stock',
        shortfall,
      )
      await planned.close()
    } finally {
      await commerce.close()
    }
  })

  it('still answers not_found for a SKU no product has', async () => {
    const commerce = quiet(fixture().storage)
    try {
      const cart = await commerce.cart.create({ currency: 'USD' })
      await expectCommerceError(
        commerce.cart.addItem({ cartId: cart.id, sku: 'NOBODY', quantity: 1 }),
        'not_found',
        {
          entity: 'sku',
          id: 'NOBODY',
        },
      )
      await expectCommerceError(
        commerce.inventory.reserve({ lines: [{ sku: 'NOBODY', quantity: 1 }] }),
        'not_found',
        {
          entity: 'sku',
          id: 'NOBODY',
        },
      )
    } finally {
      await commerce.close()
    }
  })
})
