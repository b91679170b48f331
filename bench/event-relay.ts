import { postgresStorage } from '@souk/adapters-postgres'
import {
  type Commerce,
  type CommerceEvent,
  createCommerce,
  createTestPaymentProvider,
  type OutboxStore,
  outboxEvent,
} from '@souk/core'
import type { Benchmark, BenchmarkContext, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase, runPool } from './lib/case-result.js'
import { seedSimpleProducts } from './lib/catalog-seed.js'
import { prepareCarts } from './lib/prepared-carts.js'

const CALLERS = 16
const LINES = 3
const PLENTY = 1_000_000_000
const SEED_BATCH = 1_000
const count = (n: number) => Math.round(n).toLocaleString('en-US')

/** Events in the log for the drain cases: about BENCH_SECONDS of delivery at a few thousand/s. */
const logSize = (seconds: number) => Math.max(5_000, Math.round(seconds * 4_000))
/** Orders per caller in the placeOrder cases. */
const ordersPerCaller = (seconds: number) => Math.max(20, Math.round(seconds * 8))

function commerceOver(databaseUrl: string, extra: Record<string, unknown> = {}): Commerce {
  return createCommerce({
    storage: postgresStorage({ connectionString: databaseUrl, poolSize: CALLERS + 4 }),
    payments: [createTestPaymentProvider({ latencyMs: 0 })],
    unitsSold: false,
    relay: false,
    ...extra,
  })
}

/** Writes `size` product.updated events over 500 products, as services write them. */
async function seedLog(outbox: OutboxStore, size: number, onProgress: (done: number) => void): Promise<void> {
  const at = new Date()
  for (let done = 0; done < size; done += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, size - done) }, (_, i) => {
      const productId = `prod_${(done + i) % 500}`
      const event = { type: 'product.updated', productId, occurredAt: at } as unknown as CommerceEvent
      return outboxEvent(event, `evt_bench_${done + i}`, productId)
    })
    await outbox.enqueue({ messages: batch, now: at })
    onProgress(done + batch.length)
  }
}

export const eventRelay: Benchmark = {
  name: 'relay',
  title: 'Durable subscribers: relay throughput, delivery lag and cost on placeOrder',
  async run(context: BenchmarkContext) {
    const { databaseUrl, settings, progress } = context
    const checks: CheckResult[] = []
    const cases = []

    // 1. Drain throughput: a no-op subscriber reading a log of events from the beginning.
    const size = logSize(settings.seconds)
    for (const partitions of [1, 4]) {
      const storage = postgresStorage({ connectionString: databaseUrl, poolSize: 4 })
      const commerce = createCommerce({ storage, unitsSold: false, relay: false })
      try {
        if (partitions === 1) {
          await seedLog(storage.outbox, size, (done) =>
            progress.update(`relay · writing the log ${count(done)}/${count(size)}`),
          )
        }
        let delivered = 0
        await commerce.subscribers.add({
          name: `bench-noop-${partitions}`,
          events: '*',
          from: 'beginning',
          partitions,
          handle: () => {
            delivered++
          },
        })
        progress.update(`relay · draining ${count(size)} events, ${partitions} partition(s)`)
        const started = performance.now()
        await commerce.subscribers.drain()
        const seconds = (performance.now() - started) / 1000
        progress.clear()
        const result = caseResult(`drain to a no-op subscriber, ${partitions} partition(s), batch 100`, 1, {
          ops: delivered,
          seconds,
          latenciesMs: [seconds * 1000],
        })
        context.log(describeCase(result))
        cases.push(result)
        checks.push({
          name: `every logged event delivered (${partitions} partition(s))`,
          ok: delivered >= size,
          detail: `${count(delivered)} delivered of ${count(size)} written`,
        })
      } finally {
        await commerce.close()
      }
    }

    // 2. placeOrder ×16 without and with a background relay delivering its events; lag per order.
    const perCaller = ordersPerCaller(settings.seconds)
    await seedSimpleProducts(databaseUrl, {
      prefix: 'rl',
      count: CALLERS * LINES,
      onHand: PLENTY,
      price: 1_000,
    })
    for (const withRelay of [false, true]) {
      const placedAt = new Map<string, number>()
      const delivered = new Set<string>()
      const lags: number[] = []
      const commerce = commerceOver(
        databaseUrl,
        withRelay
          ? {
              relay: { intervalMs: 50 },
              subscribers: [
                {
                  name: 'bench-orders',
                  events: ['order.status_changed'],
                  partitions: 4,
                  handle: (e: { aggregateId: string }) => {
                    // Delivered before placeOrder's promise resolved here: a lag of 0.
                    const at = placedAt.get(e.aggregateId)
                    delivered.add(e.aggregateId)
                    lags.push(at === undefined ? 0 : performance.now() - at)
                  },
                },
              ],
            }
          : {},
      )
      try {
        await commerce.migrate()
        const total = CALLERS * perCaller
        const cartIds = await prepareCarts(
          commerce,
          Array.from({ length: total }, (_, i) => ({
            skus: Array.from({ length: LINES }, (_, line) => `rl-${(i % CALLERS) * LINES + line + 1}`),
          })),
          CALLERS,
          (done) => progress.update(`relay · preparing carts ${count(done)}/${count(total)}`),
        )
        const label = withRelay ? 'with a relay delivering order events' : 'no durable subscriber'
        const run = await runPool(
          cartIds,
          CALLERS,
          async (cartId) => {
            const result = await commerce.checkout.placeOrder({
              cartId,
              idempotencyKey: `relay-${cartId}`,
              payment: {},
            })
            placedAt.set(result.order.id, performance.now())
          },
          (done) =>
            progress.update(`relay · placeOrder ×${CALLERS}, ${label} · ${count(done)}/${count(total)}`),
        )
        if (withRelay) {
          const deadline = performance.now() + 30_000
          while (delivered.size < run.ops && performance.now() < deadline)
            await new Promise((r) => setTimeout(r, 50))
          checks.push({
            name: 'every order event delivered',
            ok: delivered.size === run.ops,
            detail: `${count(delivered.size)} of ${count(run.ops)} orders' confirmations delivered (${count(lags.length - delivered.size)} twice)`,
          })
          const sorted = [...lags].sort((a, b) => a - b)
          const at = (p: number) =>
            sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
          context.log(
            `delivery lag (placeOrder resolved → subscriber called): p50 ${at(50).toFixed(0)} ms, p95 ${at(95).toFixed(0)} ms, max ${at(100).toFixed(0)} ms`,
          )
        }
        progress.clear()
        const result = caseResult(`placeOrder, 3 lines, ${label}`, CALLERS, run)
        context.log(describeCase(result))
        cases.push(result)
      } finally {
        await commerce.close()
      }
    }
    const [, , without, withRelay] = cases
    return {
      cases,
      checks,
      notes: [
        `Drain cases: ${count(size)} product.updated events written to the outbox beforehand; a subscriber from the beginning with a no-op handler; \`commerce.subscribers.drain()\` timed (the first case also passes events of earlier runs, none here: a fresh database).`,
        'placeOrder cases: 16 callers, prepared 3-line carts, 0 ms test payment; the second runs the background relay (intervalMs 50, 4 partitions) with one subscriber to order.status_changed in the same process, so its cost shows in the ops/s.',
        without && withRelay
          ? `Cost of the relay on placeOrder: ${((1 - withRelay.opsPerSecond / without.opsPerSecond) * 100).toFixed(0)}% fewer orders/s (same process, same 2 cores).`
          : '',
      ].filter(Boolean),
    }
  },
}
