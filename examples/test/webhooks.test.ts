import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isCommerceError, SOUK_SIGNATURE_HEADER, silentLogger, verifyWebhook } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app/create-app.js'
import { seedDemo } from '../src/seed/seed-demo.js'
import {
  type OutgoingWebhooks,
  startOutgoingWebhooks,
  WEBHOOK_HEADERS,
  webhookSubscriberName,
} from '../src/webhooks/outgoing-webhooks.js'
import { WEBHOOK_ENDPOINTS_TABLE } from '../src/webhooks/webhook-endpoint-store.js'
import { sendWebhook } from '../src/webhooks/webhook-sender.js'
import { guardedLookup, isPublicAddress, webhookUrlProblem } from '../src/webhooks/webhook-url-policy.js'
import { type OpenedCommerce, openCommerce } from '../src/wiring/open-commerce.js'
import { loadStorefrontConfig } from '../src/wiring/storefront-config.js'
import { ADMIN_TOKEN, Client, SESSION_SECRET, US_ADDRESS } from './support.js'

interface ErrorBody {
  error: { code: string; message: string; details: { issues?: { path: string }[] }; requestId: string }
}
interface CreatedEndpoint {
  id: string
  url: string
  events: '*' | string[]
  description: string | null
  subscriber: string
  createdAt: string
  secret: string
}
interface Envelope {
  id: string
  type: string
  aggregateId: string
  schemaVersion: number
  occurredAt: string
  data: Record<string, unknown>
}

/** The storefront as server.ts wires it, with short relay delays and loopback receivers allowed. */
let database: TestDatabase
let opened: OpenedCommerce
let webhooks: OutgoingWebhooks
let baseUrl: string
let closeServer: () => Promise<void>
const MAX_ATTEMPTS = 3

beforeAll(async () => {
  database = await createTestDatabase('examples')
  const config = loadStorefrontConfig({
    DATABASE_URL: database.url,
    SESSION_SECRET,
    ADMIN_TOKEN,
    RELAY_INTERVAL_MS: '20',
    RELAY_RETRY_DELAY_MS: '100',
    WEBHOOK_ALLOW_PRIVATE_URLS: '1',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  })
  expect(config.webhooks).toEqual({ allowPrivateUrls: true, timeoutMs: 1000, maxAttempts: MAX_ATTEMPTS })
  opened = await openCommerce(config, silentLogger)
  await opened.commerce.migrate()
  await seedDemo(opened.commerce, opened.storage, { products: 16, seed: 'webhooks' })
  webhooks = await startOutgoingWebhooks({
    commerce: opened.commerce,
    storage: opened.storage,
    settings: { ...config.webhooks, reconcileIntervalMs: 0 },
    logger: silentLogger,
  })
  const { app } = createApp(opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: null,
    testPayments: true,
    log: () => undefined,
    webhooks,
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  closeServer = async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
})

afterAll(async () => {
  await closeServer?.()
  await webhooks?.stop()
  await opened?.close()
  await database?.drop()
})

const receivers: Receiver[] = []
afterEach(async () => {
  for (const endpoint of await webhooks.list()) await webhooks.delete(endpoint.id)
  for (const receiver of receivers.splice(0)) await receiver.close()
})

const staff = () => new Client(baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly event: Envelope
  readonly status: number
  readonly at: number
}
interface Receiver {
  readonly url: string
  readonly received: Received[]
  /** What the next request is answered with; `n` counts requests from 1. */
  answer: (n: number) => number
  close(): Promise<void>
}

/** A local HTTP endpoint that records every request with its raw body. */
async function startReceiver(answer: (n: number) => number = () => 200): Promise<Receiver> {
  const received: Received[] = []
  const receiver: Receiver = {
    url: '',
    received,
    answer,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const status = receiver.answer(received.length + 1)
      received.push({
        headers: req.headers,
        body,
        event: JSON.parse(body) as Envelope,
        status,
        at: Date.now(),
      })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` })
  receivers.push(receiver)
  return receiver
}

/**
 * Deliveries wait for every transaction open on the PostgreSQL server, in any database, to end
 * (the relay reads below `pg_snapshot_xmin`; docs/events.md#running-the-relay). Other test files
 * on the same server can hold one for many seconds, so waits are long; they end at once when
 * the condition holds.
 */
const DELIVERY_WAIT_MS = 60_000

async function waitFor(what: string, check: () => boolean, timeoutMs = DELIVERY_WAIT_MS): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Calls `read` until `done` holds for its result (or 10 s pass), and returns the last result. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000
  let value = await read()
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
    value = await read()
  }
  return value
}

async function register(url: string, events: string[] | '*', description?: string): Promise<CreatedEndpoint> {
  const created = await staff().post<CreatedEndpoint>('/api/admin/webhooks', {
    url,
    events,
    ...(description ? { description } : {}),
  })
  expect(created.status).toBe(201)
  return created.body
}

let orderSeq = 0
/** A guest buys one unit of an in-stock product through the storefront API; resolves with the order id. */
async function placeOrder(): Promise<string> {
  const client = new Client(baseUrl)
  await client.post('/api/session')
  const listing = await client.get<{ items: { slug: string }[] }>(
    '/api/products?currency=USD&inStock=true&limit=10',
  )
  let sku: string | undefined
  for (const { slug } of listing.body.items) {
    const product = await client.get<{ variants: { sku: string; availability: { available: number } }[] }>(
      `/api/products/${slug}?currency=USD`,
    )
    sku = product.body.variants.find((v) => v.availability.available >= 1)?.sku
    if (sku) break
  }
  expect(sku).toBeDefined()
  const cart = await client.post<{ id: string }>('/api/carts', { currency: 'USD', email: 'ada@example.com' })
  expect(cart.status).toBe(201)
  const cartPath = `/api/carts/${cart.body.id}`
  expect((await client.post(`${cartPath}/items`, { sku, quantity: 1 })).status).toBeLessThan(300)
  await client.put(`${cartPath}/shipping-address`, US_ADDRESS)
  const quotes = await client.get<{ items: { methodId: string }[] }>(`${cartPath}/shipping-quotes`)
  await client.put(`${cartPath}/shipping-method`, { shippingMethodId: quotes.body.items[0]!.methodId })
  const placed = await client.post<{ order: { id: string; status: string } }>(
    '/api/checkout',
    { cartId: cart.body.id, payment: { method: 'pm_card_visa' } },
    { 'idempotency-key': `webhooks-${Date.now()}-${++orderSeq}` },
  )
  expect(placed.status).toBe(201)
  expect(placed.body.order.status).toBe('confirmed')
  return placed.body.order.id
}

const about = (receiver: Receiver, orderId: string) =>
  receiver.received.filter((r) => r.event.aggregateId === orderId)

function expectError(response: { status: number; body: unknown }, status: number, code: string): ErrorBody {
  expect({ status: response.status, code: (response.body as ErrorBody).error?.code }).toEqual({
    status,
    code,
  })
  const body = response.body as ErrorBody
  expect(Object.keys(body)).toEqual(['error'])
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message', 'requestId'])
  expect(JSON.stringify(body)).not.toMatch(/sqlState|constraint|relation|syntax|postgres/i)
  return body
}

describe('outgoing webhooks', { timeout: 200_000 }, () => {
  it('delivers order events signed with the endpoint secret, and stops once the endpoint is deleted', async () => {
    const orders = await startReceiver()
    const everything = await startReceiver()
    const endpoint = await register(orders.url, ['order.created', 'order.status_changed'], 'ERP feed')
    await register(everything.url, '*')
    expect(endpoint).toMatchObject({
      url: orders.url,
      events: ['order.created', 'order.status_changed'],
      description: 'ERP feed',
      subscriber: webhookSubscriberName(endpoint.id),
    })
    expect(endpoint.id).toMatch(/^whe_[0-9A-Z]{26}$/)
    expect(endpoint.secret).toMatch(/^whsec_[\w-]{43}$/)
    expect(opened.commerce.subscribers.names()).toContain(endpoint.subscriber)

    // The secret is shown once: never by the list or the endpoint's own page.
    const listed = await staff().get<{ items: Record<string, unknown>[] }>('/api/admin/webhooks')
    expect(listed.status).toBe(200)
    expect(listed.body.items.map((e) => e.id)).toContain(endpoint.id)
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret)
    const one = await staff().get<Record<string, unknown>>(`/api/admin/webhooks/${endpoint.id}`)
    expect(one.body).toMatchObject({ id: endpoint.id, url: orders.url, previousSecretExpiresAt: null })
    expect(one.body).not.toHaveProperty('secret')

    const orderId = await placeOrder()
    await waitFor('order.created and order.status_changed', () => about(orders, orderId).length >= 2)
    const got = about(orders, orderId)
    expect(got.map((r) => r.event.type)).toEqual(['order.created', 'order.status_changed'])
    expect(got[1]!.event.data).toMatchObject({ orderId, from: 'pending_payment', to: 'confirmed' })
    for (const request of got) {
      const event = verifyWebhook({
        secret: endpoint.secret,
        header: request.headers[SOUK_SIGNATURE_HEADER],
        body: request.body,
      })
      expect(event).toEqual(request.event)
      expect(Object.keys(event).sort()).toEqual([
        'aggregateId',
        'data',
        'id',
        'occurredAt',
        'schemaVersion',
        'type',
      ])
      expect(event.id).toMatch(/^evt_/)
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.eventId]: event.id,
        [WEBHOOK_HEADERS.eventType]: event.type,
        [WEBHOOK_HEADERS.endpointId]: endpoint.id,
        [WEBHOOK_HEADERS.attempt]: '1',
      })
      expect(() =>
        verifyWebhook({
          secret: 'whsec_another',
          header: request.headers[SOUK_SIGNATURE_HEADER],
          body: request.body,
        }),
      ).toThrow(/no signature matches/)
    }
    // The '*' endpoint also got the stock hold; the order endpoint did not ask for it.
    await waitFor('the catch-all endpoint', () => about(everything, orderId).length >= 3)
    expect(about(everything, orderId).map((r) => r.event.type)).toContain('inventory.reserved')

    const deleted = await staff().delete(`/api/admin/webhooks/${endpoint.id}`)
    expect(deleted.status).toBe(204)
    expect(opened.commerce.subscribers.names()).not.toContain(endpoint.subscriber)
    expectError(await staff().get(`/api/admin/webhooks/${endpoint.id}`), 404, 'not_found')
    expectError(await staff().delete(`/api/admin/webhooks/${endpoint.id}`), 404, 'not_found')

    const later = await placeOrder()
    // The catch-all endpoint getting the later order's last event means the relay went past it.
    await waitFor('the catch-all endpoint', () =>
      about(everything, later).some((r) => r.event.type === 'order.status_changed'),
    )
    expect(about(orders, later)).toEqual([])
  })

  it('retries a receiver that fails, with the same body, while another endpoint is served at once', async () => {
    const flaky = await startReceiver((n) => (n <= 2 ? 500 : 204))
    const healthy = await startReceiver()
    const endpoint = await register(flaky.url, ['order.created'])
    await register(healthy.url, ['order.created'])

    const orderId = await placeOrder()
    await waitFor('the third attempt', () => about(flaky, orderId).length >= 3)
    const attempts = about(flaky, orderId)
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 204])
    expect(attempts.map((r) => r.headers[WEBHOOK_HEADERS.attempt])).toEqual(['1', '2', '3'])
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1)
    for (const r of attempts) {
      expect(
        verifyWebhook({ secret: endpoint.secret, header: r.headers[SOUK_SIGNATURE_HEADER], body: r.body }).id,
      ).toBe(attempts[0]!.event.id)
    }
    // Backoff: the second retry waited about twice as long as the first (100 ms, then 200 ms).
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(90)
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(190)
    // The healthy endpoint did not wait for the flaky one's retries.
    const [first] = about(healthy, orderId)
    expect(first).toBeDefined()
    expect(first!.at).toBeLessThan(attempts[2]!.at)
    await new Promise((r) => setTimeout(r, 300))
    expect(about(flaky, orderId)).toHaveLength(3)

    const dead = await staff().get<{ items: unknown[] }>(`/api/admin/webhooks/${endpoint.id}/dead-letters`)
    expect(dead.body).toEqual({ items: [], nextCursor: null })
  })

  it('dead-letters an event after the last attempt, lists it, and replays it once the receiver is fixed', async () => {
    const down = await startReceiver(() => 503)
    const endpoint = await register(down.url, ['order.created'])
    const orderId = await placeOrder()
    await waitFor('every attempt', () => about(down, orderId).length >= MAX_ATTEMPTS)

    type Letters = {
      items: { eventId: string; type: string; attempts: number; lastError: string; event: Envelope }[]
      nextCursor: string | null
    }
    const path = `/api/admin/webhooks/${endpoint.id}/dead-letters`
    // The last failure and the dead letter are settled together, a moment after the last request.
    let letters = await eventually(
      () => staff().get<Letters>(path),
      (r) => r.body.items.length > 0,
    )
    expect(letters.status).toBe(200)
    expect(letters.body.nextCursor).toBeNull()
    expect(letters.body.items).toHaveLength(1)
    const [letter] = letters.body.items
    expect(letter).toMatchObject({
      eventId: about(down, orderId)[0]!.event.id,
      type: 'order.created',
      attempts: MAX_ATTEMPTS,
      lastError: 'WebhookDeliveryError: receiver answered 503',
    })
    expect(letter!.event.aggregateId).toBe(orderId)

    down.answer = () => 200
    const replay = await staff().post<{ requested: number }>(`/api/admin/webhooks/${endpoint.id}/replay`, {
      eventIds: [letter!.eventId],
    })
    expect(replay.status).toBe(202)
    expect(replay.body).toEqual({ requested: 1 })
    await waitFor('the replayed delivery', () => about(down, orderId).some((r) => r.status === 200))
    const replayed = about(down, orderId).find((r) => r.status === 200)!
    expect(replayed.event.id).toBe(letter!.eventId)
    expect(replayed.headers[WEBHOOK_HEADERS.attempt]).toBe(String(MAX_ATTEMPTS + 1))
    letters = await eventually(
      () => staff().get<Letters>(path),
      (r) => r.body.items.length === 0,
    )
    expect(letters.body).toEqual({ items: [], nextCursor: null })
  })

  it('signs with both secrets while one is rotated out, and with the new one alone when asked', async () => {
    const receiver = await startReceiver()
    const endpoint = await register(receiver.url, ['order.created'])
    const rotated = await staff().post<CreatedEndpoint & { previousSecretExpiresAt: string }>(
      `/api/admin/webhooks/${endpoint.id}/rotate-secret`,
      { expiresInSeconds: 3600 },
    )
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).not.toBe(endpoint.secret)
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000)

    const first = await placeOrder()
    await waitFor('the delivery', () => about(receiver, first).length > 0)
    const [during] = about(receiver, first)
    const header = during!.headers[SOUK_SIGNATURE_HEADER] as string
    expect(header.match(/v1=/g)).toHaveLength(2)
    for (const secret of [endpoint.secret, rotated.body.secret]) {
      expect(verifyWebhook({ secret, header, body: during!.body }).aggregateId).toBe(first)
    }

    const now = await staff().post<CreatedEndpoint>(`/api/admin/webhooks/${endpoint.id}/rotate-secret`, {
      expiresInSeconds: 0,
    })
    const second = await placeOrder()
    await waitFor('the delivery', () => about(receiver, second).length > 0)
    const [after] = about(receiver, second)
    expect(
      verifyWebhook({
        secret: now.body.secret,
        header: after!.headers[SOUK_SIGNATURE_HEADER],
        body: after!.body,
      }).aggregateId,
    ).toBe(second)
    for (const old of [endpoint.secret, rotated.body.secret]) {
      expect(() =>
        verifyWebhook({ secret: old, header: after!.headers[SOUK_SIGNATURE_HEADER], body: after!.body }),
      ).toThrow(/no signature matches/)
    }
  })

  it('subscribes every stored endpoint when a process starts', async () => {
    const receiver = await startReceiver()
    const endpoint = await register(receiver.url, '*')
    const config = loadStorefrontConfig({ DATABASE_URL: database.url, SESSION_SECRET, ADMIN_TOKEN })
    const second = await openCommerce(config, silentLogger)
    try {
      const registry = await startOutgoingWebhooks({
        commerce: second.commerce,
        storage: second.storage,
        settings: { allowPrivateUrls: true, reconcileIntervalMs: 0 },
        logger: silentLogger,
      })
      expect(second.commerce.subscribers.names()).toEqual([endpoint.subscriber])
      expect((await registry.list()).map((e) => e.id)).toEqual([endpoint.id])
      await registry.stop()
    } finally {
      await second.close()
    }
    // The table is the example's own, beside Souk's.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id(opened.storage.schema, WEBHOOK_ENDPOINTS_TABLE)}`.execute(
      opened.storage.db,
    )
    expect(rows[0]!.n).toBe(1)
  })
})

describe('the admin API', () => {
  it('needs the staff token', async () => {
    for (const client of [
      new Client(baseUrl),
      new Client(baseUrl, { authorization: 'Bearer not-the-admin-token-000' }),
    ]) {
      expectError(await client.get('/api/admin/webhooks'), 401, 'unauthorized')
      expectError(
        await client.post('/api/admin/webhooks', { url: 'http://127.0.0.1:9/hooks', events: '*' }),
        401,
        'unauthorized',
      )
      expectError(
        await client.delete('/api/admin/webhooks/whe_01J00000000000000000000000'),
        401,
        'unauthorized',
      )
      expectError(
        await client.get('/api/admin/webhooks/whe_01J00000000000000000000000/dead-letters'),
        401,
        'unauthorized',
      )
      expectError(
        await client.post('/api/admin/webhooks/whe_01J00000000000000000000000/replay', {}),
        401,
        'unauthorized',
      )
    }
    expect(await webhooks.list()).toEqual([])
  })

  it('answers bad input with 400 and the one error shape, and stores nothing', async () => {
    const good = { url: 'http://127.0.0.1:9/hooks', events: ['order.created'] }
    const cases: [unknown, string][] = [
      [{ ...good, url: 'ftp://example.com/hooks' }, 'url'],
      [{ ...good, url: 'not a url' }, 'url'],
      [{ ...good, url: 'https://user:pass@example.com/hooks' }, 'url'],
      [{ ...good, url: `https://example.com/${'a'.repeat(2100)}` }, 'url'],
      [{ ...good, url: 'https://exa\u0000mple.com/' }, 'body'], // the edge check of every route
      [{ ...good, url: 'https://exa\u0085mple.com/' }, 'url'],
      [{ ...good, url: 42 }, 'url'],
      [{ good }, 'url'],
      [{ ...good, events: 'orders' }, 'events'],
      [{ ...good, events: [] }, 'events'],
      [{ ...good, events: ['order.shipped'] }, 'events.0'],
      [{ ...good, events: ['order.created', 'order.created'] }, 'events.1'],
      [{ ...good, description: 'x'.repeat(501) }, 'description'],
      [{ ...good, description: 'next\u0085line' }, 'description'],
      [{ ...good, secret: 'mine' }, ''],
    ]
    for (const [body, path] of cases) {
      const response = await staff().post('/api/admin/webhooks', body)
      const error = expectError(response, 400, 'validation.failed')
      expect(error.error.details.issues?.map((i) => i.path)).toContain(path)
    }
    expectError(
      await staff().request('POST', '/api/admin/webhooks', {
        raw: '{"url":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'validation.failed',
    )
    expectError(await staff().post('/api/admin/webhooks', [good]), 400, 'validation.failed')
    expect(await webhooks.list()).toEqual([])

    const endpoint = await register(good.url, good.events)
    const base = `/api/admin/webhooks/${endpoint.id}`
    expectError(await staff().get(`${base}/dead-letters?limit=0`), 400, 'validation.failed')
    expectError(await staff().get(`${base}/dead-letters?limit=ten`), 400, 'validation.failed')
    expectError(await staff().get(`${base}/dead-letters?cursor=garbage`), 400, 'validation.failed')
    expectError(await staff().post(`${base}/replay`, { eventIds: 'evt_1' }), 400, 'validation.failed')
    expectError(await staff().post(`${base}/replay`, { eventIds: [] }), 400, 'validation.failed')
    expectError(
      await staff().post(`${base}/rotate-secret`, { expiresInSeconds: -1 }),
      400,
      'validation.failed',
    )
    expectError(await staff().get('/api/admin/webhooks/whe_01J00000000000000000000000'), 404, 'not_found')
    expectError(await staff().get('/api/admin/webhooks/nope'), 404, 'not_found')
    expectError(await staff().post('/api/admin/webhooks/nope/replay', {}), 404, 'not_found')
    expectError(await staff().get('/api/admin/webhooks/%E0%A4%A'), 400, 'request.malformed')
    expect((await webhooks.list()).map((e) => e.id)).toEqual([endpoint.id])
  })

  it('holds at most 16 endpoints', async () => {
    for (let i = 0; i < 16; i++) await register(`http://127.0.0.1:9/hooks/${i}`, ['order.created'])
    expectError(
      await staff().post('/api/admin/webhooks', { url: 'http://127.0.0.1:9/hooks/16', events: '*' }),
      409,
      'conflict',
    )
    expect(await webhooks.list()).toHaveLength(16)
  })
})

describe('the URL policy (production default: WEBHOOK_ALLOW_PRIVATE_URLS unset)', () => {
  const strict = { allowPrivateUrls: false }

  it('accepts public https URLs only', () => {
    expect(webhookUrlProblem('https://hooks.example.com/souk', strict)).toBeNull()
    expect(webhookUrlProblem('https://93.184.215.14:8443/souk', strict)).toBeNull()
    for (const url of [
      'http://hooks.example.com/souk',
      'https://localhost/hooks',
      'https://api.localhost/hooks',
      'https://redis/hooks',
      'https://metadata.google.internal/computeMetadata',
      'https://127.0.0.1/hooks',
      'https://2130706433/hooks',
      'https://0x7f.1/hooks',
      'https://10.1.2.3/hooks',
      'https://172.20.0.1/hooks',
      'https://192.168.1.10/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hooks',
      'https://0.0.0.0/hooks',
      'https://[::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://[fd00::1]/hooks',
      'https://[fe80::1]/hooks',
    ]) {
      expect([url, webhookUrlProblem(url, strict)]).toEqual([url, expect.any(String)])
    }
    expect(webhookUrlProblem('http://127.0.0.1:3000/hooks', { allowPrivateUrls: true })).toBeNull()
    expect(webhookUrlProblem('gopher://127.0.0.1/', { allowPrivateUrls: true })).toMatch(/http or https/)
    expect(isPublicAddress('8.8.8.8')).toBe(true)
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true)
    expect(isPublicAddress('::ffff:10.0.0.1')).toBe(false)
  })

  it('refuses, at delivery, a name that resolves to a private address (DNS may change after registration)', async () => {
    const refusal = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('localhost', { all: true }, (error) => resolve(error)),
    )
    expect(refusal?.code).toBe('EWEBHOOKADDRESS')
    expect(refusal?.message).toMatch(/localhost resolves to a non-public address/)
    await expect(
      sendWebhook({
        url: 'http://127.0.0.1:9/hooks',
        body: '{}',
        headers: {},
        timeoutMs: 500,
        policy: strict,
      }),
    ).rejects.toThrow(/refused: the URL must be https/)
  })

  it('is applied to registrations', async () => {
    const registry = await startOutgoingWebhooks({
      commerce: opened.commerce,
      storage: opened.storage,
      settings: { ...strict, reconcileIntervalMs: 0 },
      logger: silentLogger,
    })
    try {
      const error = await registry
        .create({ url: 'https://127.0.0.1/hooks', events: '*' })
        .catch((e: unknown) => e)
      expect(isCommerceError(error, 'validation.failed')).toBe(true)
      expect(String((error as Error).message)).toMatch(/public host/)
    } finally {
      await registry.stop()
    }
  })
})
