import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  defaultFraudRules,
  silentLogger,
} from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { countingPool, type StatementTrace } from './statement-counter.js'

// What the default fraud rules cost on the money path, counted through the public `{ pool }`
// option: one statement more (the velocity count) when they approve, two when they hold the order
// for review (the flag), and a refusal writes only its attempt and its idempotency key.

let database: TestDatabase
let counter: ReturnType<typeof countingPool>
let commerce: Commerce
let n = 0

beforeAll(async () => {
  database = await createTestDatabase('fraud_budget')
  counter = countingPool({ connectionString: database.url, max: 4 })
  commerce = createCommerce({
    storage: postgresStorage({ pool: counter.pool }),
    logger: silentLogger,
    payments: [createTestPaymentProvider()],
    // Background pollers off, so only the measured call is counted.
    unitsSold: false,
    stockStatus: false,
    relay: false,
    fraud: defaultFraudRules({
      velocity: { perEmail: 10, perIp: 10, perCard: 10 },
      amount: { USD: { reviewAbove: 50_000, rejectAbove: 100_000 } },
    }),
  })
  await commerce.migrate()
})
afterAll(async () => {
  await commerce.close()
  await counter.pool.end()
  await database.drop()
})

async function cartOf(lines: number, price: number): Promise<string> {
  const cart = await commerce.cart.create({ currency: 'USD', email: `budget-${++n}@example.com` })
  for (let i = 0; i < lines; i++) {
    const sku = `FRAUD-BUDGET-${++n}`
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: sku,
      status: 'active',
      variants: [{ sku, prices: [{ amount: price, currency: 'USD' }] }],
    })
    await commerce.inventory.setStock({ sku, onHand: 100 })
    await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
  }
  return cart.id
}

async function measure<T>(call: () => Promise<T>): Promise<{ result: T | Error; trace: StatementTrace }> {
  counter.reset()
  const result = await call().catch((e: Error) => e)
  return { result, trace: counter.trace() }
}

const show = (trace: StatementTrace) => `\n${trace.statements.join('\n')}`
const order = (cartId: string) =>
  commerce.checkout.placeOrder({
    cartId,
    idempotencyKey: `fraud-budget-${++n}`,
    payment: { method: 'pm_card_visa', fingerprint: `fp-${n}` },
    client: { ip: '198.51.100.7' },
  })

describe('money path statement budget with the default fraud rules', () => {
  it('approve: 4 statements, 3 commits (one more of each: the velocity count)', async () => {
    const cartId = await cartOf(3, 1000)
    const { result, trace } = await measure(() => order(cartId))
    expect(result).toMatchObject({ outcome: 'confirmed' })
    expect(trace.count, show(trace)).toBe(4)
    expect(trace.commits, show(trace)).toBe(3)
    expect(
      trace.statements.filter((s) => s.includes('fraud_record_attempt')),
      show(trace),
    ).toHaveLength(1)
  })

  it('review: 5 statements (the flag too)', async () => {
    const cartId = await cartOf(1, 60_000)
    const { result, trace } = await measure(() => order(cartId))
    expect(result).toMatchObject({ outcome: 'held_for_review' })
    expect(trace.count, show(trace)).toBe(5)
    expect(trace.commits, show(trace)).toBe(4)
  })

  it('reject: nothing created; the read, the count, and the key claimed and completed', async () => {
    const cartId = await cartOf(1, 150_000)
    const { result, trace } = await measure(() => order(cartId))
    expect(result).toMatchObject({ code: 'checkout.fraud_rejected' })
    expect(
      trace.statements.some((s) => /checkout_begin/.test(s)),
      show(trace),
    ).toBe(false)
    expect(trace.count, show(trace)).toBe(4)
  })
})
