import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  type DeliveredEvent,
  defineSubscriber,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import {
  NO_STOCK_VIOLATIONS,
  type Pgbouncer,
  type PrivatePostgres,
  startPgbouncer,
  startPrivatePostgres,
  stockInvariantViolations,
} from '@souk/test-harness'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { soukMigrations } from '../src/migrations/souk-migrations.js'
import { type PostgresStorage, type PostgresStorageConfig, postgresStorage } from '../src/postgres-storage.js'

// Souk behind a real pgbouncer 1.18 in transaction mode with 5 server connections: a server
// connection belongs to a client for one transaction only, so nothing may rest on session state.
// Storages connect through it with preparedStatements: false unless a test says otherwise. On a
// Postgres of this file's own, so the event relay's horizon waits for no other file's transactions.

const SERVER_CONNECTIONS = 5

let server: PrivatePostgres
let bouncer: Pgbouncer
/** Storages no commerce closes. */
const storages: PostgresStorage[] = []

beforeAll(async () => {
  server = await startPrivatePostgres()
  bouncer = await startPgbouncer({ upstreamUrl: server.url, poolSize: SERVER_CONNECTIONS })
})
afterAll(async () => {
  for (const storage of storages) await storage.close()
  await bouncer?.stop()
  await server?.destroy()
})

/** A storage that reaches the database through pgbouncer; close it, or the commerce over it. */
function throughBouncer(options: Partial<Pick<PostgresStorageConfig, 'schema' | 'preparedStatements'>> = {}) {
  return postgresStorage({
    connectionString: bouncer.url,
    poolSize: 10,
    preparedStatements: false,
    ...options,
  })
}

/** Rows read on a connection straight to the server (not through pgbouncer, not through Souk). */
async function direct<Row>(query: ReturnType<typeof sql<Row>>): Promise<Row[]> {
  const storage = postgresStorage({ connectionString: server.url, poolSize: 1 })
  try {
    return (await query.execute(storage.db)).rows
  } finally {
    await storage.close()
  }
}

/** pgbouncer's transaction count for the test database, from SHOW STATS. */
async function transactionsThroughBouncer(): Promise<number> {
  const row = (await bouncer.showStats()).find((r) => r.database === 'postgres')
  return Number(row?.total_xact_count ?? 0)
}

/** Fails instead of hanging when `work` does not settle in `ms`. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

describe('migrate() through pgbouncer', () => {
  it('four storages migrating at once all finish, apply each migration once and leave no lock held', async () => {
    // Kysely's own lock (pg_advisory_lock, then pg_advisory_unlock in another statement) stayed
    // held by an idle server connection here, and the other migrators waited on it for an hour.
    const racers = Array.from({ length: 4 }, () => throughBouncer({ schema: 'pgb_migrate' }))
    storages.push(...racers)
    await within(60_000, 'four concurrent migrate() calls', Promise.all(racers.map((s) => s.migrate())))
    await within(20_000, 'migrate() again', Promise.all(racers.map((s) => s.migrate())))

    const applied = await direct(sql<{ name: string }>`select name from pgb_migrate.migrations order by name`)
    expect(applied.map((r) => r.name)).toEqual(Object.keys(soukMigrations('pgb_migrate')))
    const locks = await direct(sql<{ pid: number }>`
      select pid from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`)
    expect(locks).toEqual([])
  })
})

describe('a shop through pgbouncer (transaction mode, preparedStatements: false)', () => {
  let storage: PostgresStorage
  let commerce: Commerce
  const delivered: DeliveredEvent[] = []

  beforeAll(async () => {
    storage = throughBouncer()
    commerce = createCommerce({
      storage,
      logger: silentLogger,
      payments: [createTestPaymentProvider()],
      unitsSold: false,
      subscribers: [
        defineSubscriber({
          name: 'pgbouncer-orders',
          events: ['order.created', 'order.status_changed'],
          from: 'beginning',
          handle: async (event) => void delivered.push(event),
        }),
      ],
      // Relay rounds come from drain() below.
      relay: { intervalMs: 3_600_000 },
    })
    await commerce.migrate()
  })
  afterAll(() => commerce.close())

  it('runs catalog, cart, checkout with its retry, order transitions, cancel, search sync and the relay', async () => {
    const transactionsBefore = await transactionsThroughBouncer()

    // Catalog CRUD.
    const product = await commerce.catalog.createProduct({
      slug: 'pooled-lamp',
      name: 'Pooled Lamp',
      status: 'active',
      variants: [{ sku: 'LAMP-1', prices: [{ amount: 3500, currency: 'USD' }] }],
    })
    await commerce.catalog.updateProduct({ productId: product.id, name: 'Pooled Desk Lamp' })
    expect((await commerce.catalog.getProduct({ productId: product.id })).name).toBe('Pooled Desk Lamp')
    const listed = await commerce.catalog.listProducts({ limit: 10 })
    expect(listed.items.map((p) => p.id)).toEqual([product.id])
    await commerce.inventory.setStock({ sku: 'LAMP-1', onHand: 5 })

    // The search index follows the catalog through the outbox.
    await commerce.search.sync()
    expect((await commerce.search.query({ q: 'lamp' })).hits.map((h) => h.id)).toEqual([product.id])

    // Cart edits and checkout; a retry with the same key answers the same order.
    const cart = await commerce.cart.create({ currency: 'USD', email: 'pooled@example.com' })
    await commerce.cart.addItem({ cartId: cart.id, sku: 'LAMP-1', quantity: 1 })
    await commerce.cart.updateItem({ cartId: cart.id, sku: 'LAMP-1', quantity: 2 })
    const request = { cartId: cart.id, idempotencyKey: 'pgb-order-1', payment: { method: 'pm_card_visa' } }
    const placed = await commerce.checkout.placeOrder(request)
    expect(placed.outcome).toBe('confirmed')
    expect(placed.order.totals.total).toEqual({ amount: 7000, currency: 'USD' })
    expect((await commerce.checkout.placeOrder(request)).order.id).toBe(placed.order.id)
    await expectCommerceError(
      commerce.checkout.placeOrder({ ...request, payment: { method: 'pm_card_amex' } }),
      'idempotency.conflict',
    )
    expect(await commerce.inventory.available({ sku: 'LAMP-1' })).toBe(3)

    // Order transitions, an invalid one refused, and a cancel that restocks.
    await commerce.orders.transition({ orderId: placed.order.id, to: 'processing' })
    const shipped = await commerce.orders.transition({ orderId: placed.order.id, to: 'shipped' })
    expect(shipped.status).toBe('shipped')
    await expectCommerceError(
      commerce.orders.transition({ orderId: placed.order.id, to: 'processing' }),
      'order.invalid_transition',
    )
    const second = await commerce.cart.create({ currency: 'USD', email: 'pooled@example.com' })
    await commerce.cart.addItem({ cartId: second.id, sku: 'LAMP-1', quantity: 1 })
    const cancelled = await commerce.checkout.placeOrder({
      cartId: second.id,
      idempotencyKey: 'pgb-order-2',
      payment: { method: 'pm_card_visa' },
    })
    expect((await commerce.orders.cancel({ orderId: cancelled.order.id })).status).toBe('cancelled')
    expect(await commerce.inventory.available({ sku: 'LAMP-1' })).toBe(3)

    // The event relay (partition leases, snapshot horizons) delivers them.
    const story = (orderId: string) =>
      delivered
        .filter((e) => e.aggregateId === orderId)
        .map((e) => (e.type === 'order.status_changed' ? (e.data as { to: string }).to : e.type))
    const expected = {
      [placed.order.id]: ['order.created', 'confirmed', 'processing', 'shipped'],
      [cancelled.order.id]: ['order.created', 'confirmed', 'cancelled'],
    }
    const deadline = Date.now() + 20_000
    while (delivered.length < 7 && Date.now() < deadline) {
      await commerce.subscribers.drain()
      if (delivered.length < 7) await new Promise((r) => setTimeout(r, 25))
    }
    expect({
      [placed.order.id]: story(placed.order.id),
      [cancelled.order.id]: story(cancelled.order.id),
    }).toEqual(expected)

    expect(await stockInvariantViolations(server.url)).toEqual(NO_STOCK_VIOLATIONS)
    // All of it went through pgbouncer.
    expect((await transactionsThroughBouncer()) - transactionsBefore).toBeGreaterThan(20)
  })
})

describe('prepared statements left on behind pgbouncer 1.18', () => {
  it('still work (the first lost statement turns them off), and two schemas never run each other’s', async () => {
    // Two shops in one database, both with the default (named statements on), sharing pgbouncer's
    // 5 server connections: a name prepared by one shop is visible to the other on that server.
    const shops = await Promise.all(
      ['pgb_shop_a', 'pgb_shop_b'].map(async (schema) => {
        const storage = throughBouncer({ schema, preparedStatements: true })
        const commerce = createCommerce({
          storage,
          logger: silentLogger,
          payments: [createTestPaymentProvider()],
          unitsSold: false,
        })
        await commerce.migrate()
        await commerce.catalog.createProduct({
          slug: `${schema.replaceAll('_', '-')}-mug`,
          name: 'Mug',
          status: 'active',
          variants: [{ sku: 'MUG', prices: [{ amount: 900, currency: 'USD' }] }],
        })
        await commerce.inventory.setStock({ sku: 'MUG', onHand: 1_000 })
        return { schema, commerce }
      }),
    )
    try {
      const outcomes = await Promise.all(
        shops.map(async ({ schema, commerce }) => {
          const carts = await Promise.all(
            Array.from({ length: 30 }, async () => {
              const cart = await commerce.cart.create({ currency: 'USD', email: `${schema}@example.com` })
              await commerce.cart.addItem({ cartId: cart.id, sku: 'MUG', quantity: 1 })
              return cart.id
            }),
          )
          // A shop's statement run on the other shop's server-side statement would miss its cart.
          const read = await Promise.all(carts.map((cartId) => commerce.cart.get({ cartId })))
          const placed = await Promise.all(
            carts.map((cartId, i) =>
              commerce.checkout.placeOrder({
                cartId,
                idempotencyKey: `${schema}-${i}`,
                payment: { method: 'pm_card_visa' },
              }),
            ),
          )
          return {
            schema,
            read: read.length,
            confirmed: placed.filter((p) => p.outcome === 'confirmed').length,
          }
        }),
      )
      expect(outcomes).toEqual([
        { schema: 'pgb_shop_a', read: 30, confirmed: 30 },
        { schema: 'pgb_shop_b', read: 30, confirmed: 30 },
      ])
      for (const { schema } of shops) {
        const [row] = await direct(
          sql<{
            n: string
          }>`select count(*) as n from ${sql.id(schema, 'orders')} where status = 'confirmed'`,
        )
        expect(Number(row?.n)).toBe(30)
        expect(await stockInvariantViolations(server.url, schema)).toEqual(NO_STOCK_VIOLATIONS)
      }
    } finally {
      for (const { commerce } of shops) await commerce.close()
    }
  })

  it('two schemas sharing one pg.Pool (no pooler) each run their own named statements', async () => {
    // node-postgres refuses one name for two texts on a connection ("Prepared statements must be
    // unique"): the names carry a hash of the text, which holds the schema.
    const pool = new pg.Pool({ connectionString: server.url, max: 2 })
    pool.on('error', () => undefined)
    try {
      const shops = ['pool_shop_a', 'pool_shop_b'].map((schema) =>
        createCommerce({ storage: postgresStorage({ pool, schema }), logger: silentLogger }),
      )
      for (const shop of shops) await shop.migrate()
      for (let round = 0; round < 5; round++) {
        for (const shop of shops) {
          const cart = await shop.cart.create({ currency: 'USD' })
          expect((await shop.cart.get({ cartId: cart.id })).id).toBe(cart.id)
        }
      }
      for (const shop of shops) await shop.close()
    } finally {
      await pool.end()
    }
  })
})
