import { type Commerce, createCommerce, createTestPaymentProvider, silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { countingPool, type StatementTrace } from './statement-counter.js'

// SPEC's statement budgets for the money path, counted through the public `{ pool }` option.
// Deterministic: these count what is sent, never how long it takes.

let database: TestDatabase
let counter: ReturnType<typeof countingPool>
let commerce: Commerce
let n = 0

beforeAll(async () => {
  database = await createTestDatabase('budget')
  counter = countingPool({ connectionString: database.url, max: 4 })
  // The units-sold applier runs on a timer; off here so only the measured call is counted.
  commerce = createCommerce({
    storage: postgresStorage({ pool: counter.pool }),
    logger: silentLogger,
    payments: [createTestPaymentProvider()],
    unitsSold: false,
    stockStatus: false,
    relay: false,
  })
  await commerce.migrate()
})
afterAll(async () => {
  await commerce.close()
  await counter.pool.end()
  await database.drop()
})

async function product(): Promise<string> {
  const sku = `BUDGET-${++n}`
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 1000, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: 100 })
  return sku
}

async function measure<T>(call: () => Promise<T>): Promise<{ result: T; trace: StatementTrace }> {
  counter.reset()
  const result = await call()
  return { result, trace: counter.trace() }
}

const show = (trace: StatementTrace) => `\n${trace.statements.join('\n')}`

describe('money path statement budget', () => {
  it('placeOrder of a 3-line cart: at most 4 statements and 2 commits', async () => {
    const skus = [await product(), await product(), await product()]
    const cart = await commerce.cart.create({ currency: 'USD', email: 'budget@example.com' })
    for (const sku of skus) await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 2 })
    const { result, trace } = await measure(() =>
      commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: `budget-order-${n}`,
        payment: { method: 'pm_card_visa' },
      }),
    )
    expect(result.order.status).toBe('confirmed')
    expect(result.order.lines).toHaveLength(3)
    expect(trace.count, show(trace)).toBeLessThanOrEqual(4)
    expect(trace.commits, show(trace)).toBeLessThanOrEqual(2)
    // The answer is built from what was written, not read back.
    expect(
      trace.statements.some((s) => /from "souk"."orders"/.test(s)),
      show(trace),
    ).toBe(false)
  })

  it('a replay of a completed key reads, and writes nothing', async () => {
    const sku = await product()
    const cart = await commerce.cart.create({ currency: 'USD', email: 'budget@example.com' })
    await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
    const order = {
      cartId: cart.id,
      idempotencyKey: `budget-replay-${n}`,
      payment: { method: 'pm_card_visa' },
    }
    const first = await commerce.checkout.placeOrder(order)
    const { result, trace } = await measure(() => commerce.checkout.placeOrder(order))
    expect(result.order.id).toBe(first.order.id)
    expect(trace.commits, show(trace)).toBe(0)
  })

  it('inventory.reserve: 1 statement; commit and release: 1 each', async () => {
    const a = await product()
    const b = await product()
    const reserve = await measure(() =>
      commerce.inventory.reserve({
        lines: [
          { sku: a, quantity: 1 },
          { sku: b, quantity: 2 },
        ],
      }),
    )
    expect(reserve.trace.count, show(reserve.trace)).toBe(1)
    const commit = await measure(() => commerce.inventory.commit({ reservationId: reserve.result.id }))
    expect(commit.trace.count, show(commit.trace)).toBe(1)
    const other = await commerce.inventory.reserve({ lines: [{ sku: a, quantity: 1 }] })
    const release = await measure(() => commerce.inventory.release({ reservationId: other.id }))
    expect(release.trace.count, show(release.trace)).toBe(1)
    expect(await commerce.inventory.available({ sku: a })).toBe(99)
    expect(await commerce.inventory.available({ sku: b })).toBe(98)
  })
})
