import { postgresStorage } from '@souk/adapters-postgres'
import { redisFlashSales } from '@souk/adapters-redis'
import { type Commerce, createCommerce, createTestPaymentProvider, isCommerceError } from '@souk/core'
import { benchKeyPrefix, connectRedis, deleteKeys, measureLuaCeiling } from './lib/bench-redis.js'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase, runPool } from './lib/case-result.js'
import { seedSimpleProducts } from './lib/catalog-seed.js'
import { withPgClient } from './lib/pg-client.js'
import { prepareCarts } from './lib/prepared-carts.js'
import { runTimed } from './lib/timed-run.js'

const STOCK = 100
const BUYERS = 1_000
const CONCURRENCY = 64
const SPARE_CONNECTIONS = 4
/** Cart preparation runs at this concurrency. */
const PREP_CONCURRENCY = 16
/** Units the admissions-throughput sale offers: Souk's largest stock, never sold out in a case. */
const THROUGHPUT_QUANTITY = 1_000_000_000
/** postgresStorage's default schema. */
const SCHEMA = 'souk'

const count = (n: number) => Math.round(n).toLocaleString('en-US')

interface SaleOutcome {
  readonly label: string
  readonly sku: string
  readonly seconds: number
  /** placeOrder calls, each of which reserves in the database. */
  readonly dbAttempts: number
  readonly confirmed: number
  readonly refusedByDb: number
  readonly refusedByGate: number
  readonly result: CaseResult
}

/** Every buyer of `cartIds` tries to buy; with `admit`, only buyers the gate admits go on to placeOrder. */
async function runSale(
  context: BenchmarkContext,
  commerce: Commerce,
  label: string,
  sku: string,
  cartIds: readonly string[],
  admit?: { take(buyer: number): Promise<boolean>; giveBack(buyer: number): Promise<void> },
): Promise<SaleOutcome> {
  let dbAttempts = 0
  let confirmed = 0
  let refusedByDb = 0
  let refusedByGate = 0
  const run = await runPool(
    cartIds.map((cartId, buyer) => ({ cartId, buyer })),
    CONCURRENCY,
    async ({ cartId, buyer }) => {
      if (admit && !(await admit.take(buyer))) {
        refusedByGate++
        return
      }
      dbAttempts++
      try {
        const result = await commerce.checkout.placeOrder({
          cartId,
          idempotencyKey: `bench-${cartId}`,
          payment: {},
        })
        if (result.outcome === 'confirmed') confirmed++
      } catch (error) {
        if (!isCommerceError(error, 'inventory.insufficient_stock')) throw error
        refusedByDb++
        await admit?.giveBack(buyer)
      }
    },
    (done) =>
      context.progress.update(`flash-sale · ${label} · ${done}/${cartIds.length} buyers · ${confirmed} sold`),
  )
  context.progress.clear()
  return {
    label,
    sku,
    seconds: run.seconds,
    dbAttempts,
    confirmed,
    refusedByDb,
    refusedByGate,
    result: caseResult(`hot SKU sale, ${label}: buyer attempts`, CONCURRENCY, run),
  }
}

async function checkSale(url: string, outcome: SaleOutcome): Promise<CheckResult> {
  const {
    rows: [row],
  } = await withPgClient(url, (client) =>
    client.query<{ on_hand: number; reserved: number; sold: number; orders: number }>(
      `SELECT l.on_hand::int, l.reserved::int,
              (SELECT coalesce(sum(ol.quantity), 0)::int FROM ${SCHEMA}.order_lines ol
                 JOIN ${SCHEMA}.orders o ON o.id = ol.order_id
                 WHERE ol.sku = $1 AND o.status = 'confirmed') AS sold,
              (SELECT count(DISTINCT ol.order_id)::int FROM ${SCHEMA}.order_lines ol WHERE ol.sku = $1) AS orders
       FROM ${SCHEMA}.stock_levels l WHERE l.sku = $1`,
      [outcome.sku],
    ),
  )
  if (!row)
    return { name: `sold out, ${outcome.label}`, ok: false, detail: `no stock level for ${outcome.sku}` }
  const oversold = Math.max(0, row.sold - STOCK, outcome.confirmed - STOCK, -row.on_hand)
  const ok =
    outcome.confirmed === STOCK &&
    row.sold === STOCK &&
    row.on_hand === 0 &&
    row.reserved === 0 &&
    oversold === 0
  return {
    name: `exactly ${STOCK} sold, ${outcome.label}`,
    ok,
    detail:
      `${BUYERS} buyers: ${outcome.confirmed} confirmed, ${outcome.refusedByDb} refused by the database, ${outcome.refusedByGate} by the gate; ` +
      `SQL: ${row.sold} units in confirmed orders (${row.orders} orders hold the SKU), on hand ${row.on_hand}, reserved ${row.reserved}; ${oversold} oversold`,
  }
}

export const flashSale: Benchmark = {
  name: 'flash-sale',
  title: 'Flash sale: one hot SKU, with and without the Redis gate',
  async run(context) {
    const { databaseUrl, settings, progress } = context
    const redis = await connectRedis()
    const prefix = benchKeyPrefix()
    try {
      await seedSimpleProducts(databaseUrl, { prefix: 'fs', count: 2, onHand: STOCK, price: 2_500 })
      const commerce = createCommerce({
        storage: postgresStorage({
          connectionString: databaseUrl,
          poolSize: CONCURRENCY + SPARE_CONNECTIONS,
        }),
        payments: [createTestPaymentProvider({ latencyMs: 0 })],
      })
      const sales = redisFlashSales({ redis, prefix })
      let direct: SaleOutcome
      let gated: SaleOutcome
      try {
        const prepStarted = performance.now()
        const carts = await prepareCarts(
          commerce,
          Array.from({ length: 2 * BUYERS }, (_, i) => ({ skus: [i < BUYERS ? 'fs-1' : 'fs-2'] })),
          PREP_CONCURRENCY,
          (done) => progress.update(`flash-sale · preparing carts ${count(done)}/${count(2 * BUYERS)}`),
        )
        const prepSeconds = (performance.now() - prepStarted) / 1000
        progress.clear()
        context.log(`prepared ${count(2 * BUYERS)} one-line carts in ${prepSeconds.toFixed(1)} s`)

        direct = await runSale(context, commerce, 'straight to placeOrder', 'fs-1', carts.slice(0, BUYERS))
        const saleId = 'bench-hot'
        await sales.createSale({
          saleId,
          sku: 'fs-2',
          quantity: STOCK,
          endsAt: new Date(Date.now() + 3_600_000),
        })
        gated = await runSale(context, commerce, 'Redis gate, then placeOrder', 'fs-2', carts.slice(BUYERS), {
          async take(buyer) {
            try {
              await sales.admit({ saleId, customerId: `buyer-${buyer}` })
              return true
            } catch (error) {
              if (isCommerceError(error, 'flash_sale.sold_out')) return false
              throw error
            }
          },
          async giveBack(buyer) {
            await sales.release({ saleId, customerId: `buyer-${buyer}` })
          },
        })
      } finally {
        await commerce.close()
      }
      for (const outcome of [direct, gated]) {
        context.log(
          `${outcome.label}: ${outcome.seconds.toFixed(2)} s wall, ${outcome.dbAttempts} database reservation attempts, ${outcome.confirmed} sold`,
        )
      }

      // Gate throughput: admissions of distinct customers on a sale that never sells out.
      const ceiling = await measureLuaCeiling(redis, prefix, context.signal)
      const throughputSale = 'bench-throughput'
      await sales.createSale({
        saleId: throughputSale,
        sku: 'fs-throughput',
        quantity: THROUGHPUT_QUANTITY,
        endsAt: new Date(Date.now() + 3_600_000),
      })
      let customer = 0
      const run = await runTimed({
        callers: CONCURRENCY,
        seconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
        async op() {
          await sales.admit({ saleId: throughputSale, customerId: `c${customer++}` })
        },
        onStatus({ phase, elapsedSeconds, ops }) {
          progress.update(
            `flash-sale · gate admissions ×${CONCURRENCY} · ${phase} ${elapsedSeconds.toFixed(1)} s · ${count(ops)}`,
          )
        },
      })
      progress.clear()
      const admissions = caseResult(
        'gate admissions (redisFlashSales.admit), one ioredis client',
        CONCURRENCY,
        run,
        ceiling,
      )
      context.log(describeCase(admissions))

      const checks = [await checkSale(databaseUrl, direct), await checkSale(databaseUrl, gated)]
      return {
        cases: [direct.result, gated.result, admissions],
        checks,
        notes: [
          `Hot SKU with ${STOCK} in stock, ${count(BUYERS)} buyers, ${CONCURRENCY} at a time; each buyer owns a prepared one-line cart (prepared before timing) and calls \`commerce.checkout.placeOrder\` with \`createTestPaymentProvider({ latencyMs: 0 })\`; node-postgres pool of ${CONCURRENCY + SPARE_CONNECTIONS}. In the "buyer attempts" rows, ops/s and latency cover every buyer, including those refused.`,
          `Straight to placeOrder: ${direct.seconds.toFixed(2)} s wall for all ${count(BUYERS)} buyers, **${count(direct.dbAttempts)} database reservation attempts** (${direct.confirmed} sold, ${direct.refusedByDb} refused with inventory.insufficient_stock).`,
          `Redis gate first (\`redisFlashSales\`, sale of ${STOCK}, one admission per customer): ${gated.seconds.toFixed(2)} s wall, **${count(gated.dbAttempts)} database reservation attempts** (${gated.confirmed} sold, ${gated.refusedByGate} turned away by the gate, ${gated.refusedByDb} refused by the database).`,
          `Gate admissions: ${CONCURRENCY} callers loop \`admit\` with distinct customers for ${settings.seconds} s on a sale of ${count(THROUGHPUT_QUANTITY)}, over one ioredis client at ${process.env.REDIS_URL ? 'REDIS_URL' : '127.0.0.1:6379'}. Ceiling: ${ceiling.description}. SPEC.md target: ≥ 50% of it.`,
          `Redis keys under a random prefix (${prefix}) are deleted afterwards.`,
        ],
      }
    } finally {
      await deleteKeys(redis, prefix).catch(() => 0)
      redis.disconnect()
    }
  },
}
