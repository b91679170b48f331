// A shop process of its own that races checkouts for one SKU through pgbouncer; spawned by
// pgbouncer-races.scale.test.ts. argv: url sku attempts lanes. Makes `attempts` one-unit carts,
// prints `ready`, on a `go` line on stdin places the orders in `lanes` concurrent lanes, retries
// each confirmed one with its key (an idempotent replay must answer the same order), and prints a
// JSON summary.
import { createInterface } from 'node:readline'
import { createCommerce, createTestPaymentProvider, isCommerceError, silentLogger } from '@souk/core'
import { postgresStorage } from '../src/postgres-storage.js'

const [url, sku, attemptsText, lanesText] = process.argv.slice(2)
const attempts = Number(attemptsText)
const POOL_SIZE = 10

/**
 * Runs `work` over `items` in `lanes` concurrent lanes. Far more callers than pool connections
 * would queue in the pool past its 10 s wait (storage.unavailable): the race needs contention, not
 * a queue.
 */
async function inLanes<T, R>(items: readonly T[], lanes: number, work: (item: T, i: number) => Promise<R>) {
  const results: R[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await work(items[i]!, i)
      }
    }),
  )
  return results
}
const lines = createInterface({ input: process.stdin })
const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()))

const commerce = createCommerce({
  // Transaction pooling: no named statements (pgbouncer 1.18 cannot keep them).
  storage: postgresStorage({ connectionString: url!, poolSize: POOL_SIZE, preparedStatements: false }),
  logger: silentLogger,
  payments: [createTestPaymentProvider()],
  unitsSold: false,
})

const carts = await inLanes(Array.from({ length: attempts }), POOL_SIZE, async () => {
  const cart = await commerce.cart.create({ currency: 'USD', email: 'racer@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, sku: sku!, quantity: 1 })
  return cart.id
})
process.stdout.write('ready\n')
await go

/** Each confirmed order and the order its replay (same key) answered. */
const confirmed: { order: string; replay: string }[] = []
let short = 0
const failures: string[] = []
await inLanes(carts, Number(lanesText), async (cartId, i) => {
  const request = {
    cartId,
    idempotencyKey: `race-${process.pid}-${i}`,
    payment: { method: 'pm_card_visa' },
  }
  try {
    const placed = await commerce.checkout.placeOrder(request)
    if (placed.outcome !== 'confirmed') failures.push(`outcome ${placed.outcome}`)
    const replay = await commerce.checkout.placeOrder(request)
    confirmed.push({ order: placed.order.id, replay: replay.order.id })
  } catch (error) {
    if (isCommerceError(error, 'inventory.insufficient_stock')) short++
    else failures.push(`${(error as { code?: string }).code ?? ''} ${String(error)}`)
  }
})
await commerce.close()
lines.close()
process.stdout.write(`${JSON.stringify({ pid: process.pid, confirmed, short, failures })}\n`)
