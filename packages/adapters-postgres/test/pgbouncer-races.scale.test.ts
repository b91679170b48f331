import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import {
  createTestDatabase,
  NO_STOCK_VIOLATIONS,
  type Pgbouncer,
  startPgbouncer,
  stockInvariantViolations,
  type TestDatabase,
} from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'

// Checkout races from separate OS processes, each with its own pool of 10, through one pgbouncer in
// transaction mode that lends them 5 server connections: the database must sell exactly the stock.
// SOUK_SCALE_HEAVY=1 runs more processes and more attempts.

const HEAVY = process.env.SOUK_SCALE_HEAVY === '1'
const PROCESSES = HEAVY ? 8 : 4
const ATTEMPTS = HEAVY ? 100 : 25
/** Checkouts in flight per process: all 25 at once, or 25 lanes of 4 when heavy. */
const LANES = 25
const STOCK = HEAVY ? 200 : 30
const SERVER_CONNECTIONS = 5

let database: TestDatabase
let bouncer: Pgbouncer
let storage: PostgresStorage
let commerce: Commerce
const children: ChildProcessWithoutNullStreams[] = []

beforeAll(async () => {
  database = await createTestDatabase('pgbouncer_races')
  bouncer = await startPgbouncer({ upstreamUrl: database.url, poolSize: SERVER_CONNECTIONS })
  storage = postgresStorage({ connectionString: bouncer.url, poolSize: 4, preparedStatements: false })
  commerce = createCommerce({ storage, logger: silentLogger, unitsSold: false })
  await commerce.migrate()
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await commerce?.close()
  await bouncer?.stop()
  await database?.drop()
})

interface WorkerReport {
  pid: number
  confirmed: { order: string; replay: string }[]
  short: number
  failures: string[]
}

/** Starts a worker and resolves once its carts are made; `go()` starts its checkouts. */
function startWorker(sku: string): Promise<{ go(): void; report: Promise<WorkerReport> }> {
  const worker = fileURLToPath(new URL('./pgbouncer-checkout-worker.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@souk/source',
      worker,
      bouncer.url,
      sku,
      String(ATTEMPTS),
      String(LANES),
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)) },
  )
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const report = exited.then((code) => {
    if (code !== 0) throw new Error(`worker exited with ${code}: ${stderr}`)
    return JSON.parse(stdout.split('\n').find((line) => line.startsWith('{')) ?? 'null') as WorkerReport
  })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const before = stdout
      stdout += chunk.toString()
      if (!before.includes('ready\n') && stdout.includes('ready\n')) {
        resolve({ go: () => child.stdin.write('go\n'), report })
      }
    })
    report.catch(reject)
    exited.then(() => reject(new Error(`worker exited before it was ready: ${stderr}`)))
  })
}

/** pgbouncer's transaction count for the test database, from SHOW STATS. */
async function transactionsThroughBouncer(): Promise<number> {
  const name = new URL(database.url).pathname.slice(1)
  const row = (await bouncer.showStats()).find((r) => r.database === name)
  return Number(row?.total_xact_count ?? 0)
}

describe('checkout races through pgbouncer (transaction mode)', () => {
  it(
    `${PROCESSES} processes × ${ATTEMPTS} checkouts for ${STOCK} units: exactly ${STOCK} orders, nothing oversold`,
    async () => {
      const sku = 'PGB-LIMITED'
      await commerce.catalog.createProduct({
        slug: 'pgb-limited',
        name: 'Limited drop',
        status: 'active',
        variants: [{ sku, prices: [{ amount: 4900, currency: 'USD' }] }],
      })
      await commerce.inventory.setStock({ sku, onHand: STOCK })

      const workers = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker(sku)))
      // Every worker's pool is connected to pgbouncer now; pgbouncer holds at most its pool upstream.
      const pools = await bouncer.showPools()
      const pool = pools.find((p) => p.database === new URL(database.url).pathname.slice(1))
      const clients = Number(pool?.cl_active ?? 0) + Number(pool?.cl_waiting ?? 0)
      const servers = ['sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login'].reduce(
        (sum, column) => sum + Number(pool?.[column] ?? 0),
        0,
      )
      expect(clients).toBeGreaterThan(SERVER_CONNECTIONS)
      expect(servers).toBeLessThanOrEqual(SERVER_CONNECTIONS)

      const before = await transactionsThroughBouncer()
      for (const worker of workers) worker.go()
      const reports = await Promise.all(workers.map((w) => w.report))
      const after = await transactionsThroughBouncer()

      expect(reports.flatMap((r) => r.failures)).toEqual([])
      const confirmed = reports.flatMap((r) => r.confirmed)
      expect(confirmed).toHaveLength(STOCK)
      expect(reports.reduce((sum, r) => sum + r.short, 0)).toBe(PROCESSES * ATTEMPTS - STOCK)
      // Every process sold some: the race really was between processes.
      expect(reports.filter((r) => r.confirmed.length > 0).length).toBeGreaterThan(1)
      // A replay with the same key answered the same order.
      expect(confirmed.filter((c) => c.order !== c.replay)).toEqual([])
      // Every checkout went through pgbouncer: at least one transaction each.
      expect(after - before).toBeGreaterThanOrEqual(PROCESSES * ATTEMPTS)

      // Read back directly from the server, not through pgbouncer or Souk.
      const direct = postgresStorage({ connectionString: database.url, poolSize: 1 })
      try {
        const { rows } = await sql<{ id: string; status: string; quantity: string }>`
        select o.id, o.status, l.quantity from souk.orders o join souk.order_lines l on l.order_id = o.id
        where l.sku = ${sku}`.execute(direct.db)
        expect(rows.map((r) => r.id).sort()).toEqual(confirmed.map((c) => c.order).sort())
        expect(rows.every((r) => r.status === 'confirmed' && Number(r.quantity) === 1)).toBe(true)
        const { rows: levels } = await sql<{ on_hand: string; reserved: string }>`
        select on_hand, reserved from souk.stock_levels where sku = ${sku}`.execute(direct.db)
        expect(levels.map((l) => [Number(l.on_hand), Number(l.reserved)])).toEqual([[0, 0]])
      } finally {
        await direct.close()
      }
      expect(await stockInvariantViolations(database.url)).toEqual(NO_STOCK_VIOLATIONS)
    },
    HEAVY ? 600_000 : 120_000,
  )
})
