import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { silentLogger } from '@souk/core'
import {
  NO_STOCK_VIOLATIONS,
  type PrivatePostgres,
  startPrivatePostgres,
  stockInvariantViolations,
} from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type LogLine } from '../src/app/create-app.js'
import { type OpenedCommerce, openCommerce } from '../src/wiring/open-commerce.js'
import { loadStorefrontConfig } from '../src/wiring/storefront-config.js'
import { ADMIN_TOKEN, Client, type JsonResponse, SESSION_SECRET } from './support.js'

// Fault test: the example server on a Postgres of its own that is stopped and restarted while 16
// HTTP clients check out. The server must stay up, answer the outage with a clean 503 (no driver
// text), and a client retrying with its own Idempotency-Key must end with an order or a 4xx.

const CLIENTS = 16
const PURCHASES_PER_CLIENT = 3
const SKUS = ['HTTP-FAULT-A', 'HTTP-FAULT-B', 'HTTP-FAULT-C'] as const
const STOCK = 30
/** How long one request may keep failing transiently (503, 409 conflict) before the client gives up. */
const RETRY_BUDGET_MS = 30_000
/** Text that would show a 5xx body leaking the driver's words, a host or a SQLSTATE. */
const LEAKS = ['ECONNREFUSED', '127.0.0.1', 'sqlState', 'terminat', '57P01']
/** Clean business answers a purchase may end with instead of an order. */
const BUSINESS_CODES = new Set(['inventory.insufficient_stock', 'payment.failed'])

let db: PrivatePostgres
let opened: OpenedCommerce
let http: Server
let baseUrl: string
const logs: LogLine[] = []
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  db = await startPrivatePostgres()
  const config = loadStorefrontConfig({ DATABASE_URL: db.url, SESSION_SECRET, ADMIN_TOKEN })
  opened = await openCommerce(config, silentLogger)
  await opened.commerce.migrate()
  for (const sku of SKUS) {
    await opened.commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Product ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 1200, currency: 'USD' }], weightGrams: 100 }],
    })
    await opened.commerce.inventory.setStock({ sku, onHand: STOCK })
  }
  const { app } = createApp(opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: null,
    testPayments: true,
    log: (line) => logs.push(line),
    // 16 clients on one address retrying through an outage would trip the per-IP checkout limit.
    security: { ...config.security, rateLimits: false },
  })
  http = createServer(app)
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
})

afterAll(async () => {
  http?.closeAllConnections()
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)))
  await opened?.close()
  await db?.destroy()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface ErrorBody {
  error?: { code?: string; message?: string }
}

interface Tally {
  /** Bodies of every 5xx answered, for the leak check. */
  failures: { status: number; text: string }[]
  /** 5xx answers that were not 503, or answers that were not JSON. */
  unexpected: { status: number; text: string }[]
  unavailable: number
}

type Outcome =
  | { kind: 'order'; orderId: string; key: string }
  | { kind: 'business'; status: number; code: string; key: string }
  | { kind: 'stuck'; status: number; text: string; key: string }

class Stuck extends Error {
  constructor(readonly response: JsonResponse<unknown>) {
    super(`still ${response.status} after ${RETRY_BUDGET_MS} ms: ${JSON.stringify(response.body)}`)
  }
}

/** Sends `send` until it answers other than 503 (or, with `retryConflict`, 409 conflict). */
async function retrying<T>(
  tally: Tally,
  send: () => Promise<JsonResponse<T>>,
  retryConflict = false,
): Promise<JsonResponse<T>> {
  const started = Date.now()
  for (;;) {
    const response = await send()
    const code = (response.body as ErrorBody | null)?.error?.code
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body)
    if (response.status >= 500) {
      tally.failures.push({ status: response.status, text })
      if (response.status !== 503 || typeof response.body !== 'object' || response.body === null)
        tally.unexpected.push({ status: response.status, text })
      else tally.unavailable++
    }
    const transient =
      response.status === 503 || (retryConflict && response.status === 409 && code === 'conflict')
    if (!transient) return response
    if (Date.now() - started > RETRY_BUDGET_MS) throw new Stuck(response)
    await sleep(50 + Math.floor(Math.random() * 150))
  }
}

async function purchase(client: Client, tally: Tally, key: string, sku: string): Promise<Outcome> {
  try {
    // An address per purchase: the example's fraud rules hold an email's 10th order in 10 minutes
    // for review, which is not what this test is about.
    const cart = await retrying(tally, () =>
      client.post<{ id: string }>('/api/carts', { currency: 'USD', email: `${key}@example.com` }),
    )
    expect(cart.status, JSON.stringify(cart.body)).toBe(201)
    const added = await retrying(tally, () =>
      client.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 1 }),
    )
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)
    const placed = await retrying(
      tally,
      () =>
        client.post<{ order: { id: string } } & ErrorBody>(
          '/api/checkout',
          { cartId: cart.body.id, payment: { method: 'pm_card_visa' } },
          { 'idempotency-key': key },
        ),
      true,
    )
    if (placed.status === 201) return { kind: 'order', orderId: placed.body.order.id, key }
    const code = placed.body.error?.code ?? ''
    if (placed.status >= 400 && placed.status < 500 && BUSINESS_CODES.has(code))
      return { kind: 'business', status: placed.status, code, key }
    return { kind: 'stuck', status: placed.status, text: JSON.stringify(placed.body), key }
  } catch (error) {
    if (error instanceof Stuck)
      return { kind: 'stuck', status: error.response.status, text: error.message, key }
    throw error
  }
}

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  const { rows } = await query.execute(opened.storage.db)
  return Number(rows[0]?.n)
}

describe('the example server while its Postgres restarts', () => {
  it('stays up, answers clean 503s, and every client ends with an order or a 4xx', async () => {
    const tally: Tally = { failures: [], unexpected: [], unavailable: 0 }
    let orders = 0
    let finished = false
    const waitForOrders = async (n: number) => {
      while (orders < n && !finished) await sleep(10)
    }
    const faults = (async () => {
      await waitForOrders(5)
      await db.stop()
      await sleep(1500)
      await db.start()
      await waitForOrders(20)
      await db.restart()
    })()

    const outcomes = (
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const client = new Client(baseUrl)
          await retrying(tally, () => client.post('/api/session'))
          const mine: Outcome[] = []
          for (let p = 0; p < PURCHASES_PER_CLIENT; p++) {
            const outcome = await purchase(
              client,
              tally,
              `http-fault-${i}-${p}`,
              SKUS[(i + p) % SKUS.length]!,
            )
            if (outcome.kind === 'order') orders++
            mine.push(outcome)
          }
          return mine
        }),
      )
    ).flat()
    finished = true
    await faults

    expect(uncaught, 'no unhandled error reached the process').toEqual([])
    expect(http.listening, 'the server is still listening').toBe(true)
    expect(tally.unavailable, 'the outage was seen').toBeGreaterThan(0)
    expect(tally.unexpected, 'every 5xx was a JSON 503').toEqual([])
    const leaking = tally.failures.filter((f) =>
      LEAKS.some((leak) => f.text.toLowerCase().includes(leak.toLowerCase())),
    )
    expect(leaking.slice(0, 3), 'no 5xx body holds driver text').toEqual([])
    expect(
      outcomes.filter((o) => o.kind === 'stuck'),
      'every client ended with an order or a 4xx',
    ).toEqual([])
    expect(outcomes.filter((o) => o.kind === 'order').length).toBeGreaterThan(20)

    // The same server, after the restarts: recovery finishes every order left waiting.
    await opened.commerce.checkout.recover({ staleAfterMs: 0 })
    expect(await count(sql`select count(*) as n from souk.orders where status = 'pending_payment'`)).toBe(0)
    for (const outcome of outcomes) {
      if (outcome.kind !== 'order') continue
      const order = await opened.commerce.orders.get({ orderId: outcome.orderId })
      expect(order.status, `order of ${outcome.key}`).toBe('confirmed')
    }
    await checkStock()
  })
})

/** Stock invariants in SQL, plus conservation of every unit seeded. */
async function checkStock() {
  expect(await stockInvariantViolations(db.url)).toEqual(NO_STOCK_VIOLATIONS)
  const { rows } = await sql<{ sku: string; on_hand: string; committed: string }>`
    select l.sku, l.on_hand::text as on_hand,
      (select coalesce(sum(i.quantity), 0)::text from souk.reservation_items i
         join souk.reservations r on r.id = i.reservation_id
        where i.sku = l.sku and i.location_id = l.location_id and r.status = 'committed') as committed
    from souk.stock_levels l order by l.sku`.execute(opened.storage.db)
  expect(
    rows.map((r) => ({ sku: r.sku, total: Number(r.on_hand) + Number(r.committed) })),
    'every unit is on hand or sold',
  ).toEqual(SKUS.map((sku) => ({ sku, total: STOCK })))
}
