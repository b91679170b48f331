import {
  type Commerce,
  createCommerce,
  createTestPaymentProvider,
  isCommerceError,
  silentLogger,
} from '@souk/core'
import {
  NO_STOCK_VIOLATIONS,
  type PrivatePostgres,
  startPrivatePostgres,
  stockInvariantViolations,
} from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'

// Fault test: Souk on a Postgres of its own that is stopped and restarted while 16 shoppers buy.
// The process must stay up, the outage must surface as `storage.unavailable` (retryable), a
// shopper retrying its own idempotency key must end with an order or a business error, and
// stock must be conserved.

const SHOPPERS = 16
const PURCHASES_PER_SHOPPER = 4
const SKUS = ['FAULT-A', 'FAULT-B', 'FAULT-C'] as const
const STOCK = 40
/** How long one call may keep failing transiently before the shopper gives up on it. */
const RETRY_BUDGET_MS = 30_000
/** Business answers a shopper may end with instead of an order. */
const BUSINESS_CODES = new Set(['inventory.insufficient_stock', 'payment.failed'])

let server: PrivatePostgres
let storage: PostgresStorage
let commerce: Commerce
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)

beforeAll(async () => {
  // Registered first: a client 'error' event without a listener would end up here.
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  server = await startPrivatePostgres()
  storage = postgresStorage({ connectionString: server.url, poolSize: 20 })
  commerce = createCommerce({ storage, logger: silentLogger, payments: [createTestPaymentProvider()] })
  await commerce.migrate()
  for (const sku of SKUS) {
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Product ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 1500, currency: 'USD' }], weightGrams: 100 }],
    })
    await commerce.inventory.setStock({ sku, onHand: STOCK })
  }
})

afterAll(async () => {
  await commerce?.close()
  await server?.destroy()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Tally {
  /** Transient errors seen, by code. */
  transient: Record<string, number>
  /** Errors that were neither transient CommerceErrors nor business answers. */
  foreign: unknown[]
  /** `storage.unavailable` details with more than a SQLSTATE (driver text belongs in the message). */
  chattyDetails: unknown[]
}

type Outcome =
  | { kind: 'order'; orderId: string; key: string }
  | { kind: 'business'; code: string; key: string }
  | { kind: 'stuck'; code: string; message: string; key: string; attempts: number }

class StuckError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly attempts: number,
  ) {
    super(message)
  }
}

/**
 * Runs `call` until it answers, retrying `storage.unavailable` and `conflict` with small sleeps
 * for up to RETRY_BUDGET_MS; any other error is rethrown at once.
 */
async function retrying<T>(tally: Tally, call: () => Promise<T>): Promise<T> {
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!isCommerceError(error)) {
        tally.foreign.push(error)
        throw error
      }
      if (error.code !== 'storage.unavailable' && error.code !== 'conflict') throw error
      tally.transient[error.code] = (tally.transient[error.code] ?? 0) + 1
      if (error.code === 'storage.unavailable' && Object.keys(error.details).some((k) => k !== 'sqlState'))
        tally.chattyDetails.push(error.details)
      if (Date.now() - started > RETRY_BUDGET_MS) throw new StuckError(error.code, error.message, attempt)
      await sleep(50 + Math.floor(Math.random() * 150))
    }
  }
}

async function shopper(index: number, tally: Tally, onOrder: () => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  for (let purchase = 0; purchase < PURCHASES_PER_SHOPPER; purchase++) {
    const key = `fault-${index}-${purchase}`
    try {
      const cart = await retrying(tally, () =>
        commerce.cart.create({ currency: 'USD', email: `shopper${index}@example.com` }),
      )
      // An add that failed after it was applied may be applied twice: the quantity is not asserted.
      await retrying(tally, () =>
        commerce.cart.addItem({ cartId: cart.id, sku: SKUS[(index + purchase) % SKUS.length]!, quantity: 1 }),
      )
      await retrying(tally, () =>
        commerce.cart.addItem({
          cartId: cart.id,
          sku: SKUS[(index + purchase + 1) % SKUS.length]!,
          quantity: 1,
        }),
      )
      const placed = await retrying(tally, () =>
        commerce.checkout.placeOrder({
          cartId: cart.id,
          idempotencyKey: key,
          payment: { method: 'pm_card_visa' },
        }),
      )
      outcomes.push({ kind: 'order', orderId: placed.order.id, key })
      onOrder()
    } catch (error) {
      if (error instanceof StuckError) {
        outcomes.push({
          kind: 'stuck',
          code: error.code,
          message: error.message,
          key,
          attempts: error.attempts,
        })
      } else if (isCommerceError(error) && BUSINESS_CODES.has(error.code)) {
        outcomes.push({ kind: 'business', code: error.code, key })
      } else {
        tally.foreign.push(error)
        outcomes.push({
          kind: 'stuck',
          code: String((error as { code?: unknown })?.code),
          message: String(error),
          key,
          attempts: 0,
        })
      }
    }
  }
  return outcomes
}

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  const { rows } = await query.execute(storage.db)
  return Number(rows[0]?.n)
}

describe('Postgres restarts under checkout load', () => {
  it('keeps the process up, answers storage.unavailable during the outage and loses nothing', async () => {
    const tally: Tally = { transient: {}, foreign: [], chattyDetails: [] }
    let orders = 0
    let finished = false
    const waitForOrders = async (n: number) => {
      while (orders < n && !finished) await sleep(10)
    }
    const faults = (async () => {
      // Down for a while (sessions ended with 57P01, then connections refused), then back.
      await waitForOrders(6)
      await server.stop()
      await sleep(1500)
      await server.start()
      // A fast restart, with no pause: sessions end and the pool must reconnect at once.
      await waitForOrders(24)
      await server.restart()
    })()
    const shoppers = Array.from({ length: SHOPPERS }, (_, i) =>
      shopper(i, tally, () => {
        orders++
      }),
    )
    const outcomes = (await Promise.all(shoppers)).flat()
    finished = true
    await faults

    expect(uncaught, 'no unhandled error reached the process').toEqual([])
    expect(tally.foreign, 'every failure was a CommerceError').toEqual([])
    expect(tally.transient['storage.unavailable'] ?? 0, 'the outage was seen').toBeGreaterThan(0)
    expect(tally.chattyDetails, 'storage.unavailable details hold at most a SQLSTATE').toEqual([])
    const stuck = outcomes.filter((o) => o.kind === 'stuck')
    expect(stuck, 'no shopper kept failing on its own key').toEqual([])
    expect(outcomes).toHaveLength(SHOPPERS * PURCHASES_PER_SHOPPER)
    expect(outcomes.filter((o) => o.kind === 'order').length).toBeGreaterThan(24)

    // The database answers again on the same storage: the pool replaced its dead clients.
    await commerce.checkout.recover({ staleAfterMs: 0 })
    expect(await count(sql`select count(*) as n from souk.orders where status = 'pending_payment'`)).toBe(0)
    for (const outcome of outcomes) {
      if (outcome.kind !== 'order') continue
      const order = await commerce.orders.get({ orderId: outcome.orderId })
      expect(order.status, `order of ${outcome.key}`).toBe('confirmed')
    }
    await checkInvariants()
  })
})

/** SPEC.md's stock invariants in SQL, plus conservation of every unit seeded. */
async function checkInvariants() {
  const db = storage.db
  expect(await stockInvariantViolations(server.url)).toEqual(NO_STOCK_VIOLATIONS)
  const { rows } = await sql<{ sku: string; on_hand: string; committed: string }>`
    select l.sku, l.on_hand::text as on_hand,
      (select coalesce(sum(i.quantity), 0)::text from souk.reservation_items i
         join souk.reservations r on r.id = i.reservation_id
        where i.sku = l.sku and i.location_id = l.location_id and r.status = 'committed') as committed
    from souk.stock_levels l order by l.sku`.execute(db)
  expect(
    rows.map((r) => ({ sku: r.sku, total: Number(r.on_hand) + Number(r.committed) })),
    'every unit is on hand or sold',
  ).toEqual(SKUS.map((sku) => ({ sku, total: STOCK })))
}
