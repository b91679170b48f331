import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { countingPool, type StatementTrace } from './statement-counter.js'

// What each hot call sends to Postgres, counted through the public `postgresStorage({ pool })`
// option: deterministic (no timing), so a change that adds a round trip fails here, not in a bench.

let database: TestDatabase
let counter: ReturnType<typeof countingPool>
let commerce: Commerce

beforeAll(async () => {
  database = await createTestDatabase('statement_budget')
  counter = countingPool({ connectionString: database.url, max: 4 })
  commerce = createCommerce({
    storage: postgresStorage({ pool: counter.pool }),
    logger: silentLogger,
    // No background rounds: they would land in whichever call is being counted.
    unitsSold: false,
    stockStatus: false,
    relay: false,
  })
  await commerce.migrate()
  for (const sku of ['BUDGET-A', 'BUDGET-B', 'BUDGET-C']) {
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: sku,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 100, currency: 'USD' }] }],
    })
    await commerce.inventory.setStock({ sku, onHand: 100 })
  }
})

afterAll(async () => {
  await commerce?.close()
  await counter?.pool.end()
  await database?.drop()
})

/** Runs `call` and returns what it sent to Postgres, and nothing else. */
async function measure<T>(call: () => Promise<T>): Promise<StatementTrace & { result: T }> {
  counter.reset()
  const result = await call()
  return { ...counter.trace(), result }
}

/** Fails with the whole trace, so the statement that broke the budget is in the message. */
function expectWithin(trace: StatementTrace, budget: { statements: number; commits?: number }): void {
  const shown = `\n${trace.statements.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}`
  expect(trace.count, `${trace.count} statements sent:${shown}`).toBeLessThanOrEqual(budget.statements)
  if (budget.commits !== undefined)
    expect(trace.commits, `${trace.commits} commits:${shown}`).toBeLessThanOrEqual(budget.commits)
}

describe('statement budget', () => {
  it('cart.addItem of a plain cart: at most 2 statements, 1 commit', async () => {
    const cart = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: cart.id, sku: 'BUDGET-A', quantity: 1 })
    await commerce.cart.addItem({ cartId: cart.id, sku: 'BUDGET-B', quantity: 1 })

    const added = await measure(() =>
      commerce.cart.addItem({ cartId: cart.id, sku: 'BUDGET-C', quantity: 2 }),
    )
    expectWithin(added, { statements: 2, commits: 1 })
    expect(added.result.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['BUDGET-A', 1],
      ['BUDGET-B', 1],
      ['BUDGET-C', 2],
    ])
    expect(added.result.totals.total.amount).toBe(400)

    // Adding to a line that is already there costs the same.
    expectWithin(
      await measure(() => commerce.cart.addItem({ cartId: cart.id, sku: 'BUDGET-A', quantity: 1 })),
      { statements: 2, commits: 1 },
    )
  })

  it('cart.updateItem of a plain cart: at most 2 statements, 1 commit', async () => {
    const cart = await commerce.cart.create({ currency: 'USD' })
    await commerce.cart.addItem({ cartId: cart.id, sku: 'BUDGET-A', quantity: 1 })

    const updated = await measure(() =>
      commerce.cart.updateItem({ cartId: cart.id, sku: 'BUDGET-A', quantity: 5 }),
    )
    expectWithin(updated, { statements: 2, commits: 1 })
    expect(updated.result.totals.itemCount).toBe(5)
  })
})
