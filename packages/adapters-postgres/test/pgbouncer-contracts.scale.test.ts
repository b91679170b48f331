import { createCommerce, silentLogger } from '@souk/core'
import {
  cartStoreSuite,
  eventLogStoreSuite,
  idempotencyStoreSuite,
  inventoryStoreSuite,
  outboxStoreSuite,
  seedSkuThrough,
} from '@souk/core/testing'
import {
  type Pgbouncer,
  type PrivatePostgres,
  startPgbouncer,
  startPrivatePostgres,
} from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'
import { outboxInspector } from './search-support.js'
import { sqlInspector } from './support.js'

// Storage contract suites through a real pgbouncer 1.18 in transaction mode, 5 server connections
// for a pool of 30 clients: the stock counters, carts, the outbox's leased claims, idempotency keys
// and the event log's partition leases hold when consecutive statements of one client land on
// different server sessions. On a Postgres of this file's own: the event log passes an event only
// once every older transaction on the server has ended, and other files' transactions would hold
// it back.

const SERVER_CONNECTIONS = 5

let server: PrivatePostgres
let bouncer: Pgbouncer
/** Stock, carts and idempotency keys in `souk`; the outbox and event log suites, which read the whole
 * outbox, in schemas of their own. */
let storage: PostgresStorage
let outboxStorage: PostgresStorage
let eventStorage: PostgresStorage
let transactionsBefore = 0

/** pgbouncer's transaction count for the test database, from SHOW STATS. */
async function transactionsThroughBouncer(): Promise<number> {
  const row = (await bouncer.showStats()).find((r) => r.database === 'postgres')
  return Number(row?.total_xact_count ?? 0)
}

beforeAll(async () => {
  server = await startPrivatePostgres()
  bouncer = await startPgbouncer({ upstreamUrl: server.url, poolSize: SERVER_CONNECTIONS })
  const through = (schema: string) =>
    postgresStorage({ connectionString: bouncer.url, poolSize: 30, preparedStatements: false, schema })
  storage = through('souk')
  outboxStorage = through('pgb_outbox')
  eventStorage = through('pgb_events')
  await Promise.all([storage, outboxStorage, eventStorage].map((s) => s.migrate()))
  transactionsBefore = await transactionsThroughBouncer()
})
afterAll(async () => {
  for (const s of [storage, outboxStorage, eventStorage]) await s?.close()
  await bouncer?.stop()
  await server?.destroy()
})

describe('storage contracts through pgbouncer (transaction mode)', () => {
  inventoryStoreSuite({ describe, it }, async () => ({
    store: storage.inventory,
    inspect: sqlInspector(storage.db),
  }))

  describe('carts', () => {
    let seedSku: ReturnType<typeof seedSkuThrough>
    beforeAll(() => {
      seedSku = seedSkuThrough(createCommerce({ storage, logger: silentLogger, unitsSold: false }))
    })
    cartStoreSuite({ describe, it }, async () => storage.carts, { seedSku: (seed) => seedSku(seed) })
  })

  outboxStoreSuite({ describe, it }, async () => ({
    store: outboxStorage.outbox,
    inspect: outboxInspector(outboxStorage.db, 'pgb_outbox'),
  }))

  idempotencyStoreSuite({ describe, it }, async () => storage.idempotency)

  eventLogStoreSuite(
    { describe, it },
    async () => ({
      store: eventStorage.eventLog,
      outbox: eventStorage.outbox,
      transaction: eventStorage.transaction,
    }),
    { concurrentTransactions: true },
  )

  it('sent every suite above through pgbouncer', async () => {
    expect((await transactionsThroughBouncer()) - transactionsBefore).toBeGreaterThan(100)
  })
})
