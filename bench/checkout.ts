import { postgresStorage } from '@souk/adapters-postgres'
import { type Commerce, createCommerce, createTestPaymentProvider } from '@souk/core'
import type { Benchmark, BenchmarkContext, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase, runPool } from './lib/case-result.js'
import { seedSimpleProducts } from './lib/catalog-seed.js'
import { measureCheckoutCeiling } from './lib/checkout-ceiling.js'
import { withPgClient } from './lib/pg-client.js'
import { prepareCarts } from './lib/prepared-carts.js'
import { startWalMeter } from './lib/wal-meter.js'

const CALLERS = 16
/** Lines per cart: STACK.md's checkout shape has three. */
const LINES = 3
/** Stock of every SKU: the largest Souk accepts, so nothing runs out. */
const PLENTY = 1_000_000_000
const SPARE_CONNECTIONS = 4
const WARMUP_ORDERS_PER_CALLER = 5
const PREFIX = 'ck'
/** postgresStorage's default schema. */
const SCHEMA = 'souk'

const count = (n: number) => Math.round(n).toLocaleString('en-US')
const skuOf = (caller: number, line: number) => `${PREFIX}-${caller * LINES + line + 1}`

/** Orders per caller in the measured part: about BENCH_SECONDS at a few hundred orders/s. */
const ordersPerCaller = (seconds: number) => Math.max(20, Math.round(seconds * 10))

async function checkInvariants(url: string, placed: number): Promise<CheckResult[]> {
  return withPgClient(url, async (client) => {
    const {
      rows: [stock],
    } = await client.query<{ levels: number; oversold: number; reserved_off: number; on_hand_off: number }>(
      `WITH held AS (
         SELECT i.sku, i.location_id,
                sum(i.quantity) FILTER (WHERE r.status = 'active') AS active,
                sum(i.quantity) FILTER (WHERE r.status = 'committed') AS sold
         FROM ${SCHEMA}.reservation_items i JOIN ${SCHEMA}.reservations r ON r.id = i.reservation_id
         GROUP BY i.sku, i.location_id)
       SELECT count(*)::int AS levels,
              count(*) FILTER (WHERE l.reserved > l.on_hand OR l.on_hand < 0 OR l.reserved < 0)::int AS oversold,
              count(*) FILTER (WHERE l.reserved <> coalesce(h.active, 0))::int AS reserved_off,
              count(*) FILTER (WHERE l.on_hand <> $1::bigint - coalesce(h.sold, 0))::int AS on_hand_off
       FROM ${SCHEMA}.stock_levels l LEFT JOIN held h USING (sku, location_id)
       WHERE l.sku LIKE '${PREFIX}-%'`,
      [PLENTY],
    )
    const {
      rows: [orders],
    } = await client.query<{ confirmed: number; uncommitted: number; other: number }>(
      `SELECT count(*) FILTER (WHERE o.status = 'confirmed')::int AS confirmed,
              count(*) FILTER (WHERE o.status = 'confirmed' AND r.status IS DISTINCT FROM 'committed')::int AS uncommitted,
              count(*) FILTER (WHERE o.status <> 'confirmed')::int AS other
       FROM ${SCHEMA}.orders o LEFT JOIN ${SCHEMA}.reservations r ON r.id = o.reservation_id
       WHERE o.email LIKE '%@bench.example'`,
    )
    const s = stock ?? { levels: 0, oversold: -1, reserved_off: -1, on_hand_off: -1 }
    const o = orders ?? { confirmed: -1, uncommitted: -1, other: -1 }
    return [
      {
        name: 'no oversell',
        ok: s.levels === CALLERS * LINES && s.oversold === 0,
        detail: `${s.levels} stock levels, ${s.oversold} with reserved > on hand or a negative counter`,
      },
      {
        name: 'reserved = live reservations, on hand = stock − sold',
        ok: s.reserved_off === 0 && s.on_hand_off === 0,
        detail: `${s.reserved_off} levels with reserved ≠ active reservation items, ${s.on_hand_off} with on hand ≠ ${count(PLENTY)} − committed items`,
      },
      {
        name: 'every confirmed order committed its reservation',
        ok: o.confirmed === placed && o.uncommitted === 0 && o.other === 0,
        detail: `${count(placed)} placeOrder calls resolved confirmed; SQL: ${count(o.confirmed)} confirmed orders, ${o.uncommitted} of them without a committed reservation, ${o.other} orders in another status`,
      },
    ]
  })
}

export const checkoutThroughput: Benchmark = {
  name: 'checkout',
  title: 'Checkout: placeOrder throughput',
  async run(context: BenchmarkContext) {
    const { databaseUrl, settings, progress } = context
    const perCaller = ordersPerCaller(settings.seconds)
    const total = CALLERS * (WARMUP_ORDERS_PER_CALLER + perCaller)
    await seedSimpleProducts(databaseUrl, {
      prefix: PREFIX,
      count: CALLERS * LINES,
      onHand: PLENTY,
      price: 1_000,
    })

    const commerce: Commerce = createCommerce({
      storage: postgresStorage({ connectionString: databaseUrl, poolSize: CALLERS + SPARE_CONNECTIONS }),
      payments: [createTestPaymentProvider({ latencyMs: 0 })],
    })
    let placed = 0
    let run: Awaited<ReturnType<typeof runPool>>
    let prepSeconds: number
    let walPerOrder = Number.NaN
    try {
      // Cart i belongs to caller i % CALLERS and holds that caller's own three SKUs.
      const prepStarted = performance.now()
      const cartIds = await prepareCarts(
        commerce,
        Array.from({ length: total }, (_, i) => ({
          skus: Array.from({ length: LINES }, (_, line) => skuOf(i % CALLERS, line)),
        })),
        CALLERS,
        (done) => progress.update(`checkout · preparing carts ${count(done)}/${count(total)}`),
      )
      prepSeconds = (performance.now() - prepStarted) / 1000
      progress.clear()
      const queues = Array.from({ length: CALLERS }, (_, caller) =>
        cartIds.filter((_, i) => i % CALLERS === caller),
      )
      const place = async (cartId: string) => {
        const result = await commerce.checkout.placeOrder({
          cartId,
          idempotencyKey: `bench-${cartId}`,
          payment: {},
        })
        if (result.outcome !== 'confirmed')
          throw new Error(`order ${result.order.id} ended ${result.outcome}`)
        placed++
      }
      // Warm-up: each caller's first orders, untimed, so the pool and plan caches are warm.
      progress.update('checkout · warm-up')
      await Promise.all(
        queues.map(async (queue) => {
          for (const cartId of queue.slice(0, WARMUP_ORDERS_PER_CALLER)) await place(cartId)
        }),
      )
      // Measured: every caller checks out its own remaining carts, one after another.
      const measured = queues.flatMap((queue, caller) =>
        queue.slice(WARMUP_ORDERS_PER_CALLER).map((id) => ({ id, caller })),
      )
      // Interleave so each of the CALLERS workers takes carts of its own caller in turn.
      const byWorker = Array.from({ length: CALLERS }, (_, w) => measured.filter((m) => m.caller === w))
      const order = Array.from({ length: perCaller }, (_, i) => byWorker.map((list) => list[i]!)).flat()
      const wal = await startWalMeter(databaseUrl)
      run = await runPool(
        order,
        CALLERS,
        (item) => place(item.id),
        (done) =>
          progress.update(`checkout · placeOrder ×${CALLERS} · ${count(done)}/${count(order.length)}`),
      )
      walPerOrder = (await wal.stop()) / Math.max(1, run.ops)
      progress.clear()
    } finally {
      await commerce.close()
    }

    const ceiling = await measureCheckoutCeiling({
      pgbench: context.pgbench,
      url: databaseUrl,
      clients: CALLERS,
      seconds: settings.seconds,
      progress,
      signal: context.signal,
    })
    const result = caseResult(
      'placeOrder, 3 lines, uncontended SKUs, 0 ms test payment',
      CALLERS,
      run,
      ceiling,
    )
    context.log(describeCase(result))
    const kb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024).toFixed(1)} KB`)
    context.log(
      `WAL per order: ${kb(walPerOrder)} (pgbench checkout-shaped transaction: ${kb(ceiling.walBytesPerTransaction)})`,
    )
    const checks = await checkInvariants(databaseUrl, placed)
    return {
      cases: [result],
      checks,
      notes: [
        `${CALLERS} callers each check out ${perCaller} prepared carts of their own (after ${WARMUP_ORDERS_PER_CALLER} untimed warm-up orders each): every cart holds one unit each of 3 SKUs only that caller buys, with ${count(PLENTY)} in stock; \`commerce.checkout.placeOrder({ cartId, idempotencyKey, payment: {} })\` with \`createTestPaymentProvider({ latencyMs: 0 })\`, no shipping method, no tax, no promotion; node-postgres pool of ${CALLERS + SPARE_CONNECTIONS}.`,
        `Only placeOrder is timed: ${count(total)} carts were prepared beforehand through commerce.cart (create + 3 addItem) in ${prepSeconds.toFixed(1)} s. ops/s = orders placed / wall time of the measured part (${count(run.ops)} orders in ${run.seconds.toFixed(1)} s).`,
        `Ceiling: ${ceiling.description}; measured right after the Souk case. SPEC.md target: ≥ 50% of it.`,
        `WAL per order: ${kb(walPerOrder)}, server-wide pg_current_wal_lsn() difference over the measured part / orders placed (the units-sold applier runs meanwhile and is included); the pgbench checkout-shaped transaction writes ${kb(ceiling.walBytesPerTransaction)} each, measured the same way.`,
        'Invariants are read from SQL after the run.',
      ],
    }
  },
}
