import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createApp, type StorefrontOptions } from '../src/app/create-app.js'
import { DEFAULT_RATE_LIMITS, parseRateLimitRule } from '../src/app/security/rate-limits.js'
import { loadStorefrontConfig, StorefrontConfigError } from '../src/wiring/storefront-config.js'
import {
  ADMIN_TOKEN,
  Client,
  PUBLIC_DIR,
  type RunningStorefront,
  SESSION_SECRET,
  startStorefront,
  US_ADDRESS,
} from './support.js'

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> }
}
interface Stocked {
  sku: string
  productId: string
  sellerId: string
}

const SELLER_A_TOKEN = 'seller-a-token-0123456789'
const SELLER_B_TOKEN = 'seller-b-token-0123456789'
const METRICS_TOKEN = 'metrics-token-0123456789'

let shop: RunningStorefront
let stocked: Stocked[]
let sellerA: string
let sellerB: string
const servers: Server[] = []
let ipCounter = 0

/**
 * A fresh client address per use (the app trusts X-Forwarded-For from loopback), so one test's
 * per-IP counts never reach another's, nor an earlier run's counts left in Redis.
 */
function freshIp(): string {
  ipCounter += 1
  const random = () => Math.floor(Math.random() * 256)
  return `10.${random()}.${random()}.${ipCounter}`
}

beforeAll(async () => {
  shop = await startStorefront({ products: 60, seed: 'security' })
  const { db, schema } = shop.opened.storage
  const { rows } = await sql<{ sku: string; product_id: string; seller_id: string }>`
    select v.sku, p.id as product_id, p.seller_id from ${sql.id(schema, 'product_variants')} v
    join ${sql.id(schema, 'products')} p on p.id = v.product_id and p.status = 'active'
    join ${sql.id(schema, 'stock_levels')} l on l.sku = v.sku
    where l.on_hand >= 5 order by v.sku`.execute(db)
  stocked = rows.map((r) => ({ sku: r.sku, productId: r.product_id, sellerId: r.seller_id }))
  sellerA = stocked[0]!.sellerId
  sellerB = stocked.find((s) => s.sellerId !== sellerA)!.sellerId
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
  await shop?.close()
})

/** Another app over the shop's Commerce, with these options over quiet test defaults. */
async function serve(options: Partial<StorefrontOptions> = {}): Promise<string> {
  const { app } = createApp(shop.opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: null,
    publicDir: PUBLIC_DIR,
    log: () => undefined,
    ...options,
    security: { rateLimits: false, ...options.security },
  })
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function expectError(response: { status: number; body: unknown }, status: number, code: string) {
  expect({ status: response.status, code: (response.body as ErrorBody).error?.code }).toEqual({
    status,
    code,
  })
}

/** A signed-in shopper who bought one unit of `item`: the client and the order id. */
async function buyer(baseUrl: string, item: Stocked): Promise<{ client: Client; orderId: string }> {
  const client = new Client(baseUrl, { 'x-forwarded-for': freshIp() })
  expect((await client.post('/api/session')).status).toBe(201)
  const cart = await client.post<{ id: string }>('/api/carts', {
    currency: 'USD',
    email: 'buyer@example.com',
  })
  expect((await client.post(`/api/carts/${cart.body.id}/items`, { sku: item.sku, quantity: 1 })).status).toBe(
    200,
  )
  await client.put(`/api/carts/${cart.body.id}/shipping-address`, US_ADDRESS)
  const placed = await client.post<{ order: { id: string } }>(
    '/api/checkout',
    { cartId: cart.body.id, payment: { method: 'pm_card_visa' } },
    { 'idempotency-key': `security-${item.sku}-${Date.now()}` },
  )
  expect(placed.status).toBe(201)
  return { client, orderId: placed.body.order.id }
}

describe('CORS', () => {
  it('answers listed origins with credentials and gives other origins no CORS headers', async () => {
    const baseUrl = await serve({ security: { corsOrigins: ['https://shop.example'] } })
    const listed = await new Client(baseUrl, { origin: 'https://shop.example' }).get('/api/config')
    expect(listed.status).toBe(200)
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(listed.headers.get('vary')).toMatch(/origin/i)

    const unlisted = await new Client(baseUrl, { origin: 'https://evil.example' }).get('/api/config')
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull()
    expect(unlisted.headers.get('access-control-allow-credentials')).toBeNull()

    const preflight = (origin: string) =>
      new Client(baseUrl).request('OPTIONS', '/api/carts', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      })
    const allowed = await preflight('https://shop.example')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST')
    const refused = await preflight('https://evil.example')
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('is same-origin only by default', async () => {
    const response = await new Client(shop.baseUrl, { origin: 'https://shop.example' }).get('/api/config')
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('security headers', () => {
  it('sends a CSP the shop runs under, nosniff and frame denial; HSTS only over HTTPS', async () => {
    const client = new Client(shop.baseUrl)
    for (const path of ['/', '/api/config']) {
      const response = await client.get(path)
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self';")
      expect(csp).toContain("script-src-attr 'none'")
      expect(csp).toContain("style-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('upgrade-insecure-requests')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('strict-transport-security')).toBeNull()
    }
    // The shop's own files carry no inline script, handler or style the CSP would block.
    const page = (await client.get<string>('/')).body
    const script = (await client.get<string>('/app.js')).body
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=/i)
    expect(script).not.toMatch(/\son[a-z]+="|\sstyle="/)

    // Behind a trusted proxy that ended TLS.
    const proxied = await client.get('/api/config', { 'x-forwarded-proto': 'https' })
    expect(proxied.headers.get('strict-transport-security')).toBe('max-age=31536000')
    expect(proxied.headers.get('content-security-policy')).toContain('upgrade-insecure-requests')
  })

  it('lets Stripe.js and its frames in only when a publishable key is configured', async () => {
    const withStripe = await serve({ stripePublishableKey: 'pk_test_123' })
    const csp = (await new Client(withStripe).get('/')).headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self' https://js.stripe.com")
    expect(csp).toContain('frame-src https://js.stripe.com')
    expect(csp).toContain("connect-src 'self' https://api.stripe.com")
    const without = (await new Client(shop.baseUrl).get('/')).headers.get('content-security-policy') ?? ''
    expect(without).not.toContain('stripe')
  })
})

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Lax, and Secure under an HTTPS config or an HTTPS proxy', async () => {
    const plain = await new Client(shop.baseUrl).post('/api/session')
    const plainCookie = plain.headers.get('set-cookie') ?? ''
    expect(plainCookie).toMatch(/HttpOnly/)
    expect(plainCookie).toMatch(/SameSite=Lax/)
    expect(plainCookie).not.toMatch(/Secure/)

    const https = await serve({ secureCookies: true })
    const secure = await new Client(https).post('/api/session')
    expect(secure.headers.get('set-cookie')).toMatch(/; Secure/)
    expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000')

    const proxied = await new Client(shop.baseUrl).post('/api/session', undefined, {
      'x-forwarded-proto': 'https',
    })
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/)
  })

  it('derives secureCookies from PUBLIC_URL or SECURE_COOKIES', () => {
    expect(loadStorefrontConfig({ PUBLIC_URL: 'https://shop.example' }).secureCookies).toBe(true)
    expect(loadStorefrontConfig({ PUBLIC_URL: 'http://localhost:3000' }).secureCookies).toBe(false)
    expect(loadStorefrontConfig({ SECURE_COOKIES: '1' }).secureCookies).toBe(true)
    expect(loadStorefrontConfig({}).secureCookies).toBe(false)
  })
})

describe('JSON-only state changes', () => {
  it('refuses text/plain, form and multipart bodies with 415 and changes nothing', async () => {
    const { client, orderId } = await buyer(shop.baseUrl, stocked[1]!)
    const cart = await client.post<{ id: string }>('/api/carts', { currency: 'USD' })
    const forms: Record<string, string> = {
      'text/plain': '{"reason":"forged"}',
      'application/x-www-form-urlencoded': 'reason=forged',
      'multipart/form-data; boundary=x':
        '--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\nforged\r\n--x--\r\n',
    }
    for (const [type, raw] of Object.entries(forms)) {
      expectError(
        await client.request('POST', `/api/orders/${orderId}/cancel`, {
          raw,
          headers: { 'content-type': type },
        }),
        415,
        'request.unsupported_media_type',
      )
      expectError(
        await client.request('POST', `/api/carts/${cart.body.id}/items`, {
          raw: JSON.stringify({ sku: stocked[1]!.sku, quantity: 1 }),
          headers: { 'content-type': type },
        }),
        415,
        'request.unsupported_media_type',
      )
    }
    expect((await client.get<{ status: string }>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')
    expect((await client.get<{ lines: unknown[] }>(`/api/carts/${cart.body.id}`)).body.lines).toEqual([])
    // No body and no content type is fine (sign out, a body-less cancel).
    expect((await client.delete('/api/carts/' + cart.body.id + '/promo')).status).toBe(200)
    expect((await client.post(`/api/orders/${orderId}/cancel`)).status).toBe(200)
  })
})

describe('seller credentials', () => {
  it('gives each seller their own dashboard only, and staff routes only to the admin token', async () => {
    const baseUrl = await serve({
      security: { sellerTokens: { [sellerA]: SELLER_A_TOKEN, [sellerB]: SELLER_B_TOKEN } },
    })
    const { orderId } = await buyer(baseUrl, stocked[0]!)
    const sellerOfOrder = stocked[0]!.sellerId
    const other = sellerOfOrder === sellerA ? sellerB : sellerA
    const tokenOf = (id: string) => (id === sellerA ? SELLER_A_TOKEN : SELLER_B_TOKEN)
    const as = (token: string) => new Client(baseUrl, { authorization: `Bearer ${token}` })

    const own = await as(tokenOf(sellerOfOrder)).get<{ items: { id: string }[] }>(
      `/api/sellers/${sellerOfOrder}/orders`,
    )
    expect(own.status).toBe(200)
    expect(own.body.items.map((o) => o.id)).toContain(orderId)
    expect((await as(tokenOf(sellerOfOrder)).get(`/api/sellers/${sellerOfOrder}/analytics`)).status).toBe(200)

    const intruder = as(tokenOf(other))
    expectError(await intruder.get(`/api/sellers/${sellerOfOrder}/orders`), 403, 'forbidden')
    expectError(await intruder.get(`/api/sellers/${sellerOfOrder}/analytics`), 403, 'forbidden')
    expectError(await intruder.post('/api/admin/checkout/recover'), 403, 'forbidden')
    expectError(await intruder.get(`/api/admin/orders/${orderId}`), 403, 'forbidden')
    expectError(await as('not-a-token-at-all-000').get(`/api/sellers/${other}/orders`), 401, 'unauthorized')
    expectError(await new Client(baseUrl).get(`/api/sellers/${other}/orders`), 401, 'unauthorized')

    // Staff keep the admin token for everything.
    expect((await as(ADMIN_TOKEN).get(`/api/sellers/${sellerOfOrder}/orders`)).status).toBe(200)
    expect((await as(ADMIN_TOKEN).get(`/api/admin/orders/${orderId}`)).status).toBe(200)
  })

  it('reads SELLER_TOKENS and refuses short, repeated or admin-equal tokens', () => {
    const config = loadStorefrontConfig({
      ADMIN_TOKEN,
      SELLER_TOKENS: `sel_a:${SELLER_A_TOKEN}, sel_b:${SELLER_B_TOKEN}`,
    })
    expect(config.security.sellerTokens).toEqual({ sel_a: SELLER_A_TOKEN, sel_b: SELLER_B_TOKEN })
    for (const bad of [
      'sel_a:short',
      `sel_a:${SELLER_A_TOKEN},sel_b:${SELLER_A_TOKEN}`,
      `sel_a:${ADMIN_TOKEN}`,
      'nocolon',
    ]) {
      expect(() => loadStorefrontConfig({ ADMIN_TOKEN, SELLER_TOKENS: bad })).toThrow(StorefrontConfigError)
    }
  })
})

describe('/metrics', () => {
  it('needs the admin token, or METRICS_TOKEN when one is set', async () => {
    expectError(await new Client(shop.baseUrl).get('/metrics'), 401, 'unauthorized')
    const withAdmin = await new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` }).get<string>(
      '/metrics',
    )
    expect(withAdmin.status).toBe(200)
    expect(withAdmin.body).toMatch(/^souk_http_request_duration_seconds/m)

    const baseUrl = await serve({ security: { metricsToken: METRICS_TOKEN } })
    expect(
      (await new Client(baseUrl, { authorization: `Bearer ${METRICS_TOKEN}` }).get('/metrics')).status,
    ).toBe(200)
    expectError(
      await new Client(baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` }).get('/metrics'),
      401,
      'unauthorized',
    )
    const off = await serve({ adminToken: null })
    expectError(await new Client(off).get('/metrics'), 403, 'forbidden')
  })
})

describe('rate limits', () => {
  it('answers 429 in the error shape with Retry-After once an IP has opened N sessions', async () => {
    const baseUrl = await serve({
      security: { rateLimits: { session: { perIp: { limit: 3, windowMs: 60_000 } } } },
    })
    const ip = freshIp()
    const statuses: number[] = []
    let last: { status: number; headers: Headers; body: unknown } | undefined
    for (let i = 0; i < 4; i++) {
      last = await new Client(baseUrl, { 'x-forwarded-for': ip }).post('/api/session')
      statuses.push(last.status)
    }
    expect(statuses).toEqual([201, 201, 201, 429])
    expectError(last!, 429, 'rate_limited')
    const { error } = last!.body as ErrorBody
    expect(Object.keys(error)).toEqual(expect.arrayContaining(['code', 'message', 'details']))
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another address is not held back.
    expect((await new Client(baseUrl, { 'x-forwarded-for': freshIp() }).post('/api/session')).status).toBe(
      201,
    )
  })

  it('counts cart writes per session, leaving reads and other sessions alone', async () => {
    const baseUrl = await serve({
      security: {
        rateLimits: {
          cartWrites: { perIp: { limit: 100, windowMs: 60_000 }, perSession: { limit: 2, windowMs: 60_000 } },
        },
      },
    })
    const ip = freshIp()
    const client = new Client(baseUrl, { 'x-forwarded-for': ip })
    await client.post('/api/session')
    const cart = await client.post<{ id: string }>('/api/carts', { currency: 'USD' })
    expect(
      (await client.post(`/api/carts/${cart.body.id}/items`, { sku: stocked[3]!.sku, quantity: 1 })).status,
    ).toBe(200)
    expectError(
      await client.post(`/api/carts/${cart.body.id}/items`, { sku: stocked[3]!.sku, quantity: 1 }),
      429,
      'rate_limited',
    )
    expect((await client.get(`/api/carts/${cart.body.id}`)).status).toBe(200)
    const neighbour = new Client(baseUrl, { 'x-forwarded-for': ip })
    await neighbour.post('/api/session')
    expect((await neighbour.post('/api/carts', { currency: 'USD' })).status).toBe(201)
  })

  it('holds across processes when the counters are in Redis', async () => {
    const redis = new Redis(inject('redisUrl'))
    try {
      const security = {
        rateLimits: { checkout: { perIp: { limit: 2, windowMs: 60_000 } } },
        rateLimitRedis: redis,
      }
      const first = await serve({ security })
      const second = await serve({ security })
      const ip = freshIp()
      const attempt = (baseUrl: string) =>
        new Client(baseUrl, { 'x-forwarded-for': ip }).post('/api/checkout', {}, { 'idempotency-key': 'k' })
      expect((await attempt(first)).status).toBe(400)
      expect((await attempt(second)).status).toBe(400)
      expectError(await attempt(first), 429, 'rate_limited')
      expectError(await attempt(second), 429, 'rate_limited')
      expect(await redis.keys('souk:rate:checkout:*')).not.toEqual([])
    } finally {
      await redis.quit()
    }
  })

  it('lets requests through and logs while Redis is down, and limits again once it is back', async () => {
    // A client that cannot reach Redis when the limiter loads its script, then can.
    const redis = new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false })
    redis.on('error', () => undefined)
    const logs: Record<string, unknown>[] = []
    try {
      const baseUrl = await serve({
        log: (line) => logs.push(line),
        security: {
          rateLimits: { session: { perIp: { limit: 1, windowMs: 60_000 } } },
          rateLimitRedis: redis,
        },
      })
      const ip = freshIp()
      const open = async () =>
        (await new Client(baseUrl, { 'x-forwarded-for': ip }).post('/api/session')).status
      expect([await open(), await open()]).toEqual([201, 201])
      expect(logs.some((l) => l.level === 'warn' && String(l.msg).startsWith('rate limiter'))).toBe(true)
      // The first command started the connection; once it is up, counting resumes.
      if (redis.status === 'wait') await redis.connect()
      else if (redis.status !== 'ready') await once(redis, 'ready')
      const statuses = [await open(), await open(), await open()]
      expect(statuses).toContain(429)
    } finally {
      redis.disconnect()
    }
  })

  it('reads RATE_LIMIT_* and RATE_LIMITS=off', () => {
    expect(parseRateLimitRule('ip:30,session:5,window:10m', DEFAULT_RATE_LIMITS.checkout)).toEqual({
      perIp: { limit: 30, windowMs: 600_000 },
      perSession: { limit: 5, windowMs: 600_000 },
    })
    expect(loadStorefrontConfig({ RATE_LIMIT_SESSION: 'ip:10' }).security.rateLimits).toEqual({
      session: { perIp: { limit: 10, windowMs: DEFAULT_RATE_LIMITS.session.perIp.windowMs } },
    })
    expect(loadStorefrontConfig({ RATE_LIMITS: 'off' }).security.rateLimits).toBe(false)
    for (const bad of ['ip:-1', 'ip:ten', 'window:5', 'burst:4', 'ip:0'])
      expect(() => loadStorefrontConfig({ RATE_LIMIT_CHECKOUT: bad })).toThrow(StorefrontConfigError)
  })
})

describe('reviews', () => {
  it('refuses guests who did not buy the product, so they cannot move its rating', async () => {
    const product = stocked[4]!.productId
    const ratingOf = async () =>
      (
        await new Client(shop.baseUrl).get<{ rating: { average: number; count: number } }>(
          `/api/products/${product}`,
        )
      ).body.rating
    const before = await ratingOf()
    for (let i = 0; i < 6; i++) {
      const guest = new Client(shop.baseUrl, { 'x-forwarded-for': freshIp() })
      await guest.post('/api/session')
      const review = await guest.post<ErrorBody>(`/api/products/${product}/reviews`, {
        rating: 1,
        title: 'Bad',
      })
      expectError(review, 403, 'forbidden')
    }
    expect(await ratingOf()).toEqual(before)

    const { client } = await buyer(shop.baseUrl, stocked[4]!)
    const review = await client.post<{ verifiedPurchase: boolean }>(`/api/products/${product}/reviews`, {
      rating: 4,
      title: 'Fine',
    })
    expect(review.status).toBe(201)
    expect(review.body.verifiedPurchase).toBe(true)
  })
})
