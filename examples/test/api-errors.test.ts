import { postgresStorage } from '@souk/adapters-postgres'
import { type CommerceErrorCode, createCommerce, silentLogger } from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type LogLine } from '../src/app/create-app.js'
import { STATUS_BY_CODE } from '../src/app/error-status.js'
import { readinessChecks } from '../src/wiring/readiness.js'
import {
  ADMIN_TOKEN,
  Client,
  type RunningStorefront,
  SESSION_SECRET,
  startStorefront,
  US_ADDRESS,
} from './support.js'

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown>; requestId: string }
}

let shop: RunningStorefront
let skus: { sku: string; onHand: number }[]

beforeAll(async () => {
  shop = await startStorefront()
  const { db, schema } = shop.opened.storage
  const { rows } = await sql<{ sku: string; on_hand: string }>`
    select v.sku, l.on_hand from ${sql.id(schema, 'product_variants')} v
    join ${sql.id(schema, 'products')} p on p.id = v.product_id and p.status = 'active'
    join ${sql.id(schema, 'stock_levels')} l on l.sku = v.sku
    where l.on_hand >= 3 order by v.sku limit 10`.execute(db)
  skus = rows.map((r) => ({ sku: r.sku, onHand: Number(r.on_hand) }))
})

afterAll(async () => {
  await shop?.close()
})

function expectError(
  response: { status: number; headers?: Headers; body: unknown },
  status: number,
  code: string,
) {
  expect({ status: response.status, code: (response.body as ErrorBody).error?.code }).toEqual({
    status,
    code,
  })
  const { error } = response.body as ErrorBody
  expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message', 'requestId'])
  expect(typeof error.message).toBe('string')
  expect(typeof error.details).toBe('object')
  // The body's request id is the response header's, which is the log line's.
  if (response.headers) expect(error.requestId).toBe(response.headers.get('x-request-id'))
}

async function signedInWithCart(): Promise<{ client: Client; cartId: string }> {
  const client = new Client(shop.baseUrl)
  await client.post('/api/session')
  const cart = await client.post<{ id: string }>('/api/carts', {
    currency: 'USD',
    email: 'tester@example.com',
  })
  return { client, cartId: cart.body.id }
}

describe('error bodies and status mapping', () => {
  it('maps every CommerceError code to a status (a compile-time Record over the union)', () => {
    const codes = Object.keys(STATUS_BY_CODE) as CommerceErrorCode[]
    expect(STATUS_BY_CODE['validation.failed']).toBe(400)
    expect(STATUS_BY_CODE.not_found).toBe(404)
    expect(STATUS_BY_CODE['payment.declined']).toBe(402)
    expect(STATUS_BY_CODE['storage.unavailable']).toBe(503)
    for (const code of codes) expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400)
    for (const code of codes.filter((c) => c.startsWith('promotion.'))) expect(STATUS_BY_CODE[code]).toBe(422)
  })

  it('answers unknown routes and unknown products with 404 in the one error shape', async () => {
    const client = new Client(shop.baseUrl)
    expectError(await client.get('/api/nope'), 404, 'route_not_found')
    expectError(await client.get('/api/products/no-such-product'), 404, 'not_found')
  })

  it('answers validation.failed 400 with the issues for bad queries and bodies', async () => {
    const client = new Client(shop.baseUrl)
    const badLimit = await client.get<ErrorBody>('/api/products?limit=abc')
    expectError(badLimit, 400, 'validation.failed')
    expect(JSON.stringify(badLimit.body.error.details)).toContain('limit')
    expectError(await client.get('/api/products?sort=price_asc'), 400, 'validation.failed')
    expectError(await client.post('/api/carts', { currency: 'usd!' }), 400, 'validation.failed')
    expectError(
      await client.post('/api/carts', { currency: 'USD', surprise: true }),
      400,
      'validation.failed',
    )
    expectError(await client.get('/api/search?limit=1000'), 400, 'validation.failed')
  })

  it('refuses negative, fractional, huge and missing quantities, changing nothing', async () => {
    const { client, cartId } = await signedInWithCart()
    const sku = skus[0]!.sku
    for (const quantity of [-1, 0, 1.5, 1e12, '2', null]) {
      const response = await client.post<ErrorBody>(`/api/carts/${cartId}/items`, { sku, quantity })
      expectError(response, 400, 'validation.failed')
      expect(JSON.stringify(response.body.error.details.issues)).toContain('quantity')
    }
    const cart = await client.get<{ lines: unknown[] }>(`/api/carts/${cartId}`)
    expect(cart.body.lines).toEqual([])
  })

  it('answers malformed JSON with 400, non-object bodies with 400 and oversized bodies with 413', async () => {
    const { client, cartId } = await signedInWithCart()
    const malformed = await client.request('POST', `/api/carts/${cartId}/items`, {
      raw: '{"sku": ',
      headers: { 'content-type': 'application/json' },
    })
    expectError(malformed, 400, 'validation.failed')
    expectError(await client.post(`/api/carts/${cartId}/items`, [1, 2]), 400, 'validation.failed')
    const huge = await client.request('POST', `/api/carts/${cartId}/items`, {
      raw: JSON.stringify({ sku: 'x'.repeat(200_000), quantity: 1 }),
      headers: { 'content-type': 'application/json' },
    })
    expectError(huge, 413, 'request.too_large')
  })

  it('maps insufficient stock to 409 with the shortfall', async () => {
    const { client, cartId } = await signedInWithCart()
    const { sku, onHand } = skus[1]!
    const response = await client.post<ErrorBody>(`/api/carts/${cartId}/items`, { sku, quantity: onHand + 1 })
    expectError(response, 409, 'inventory.insufficient_stock')
    expect(response.body.error.details.shortfalls).toEqual([
      { sku, requested: onHand + 1, available: onHand },
    ])
  })

  it('maps promotion errors to 422', async () => {
    const { client, cartId } = await signedInWithCart()
    expectError(
      await client.post(`/api/carts/${cartId}/promo`, { code: 'NOSUCHCODE' }),
      422,
      'promotion.invalid',
    )
    // TAKE5 needs a $30 subtotal; an empty cart has none.
    expectError(
      await client.post(`/api/carts/${cartId}/promo`, { code: 'take5' }),
      422,
      'promotion.minimum_not_met',
    )
  })

  it('hides other customers’ carts and orders behind 404, and rejects forged identities with 401', async () => {
    const { cartId } = await signedInWithCart()
    const stranger = new Client(shop.baseUrl)
    await stranger.post('/api/session')
    expectError(await stranger.get(`/api/carts/${cartId}`), 404, 'not_found')
    expectError(
      await stranger.post(`/api/carts/${cartId}/items`, { sku: skus[0]!.sku, quantity: 1 }),
      404,
      'not_found',
    )
    expectError(await stranger.get('/api/orders/ord_01ABCDEFGHJKMNPQRSTVWXYZ12'), 404, 'not_found')
    const forged = new Client(shop.baseUrl, {
      'x-customer-id': 'cus_victim',
      'x-customer-signature': 'bogus',
    })
    expectError(await forged.get('/api/orders'), 401, 'unauthorized')
    expectError(await new Client(shop.baseUrl).get('/api/orders'), 401, 'unauthorized')
    expect((await Client.signedAs(shop.baseUrl, 'cus_someone').get('/api/orders')).status).toBe(200)
  })

  it('guards staff and seller routes with the admin token', async () => {
    const client = new Client(shop.baseUrl)
    expectError(
      await client.post('/api/admin/promotions', { code: 'X', kind: 'free_shipping' }),
      401,
      'unauthorized',
    )
    expectError(await client.get('/api/sellers/sel_x/orders'), 401, 'unauthorized')
    const staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    const created = await staff.post<{ code: string }>('/api/admin/promotions', {
      code: 'staff5',
      kind: 'percentage',
      percent: '5',
    })
    expect(created.status).toBe(201)
    expect(created.body.code).toBe('STAFF5')
    expectError(
      await staff.post('/api/admin/promotions', { code: 'staff5', kind: 'percentage', percent: '5' }),
      409,
      'conflict',
    )
    const listed = await staff.get<{ items: { code: string }[]; nextCursor: string | null }>(
      '/api/admin/promotions?limit=200',
    )
    expect(listed.body.items.map((p) => p.code)).toContain('STAFF5')
    expect(listed.body.nextCursor).toBeNull()
    expectError(await staff.get('/api/admin/promotions?cursor=garbage'), 400, 'validation.failed')
    expectError(await staff.get('/api/admin/shipping/zones?limit=0'), 400, 'validation.failed')
  })

  it('requires an Idempotency-Key on checkout and maps declines, conflicts and checked-out carts', async () => {
    const { client, cartId } = await signedInWithCart()
    await client.post(`/api/carts/${cartId}/items`, { sku: skus[2]!.sku, quantity: 1 })
    await client.put(`/api/carts/${cartId}/shipping-address`, US_ADDRESS)
    const payment = { method: 'pm_card_visa' }
    expectError(await client.post('/api/checkout', { cartId, payment }), 400, 'validation.failed')
    expectError(
      await client.post('/api/checkout', { cartId, payment }, { 'idempotency-key': 'short' }),
      400,
      'validation.failed',
    )

    const declined = await client.post<ErrorBody>(
      '/api/checkout',
      { cartId, payment: { method: 'pm_card_chargeDeclined' } },
      { 'idempotency-key': 'decline-attempt-1' },
    )
    expectError(declined, 402, 'payment.declined')

    const placed = await client.post(
      '/api/checkout',
      { cartId, payment },
      { 'idempotency-key': 'good-attempt-1' },
    )
    expect(placed.status).toBe(201)
    const reused = await client.post(
      '/api/checkout',
      { cartId, payment: { method: 'pm_card_mastercard' } },
      { 'idempotency-key': 'good-attempt-1' },
    )
    expectError(reused, 409, 'idempotency.conflict')
    expectError(
      await client.post('/api/checkout', { cartId, payment }, { 'idempotency-key': 'good-attempt-2' }),
      409,
      'cart.checked_out',
    )
    expectError(
      await client.post(`/api/carts/${cartId}/items`, { sku: skus[2]!.sku, quantity: 1 }),
      409,
      'cart.checked_out',
    )
  })

  it('maps an invalid order transition to 409', async () => {
    const { client, cartId } = await signedInWithCart()
    await client.post(`/api/carts/${cartId}/items`, { sku: skus[3]!.sku, quantity: 1 })
    await client.put(`/api/carts/${cartId}/shipping-address`, US_ADDRESS)
    const placed = await client.post<{ order: { id: string } }>(
      '/api/checkout',
      { cartId, payment: { method: 'pm_card_visa' } },
      { 'idempotency-key': 'transition-test-1' },
    )
    const orderId = placed.body.order.id
    expect((await client.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(200)
    expectError(
      await client.post(`/api/orders/${orderId}/returns`, { lines: [{ lineId: 'oli_x', quantity: 1 }] }),
      400,
      'validation.failed',
    )
    const staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expectError(
      await staff.post(`/api/admin/orders/${orderId}/transition`, { to: 'shipped' }),
      409,
      'order.invalid_transition',
    )
  })

  it('answers 503 storage.unavailable when the database is down', async () => {
    const storage = postgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 })
    const logs: LogLine[] = []
    const commerce = createCommerce({ storage, logger: silentLogger })
    const { app } = createApp(commerce, {
      sessionSecret: SESSION_SECRET,
      adminToken: null,
      stats: null,
      log: (line) => logs.push(line),
      ready: readinessChecks({ storage, redis: null }),
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    try {
      const port = (server.address() as { port: number }).port
      const client = new Client(`http://127.0.0.1:${port}`)
      const down = await client.get<ErrorBody>('/api/categories')
      expectError(down, 503, 'storage.unavailable')
      // A generic message and a request id; the driver's words (host, port, ECONNREFUSED) only in the log.
      expect(down.headers.get('retry-after')).toBe('5')
      expect(JSON.stringify(down.body)).not.toMatch(/127\.0\.0\.1|ECONN|sqlState|connect/)
      const logged = logs.find((l) => l.level === 'error' && l.requestId === down.body.error.requestId)
      expect(String(logged?.error)).toMatch(/ECONNREFUSED|127\.0\.0\.1/)

      const ready = await client.get<ErrorBody>('/readyz')
      expectError(ready, 503, 'service.not_ready')
      expect(ready.body.error.details).toEqual({ checks: { database: false } })
      expect((await client.get('/healthz')).status).toBe(200)
      // Redis down while the database answers: only the dependency's name, never the error.
      const redisDown = readinessChecks({
        storage: shop.opened.storage,
        redis: { ping: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6380')) },
      })
      expect(await redisDown()).toEqual({ database: true, redis: false })
      expectError(
        await client.get('/api/sellers/sel_x/orders', { authorization: 'Bearer x' }),
        403,
        'forbidden',
      )
    } finally {
      server.close()
      await commerce.close()
    }
  })
})
