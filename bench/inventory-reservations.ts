import { postgresStorage } from '@souk/adapters-postgres'
import { type Commerce, createCommerce, isCommerceError } from '@souk/core'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult } from './lib/case-result.js'
import { withPgClient } from './lib/pg-client.js'
import { createStockCeilings, type StockCeilings, type StockWorkload } from './lib/stock-ceilings.js'
import { runTimed } from './lib/timed-run.js'

/** SKUs the spread cases pick from, uniformly at random. */
const SPREAD_SKUS = 10_000
/** Stock of every throughput SKU: the largest Souk accepts, so the hot SKU never runs out. */
const PLENTY = 1_000_000_000
const OVERSELL_STOCK = 500
const OVERSELL_CALLERS = 16
/** Pool size is callers + this, so a caller never waits for a connection. */
const SPARE_CONNECTIONS = 4
/** postgresStorage's default schema. */
const SCHEMA = 'souk'

interface InventoryCase {
  readonly name: string
  readonly workload: StockWorkload
}

const CASES: readonly InventoryCase[] = [
  { name: 'reserve, one hot SKU', workload: { shape: 'hot', sold: false, clients: 1 } },
  { name: 'reserve, one hot SKU', workload: { shape: 'hot', sold: false, clients: 16 } },
  { name: 'reserve, 10,000 SKUs', workload: { shape: 'spread', sold: false, clients: 1 } },
  { name: 'reserve, 10,000 SKUs', workload: { shape: 'spread', sold: false, clients: 16 } },
  { name: 'reserve + commit, one hot SKU', workload: { shape: 'hot', sold: true, clients: 16 } },
  { name: 'reserve + commit, 10,000 SKUs', workload: { shape: 'spread', sold: true, clients: 16 } },
]

const count = (n: number) => Math.round(n).toLocaleString('en-US')
const spreadSku = (n: number) => `spread-${n}`
const hotSku = (index: number) => `hot-${index}`

async function withCommerce<T>(url: string, poolSize: number, work: (commerce: Commerce) => Promise<T>) {
  const commerce = createCommerce({ storage: postgresStorage({ connectionString: url, poolSize }) })
  try {
    return await work(commerce)
  } finally {
    await commerce.close()
  }
}

/** 10,000 setStock calls would take longer than the cases; the rows are the same. */
async function seedSpreadSkus(url: string): Promise<void> {
  await withPgClient(url, async (client) => {
    await client.query(
      `INSERT INTO ${SCHEMA}.inventory_items (sku) SELECT 'spread-' || g FROM generate_series(1, $1::int) AS g`,
      [SPREAD_SKUS],
    )
    await client.query(
      `INSERT INTO ${SCHEMA}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
       SELECT 'spread-' || g, 'default', $2::bigint, 0, now() FROM generate_series(1, $1::int) AS g`,
      [SPREAD_SKUS, PLENTY],
    )
    await client.query(`ANALYZE ${SCHEMA}.inventory_items, ${SCHEMA}.stock_levels`)
  })
}

async function runCase(
  context: BenchmarkContext,
  ceilings: StockCeilings,
  index: number,
  { name, workload }: InventoryCase,
): Promise<CaseResult> {
  const { settings, databaseUrl, progress } = context
  const callers = workload.clients
  // Measured right before the case, so both see the same load on the machine.
  const ceiling = await ceilings.ceiling(workload)
  const sku = hotSku(index)
  const pick =
    workload.shape === 'hot' ? () => sku : () => spreadSku(1 + Math.floor(Math.random() * SPREAD_SKUS))

  const run = await withCommerce(databaseUrl, callers + SPARE_CONNECTIONS, async ({ inventory }) => {
    // Reservations alone are measured: no catalog product behind the SKU.
    if (workload.shape === 'hot') await inventory.setStock({ sku, onHand: PLENTY, allowUnknownSku: true })
    return runTimed({
      callers,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      async op() {
        const hold = await inventory.reserve({ lines: [{ sku: pick(), quantity: 1 }] })
        if (workload.sold) await inventory.commit({ reservationId: hold.id })
      },
      onStatus({ phase, elapsedSeconds, ops }) {
        const total = phase === 'warm-up' ? settings.warmupSeconds : settings.seconds
        const done = phase === 'warm-up' ? '' : ` · ${count(ops)} ops`
        progress.update(
          `inventory · ${name} ×${callers} · ${phase} ${elapsedSeconds.toFixed(1)}/${total} s${done}`,
        )
      },
    })
  })
  progress.clear()

  return caseResult(name, callers, run, ceiling)
}

/** Every level's counters against the reservations that explain them, read straight from SQL. */
async function checkCounters(url: string): Promise<CheckResult> {
  const {
    rows: [row],
  } = await withPgClient(url, (client) =>
    client.query<{ levels: number; reserved_off: number; on_hand_off: number }>(
      `WITH held AS (
         SELECT i.sku, i.location_id,
                sum(i.quantity) FILTER (WHERE r.status = 'active') AS active,
                sum(i.quantity) FILTER (WHERE r.status = 'committed') AS sold
         FROM ${SCHEMA}.reservation_items i JOIN ${SCHEMA}.reservations r ON r.id = i.reservation_id
         GROUP BY i.sku, i.location_id)
       SELECT count(*)::int AS levels,
              count(*) FILTER (WHERE l.reserved <> coalesce(h.active, 0))::int AS reserved_off,
              count(*) FILTER (WHERE l.on_hand <> $1::bigint - coalesce(h.sold, 0))::int AS on_hand_off
       FROM ${SCHEMA}.stock_levels l LEFT JOIN held h USING (sku, location_id)`,
      [PLENTY],
    ),
  )
  const { levels = 0, reserved_off = -1, on_hand_off = -1 } = row ?? {}
  return {
    name: 'counters after the throughput cases',
    ok: levels > 0 && reserved_off === 0 && on_hand_off === 0,
    detail:
      `${count(levels)} stock levels: ${reserved_off} with reserved ≠ sum of active reservation items, ` +
      `${on_hand_off} with on hand ≠ ${count(PLENTY)} − committed items`,
  }
}

/** 16 callers race for 500 units until every one is refused; SQL must show exactly 500 held. */
async function checkOversell(context: BenchmarkContext): Promise<CheckResult> {
  const { databaseUrl, progress } = context
  const sku = 'oversell'
  let succeeded = 0
  let refused = 0
  const startedAt = performance.now()
  await withCommerce(databaseUrl, OVERSELL_CALLERS + SPARE_CONNECTIONS, async ({ inventory }) => {
    await inventory.setStock({ sku, onHand: OVERSELL_STOCK, allowUnknownSku: true })
    const caller = async () => {
      for (;;) {
        try {
          await inventory.reserve({ lines: [{ sku, quantity: 1 }] })
          succeeded++
        } catch (error) {
          if (!isCommerceError(error, 'inventory.insufficient_stock')) throw error
          refused++
          return
        }
        progress.update(`inventory · oversell check ×${OVERSELL_CALLERS} · ${succeeded} reserved`)
      }
    }
    const outcomes = await Promise.allSettled(Array.from({ length: OVERSELL_CALLERS }, caller))
    const failure = outcomes.find((o) => o.status === 'rejected')
    if (failure) throw failure.reason
  })
  progress.clear()
  const seconds = (performance.now() - startedAt) / 1000

  const {
    rows: [row],
  } = await withPgClient(databaseUrl, (client) =>
    client.query<{ on_hand: number; reserved: number; held: number; holds: number }>(
      `SELECT l.on_hand::int, l.reserved::int,
              coalesce(sum(i.quantity) FILTER (WHERE r.status = 'active'), 0)::int AS held,
              count(r.id) FILTER (WHERE r.status = 'active')::int AS holds
       FROM ${SCHEMA}.stock_levels l
       LEFT JOIN ${SCHEMA}.reservation_items i ON i.sku = l.sku AND i.location_id = l.location_id
       LEFT JOIN ${SCHEMA}.reservations r ON r.id = i.reservation_id
       WHERE l.sku = $1
       GROUP BY l.on_hand, l.reserved`,
      [sku],
    ),
  )
  if (!row) return { name: 'oversell', ok: false, detail: `no stock level for ${sku}` }
  const oversold = Math.max(0, row.held - row.on_hand, row.reserved - row.on_hand, succeeded - OVERSELL_STOCK)
  const ok =
    oversold === 0 &&
    succeeded === OVERSELL_STOCK &&
    refused === OVERSELL_CALLERS &&
    row.on_hand === OVERSELL_STOCK &&
    row.reserved === OVERSELL_STOCK &&
    row.held === OVERSELL_STOCK &&
    row.holds === OVERSELL_STOCK
  return {
    name: 'oversell',
    ok,
    detail:
      `${OVERSELL_CALLERS} callers on ${OVERSELL_STOCK} units (${seconds.toFixed(1)} s): ${succeeded} reserved, ` +
      `${refused} refused; SQL: on hand ${row.on_hand}, reserved ${row.reserved}, ` +
      `active reservation items ${row.held} in ${row.holds} reservations; ${oversold} oversold`,
  }
}

export const inventoryReservations: Benchmark = {
  name: 'inventory',
  title: 'Inventory reservations',
  async run(context) {
    const { databaseUrl, settings, pgbench, progress, signal } = context
    const ceilings = createStockCeilings({
      pgbench,
      url: databaseUrl,
      seconds: settings.seconds,
      spreadRows: SPREAD_SKUS,
      progress,
      signal,
    })
    progress.update(`inventory · seeding ${count(SPREAD_SKUS)} SKUs`)
    await seedSpreadSkus(databaseUrl)
    progress.clear()

    const cases: CaseResult[] = []
    for (const [index, inventoryCase] of CASES.entries()) {
      const result = await runCase(context, ceilings, index, inventoryCase)
      cases.push(result)
      context.log(
        `${result.name} ×${result.callers}: ${count(result.opsPerSecond)} ops/s, ` +
          `p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms` +
          (result.ratio === null
            ? ''
            : `, ${result.ratio.toFixed(2)}× of ${count(result.ceilingTps ?? 0)} tps`),
      )
    }
    const checks = [await checkCounters(databaseUrl), await checkOversell(context)]
    return {
      cases,
      checks,
      notes: [
        `Each caller loops \`commerce.inventory.reserve({ lines: [{ sku, quantity: 1 }] })\` (then \`commit\` on the sold path) for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up, on a node-postgres pool of callers + ${SPARE_CONNECTIONS}; ops/s counts reserves (reserve + commit pairs on the sold path).`,
        `Hot cases use one fresh SKU each with ${count(PLENTY)} on hand; spread cases pick one of ${count(SPREAD_SKUS)} SKUs uniformly at random.`,
        `Ceilings: ${ceilings.description}.`,
      ],
    }
  },
}
