import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app/create-app.js'
import { EXAMPLE_FRAUD_RULES, readFraudRules } from '../src/wiring/fraud-config.js'
import { type OpenedCommerce, openCommerce } from '../src/wiring/open-commerce.js'
import { postgresStats } from '../src/wiring/postgres-stats.js'
import { loadStorefrontConfig, StorefrontConfigError } from '../src/wiring/storefront-config.js'
import { ADMIN_TOKEN, Client, PUBLIC_DIR, SESSION_SECRET, US_ADDRESS } from './support.js'

interface Money {
  amount: number
  currency: string
}
interface Placed {
  outcome: string
  order: { id: string; status: string; totals: { total: Money } }
}

let database: TestDatabase
let opened: OpenedCommerce
let baseUrl: string
let close: () => Promise<void>
let n = 0
const staff = () => new Client(baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })

// The storefront as `pnpm start` wires it, with FRAUD_RULES adding a per-IP limit to the example's.
beforeAll(async () => {
  database = await createTestDatabase('examples_fraud')
  const config = loadStorefrontConfig({
    DATABASE_URL: database.url,
    SESSION_SECRET,
    ADMIN_TOKEN,
    FRAUD_RULES: JSON.stringify({
      ...EXAMPLE_FRAUD_RULES,
      velocity: { windowMs: 600_000, perIp: { reject: 2 } },
    }),
  })
  opened = await openCommerce(config, silentLogger)
  await opened.commerce.migrate()
  const { app } = createApp(opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: postgresStats(opened.storage),
    publicDir: PUBLIC_DIR,
    testPayments: true,
    bodyLimit: '100kb',
    log: () => undefined,
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await opened.close()
    await database.drop()
  }
})
afterAll(() => close?.())

/** A product at `cents` USD with stock, made by staff over the API. */
async function product(cents: number): Promise<string> {
  const sku = `FRAUD-${Date.now()}-${++n}`
  const made = await staff().post('/api/admin/products', {
    slug: sku.toLowerCase(),
    name: `Fraud test ${n}`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: cents, currency: 'USD' }], weightGrams: 100 }],
  })
  expect(made.status).toBe(201)
  expect((await staff().put(`/api/admin/stock/${sku}`, { onHand: 5 })).status).toBe(200)
  return sku
}

/** A shopper from `ip` (Express trusts X-Forwarded-For from loopback by default) buying one `sku`. */
async function checkout(sku: string, ip: string, body: Record<string, unknown> = {}) {
  const client = new Client(baseUrl, { 'x-forwarded-for': ip })
  await client.post('/api/session')
  const cart = await client.post<{ id: string }>('/api/carts', {
    currency: 'USD',
    email: `shopper${++n}@example.com`,
  })
  await client.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 1 })
  await client.put(`/api/carts/${cart.body.id}/shipping-address`, US_ADDRESS)
  const placed = await client.post<Placed & { error?: { code: string; message: string } }>(
    '/api/checkout',
    { cartId: cart.body.id, payment: { method: 'pm_card_visa' }, ...body },
    { 'idempotency-key': `fraud-example-${n}-${Date.now()}` },
  )
  return { client, placed }
}

describe('fraud checks in the example storefront', () => {
  it('holds a large order for review: 202, "under review" for the shopper, in the staff queue', async () => {
    const sku = await product(160_000)
    const { client, placed } = await checkout(sku, '198.51.100.1')
    expect(placed.status).toBe(202)
    expect(placed.body.outcome).toBe('held_for_review')
    const orderId = placed.body.order.id
    const mine = await client.get<{ status: string }>(`/api/orders/${orderId}`)
    expect(mine.body.status).toBe('held_for_review')

    expect((await new Client(baseUrl).get('/api/admin/fraud/held')).status).toBe(401)
    const queue = await staff().get<{
      items: { order: { id: string }; review: { reasons: { code: string }[] } }[]
    }>('/api/admin/fraud/held?limit=50')
    expect(queue.status).toBe(200)
    const entry = queue.body.items.find((i) => i.order.id === orderId)
    expect(entry?.review.reasons.map((r) => r.code)).toEqual(['amount.review'])

    const approved = await staff().post<{ status: string }>(`/api/admin/fraud/orders/${orderId}/approve`, {
      decidedBy: 'staff:demo',
      note: 'Known customer',
    })
    expect(approved.status).toBe(200)
    expect(approved.body.status).toBe('confirmed')
    expect((await client.get<{ status: string }>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')
    const review = await staff().get<{ status: string; decidedBy: string }>(
      `/api/admin/fraud/orders/${orderId}/review`,
    )
    expect(review.body).toMatchObject({ status: 'approved', decidedBy: 'staff:demo' })
  })

  it('staff reject a held order: cancelled, its stock back on sale', async () => {
    const sku = await product(160_000)
    const { placed } = await checkout(sku, '198.51.100.2')
    expect(placed.body.outcome).toBe('held_for_review')
    const rejected = await staff().post<{ status: string }>(
      `/api/admin/fraud/orders/${placed.body.order.id}/reject`,
      { note: 'Address mismatch' },
    )
    expect(rejected.body.status).toBe('cancelled')
    const levels = await staff().get<{ items: { available: number }[] }>(`/api/admin/stock/${sku}`)
    expect(levels.body.items[0]?.available).toBe(5)
    const again = await staff().post(`/api/admin/fraud/orders/${placed.body.order.id}/approve`, {})
    expect(again.status).toBe(409)
  })

  it('refuses an order above the reject limit with 422 and a message that names no rule', async () => {
    const sku = await product(2_500_000)
    const { placed } = await checkout(sku, '198.51.100.3')
    expect(placed.status).toBe(422)
    expect(placed.body.error?.code).toBe('checkout.fraud_rejected')
    expect(JSON.stringify(placed.body)).not.toMatch(/amount|velocity|limit/i)
  })

  it('passes the request IP to the checks: the third checkout from one IP is refused, another IP is not', async () => {
    const sku = await product(1000)
    const ip = '203.0.113.77'
    expect((await checkout(sku, ip)).placed.status).toBe(201)
    // A `client` in the body is ignored: the server says where the request came from.
    expect((await checkout(sku, ip, { client: { ip: '192.0.2.200' } })).placed.status).toBe(201)
    const third = await checkout(sku, ip)
    expect(third.placed.status).toBe(422)
    expect(third.placed.body.error?.code).toBe('checkout.fraud_rejected')
    expect((await checkout(sku, '203.0.113.78')).placed.status).toBe(201)
  })

  it('answers bad staff input with 400, unknown orders with 404', async () => {
    for (const path of [
      '/api/admin/fraud/orders/%00/approve',
      `/api/admin/fraud/orders/${'x'.repeat(300)}/reject`,
    ]) {
      const response = await staff().post(path, {})
      expect(response.status).toBe(400)
    }
    expect((await staff().post('/api/admin/fraud/orders/ord_missing/approve', {})).status).toBe(404)
    expect(
      (await staff().post('/api/admin/fraud/orders/ord_missing/approve', { note: 'a\u0000b' })).status,
    ).toBe(400)
    expect((await staff().get('/api/admin/fraud/held?limit=0')).status).toBe(400)
    expect((await staff().get('/api/admin/fraud/held?cursor=nope')).status).toBe(400)
  })

  it('reads FRAUD_RULES: unset for the defaults, off for none, bad JSON refused at start', () => {
    expect(readFraudRules(undefined)).toEqual(EXAMPLE_FRAUD_RULES)
    expect(readFraudRules('off')).toBeNull()
    expect(() =>
      loadStorefrontConfig({ FRAUD_RULES: '{"velocity":{"perEmail":0}}', SESSION_SECRET, ADMIN_TOKEN }),
    ).toThrow(StorefrontConfigError)
    expect(() => loadStorefrontConfig({ FRAUD_RULES: 'nonsense', SESSION_SECRET, ADMIN_TOKEN })).toThrow(
      /FRAUD_RULES/,
    )
  })
})
