import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, Client, type RunningStorefront, startStorefront, US_ADDRESS } from './support.js'

interface Money {
  amount: number
  currency: string
}
interface CartView {
  id: string
  lines: { sku: string; quantity: number; name: string }[]
  promoCode: string | null
  totals: { subtotal: Money; discountTotal: Money; shippingTotal: Money; total: Money; itemCount: number }
}
interface OrderRecord {
  id: string
  displayNumber: string
  status: string
  customerId: string
  totals: CartView['totals']
  lines: { id: string; sku: string; quantity: number }[]
}

let shop: RunningStorefront

beforeAll(async () => {
  shop = await startStorefront({ products: 80 })
})

afterAll(async () => {
  await shop?.close()
})

async function stockOf(sku: string): Promise<number> {
  const { db, schema } = shop.opened.storage
  const { rows } = await sql<{ available: string }>`
    select sum(on_hand - reserved)::text as available from ${sql.id(schema, 'stock_levels')} where sku = ${sku}`.execute(
    db,
  )
  return Number(rows[0]!.available)
}

describe('a purchase over HTTP', () => {
  it('browses, fills a cart, applies a promo, checks out once per key and sees the order', async () => {
    const client = new Client(shop.baseUrl)
    const session = await client.post<{ customerId: string }>('/api/session')
    expect(session.status).toBe(201)
    expect(session.headers.get('set-cookie')).toMatch(/souk_session=.*HttpOnly/i)

    const categories = await client.get<{ items: { id: string; children: unknown[] }[] }>('/api/categories')
    expect(categories.body.items.length).toBeGreaterThan(3)

    const listing = await client.get<{
      items: { slug: string; inStock: boolean; price: Money }[]
      total: number
    }>('/api/products?currency=USD&sort=popular&inStock=true&limit=5')
    expect(listing.status).toBe(200)
    expect(listing.body.items.every((p) => p.inStock && p.price.currency === 'USD')).toBe(true)

    const search = await client.get<{ hits: unknown[]; total: number }>('/api/search?limit=5&facets=category')
    expect(search.status).toBe(200)
    expect(search.body.total).toBeGreaterThan(0)

    const picks: { sku: string; id: string }[] = []
    for (const item of listing.body.items) {
      const product = await client.get<{
        id: string
        variants: { sku: string; price: Money; availability: { available: number } }[]
      }>(`/api/products/${item.slug}?currency=USD`)
      const variant = product.body.variants.find((v) => v.availability.available >= 3)
      if (variant) picks.push({ sku: variant.sku, id: product.body.id })
      if (picks.length === 2) break
    }
    expect(picks).toHaveLength(2)
    const reviews = await client.get<{ items: unknown[] }>(`/api/products/${picks[0]!.id}/reviews`)
    expect(reviews.status).toBe(200)
    const recommendations = await client.get<{ similar: unknown[]; frequentlyBoughtTogether: unknown[] }>(
      `/api/products/${picks[0]!.id}/recommendations?currency=USD`,
    )
    expect(recommendations.status).toBe(200)

    const before = await Promise.all(picks.map((p) => stockOf(p.sku)))
    const created = await client.post<CartView>('/api/carts', { currency: 'USD', email: 'ada@example.com' })
    expect(created.status).toBe(201)
    const cartId = created.body.id
    await client.post(`/api/carts/${cartId}/items`, { sku: picks[0]!.sku, quantity: 1 })
    await client.post(`/api/carts/${cartId}/items`, { sku: picks[1]!.sku, quantity: 2 })
    await client.post(`/api/carts/${cartId}/items`, { sku: picks[0]!.sku, quantity: 1 })
    const updated = await client.patch<CartView>(`/api/carts/${cartId}/items/${picks[1]!.sku}`, {
      quantity: 1,
    })
    expect(updated.body.lines.map((l) => [l.sku, l.quantity])).toEqual([
      [picks[0]!.sku, 2],
      [picks[1]!.sku, 1],
    ])

    await client.put(`/api/carts/${cartId}/shipping-address`, US_ADDRESS)
    const quotes = await client.get<{ items: { methodId: string; name: string; price: Money }[] }>(
      `/api/carts/${cartId}/shipping-quotes`,
    )
    expect(quotes.body.items.map((q) => q.name)).toContain('Express')
    const express = quotes.body.items.find((q) => q.name === 'Express')!
    await client.put(`/api/carts/${cartId}/shipping-method`, { shippingMethodId: express.methodId })
    const promo = await client.post<CartView>(`/api/carts/${cartId}/promo`, { code: 'welcome10' })
    expect(promo.status).toBe(200)
    expect(promo.body.promoCode).toBe('WELCOME10')
    const { subtotal, discountTotal, shippingTotal, total } = promo.body.totals
    expect(discountTotal.amount).toBe(Math.round(subtotal.amount / 10))
    expect(shippingTotal.amount).toBe(express.price.amount)
    expect(total.amount).toBe(subtotal.amount - discountTotal.amount + shippingTotal.amount)

    const key = `purchase-${Date.now()}`
    const body = { cartId, payment: { method: 'pm_card_visa' } }
    const [first, twin] = await Promise.all([
      client.post<{ order: OrderRecord; outcome: string }>('/api/checkout', body, { 'idempotency-key': key }),
      client.post<{ order: OrderRecord; outcome: string }>('/api/checkout', body, { 'idempotency-key': key }),
    ])
    expect(first.status).toBe(201)
    expect(twin.status).toBe(201)
    expect(twin.body.order.id).toBe(first.body.order.id)
    const order = first.body.order
    expect(first.body.outcome).toBe('confirmed')
    expect(order.status).toBe('confirmed')
    expect(order.customerId).toBe(session.body.customerId)
    expect(order.totals.total).toEqual(total)

    const after = await Promise.all(picks.map((p) => stockOf(p.sku)))
    expect(after).toEqual([before[0]! - 2, before[1]! - 1])

    const history = await client.get<{ items: OrderRecord[] }>('/api/orders')
    expect(history.body.items.map((o) => o.id)).toEqual([order.id])
    const detail = await client.get<OrderRecord & { history: { to: string }[]; shipments: unknown[] }>(
      `/api/orders/${order.id}`,
    )
    expect(detail.body.displayNumber).toBe(order.displayNumber)
    expect(detail.body.history.map((h) => h.to)).toContain('confirmed')

    // The seller sees the order on their dashboard.
    const sellerId = (await client.get<{ sellerId: string }>(`/api/products/${picks[0]!.id}`)).body.sellerId
    const staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    const sellerOrders = await staff.get<{ items: OrderRecord[] }>(`/api/sellers/${sellerId}/orders`)
    expect(sellerOrders.body.items.map((o) => o.id)).toContain(order.id)
    const analytics = await staff.get<{ days: unknown[]; topProducts: { productId: string }[] }>(
      `/api/sellers/${sellerId}/analytics`,
    )
    expect(analytics.status).toBe(200)
    expect(analytics.body.topProducts.map((p) => p.productId)).toContain(picks[0]!.id)

    // A verified review from the buyer.
    const review = await client.post<{ verifiedPurchase: boolean }>(`/api/products/${picks[0]!.id}/reviews`, {
      rating: 5,
      title: 'Great',
    })
    expect(review.status).toBe(201)
    expect(review.body.verifiedPurchase).toBe(true)
  })

  it('confirms a 3-D Secure order from the payment webhook on its raw body, once', async () => {
    const payments = shop.opened.testPayments!
    const client = new Client(shop.baseUrl)
    await client.post('/api/session')
    const cart = await client.post<CartView>('/api/carts', { currency: 'USD', email: 'sca@example.com' })
    const listing = await client.get<{ items: { slug: string }[] }>(
      '/api/products?currency=USD&inStock=true&limit=1&sort=popular',
    )
    const product = await client.get<{ variants: { sku: string; availability: { inStock: boolean } }[] }>(
      `/api/products/${listing.body.items[0]!.slug}`,
    )
    const sku = product.body.variants.find((v) => v.availability.inStock)!.sku
    await client.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 1 })
    const placed = await client.post<{ order: OrderRecord; outcome: string; action: { type: string } }>(
      '/api/checkout',
      { cartId: cart.body.id, payment: { method: 'pm_card_threeDSecure2Required' } },
      { 'idempotency-key': `sca-${Date.now()}` },
    )
    expect(placed.status).toBe(202)
    expect(placed.body.outcome).toBe('requires_action')
    const orderId = placed.body.order.id
    const payment = payments.payments().find((p) => p.orderId === orderId)!
    payments.takeWebhooks()
    const delivery = await payments.completeAction(payment.paymentId, 'succeed')

    // The same event re-serialised (other whitespace) no longer matches its signature.
    const reformatted = JSON.stringify(JSON.parse(delivery.rawBody), null, 2)
    const tampered = await client.request('POST', '/webhooks/payments/test', {
      raw: reformatted,
      headers: delivery.headers,
    })
    expect(tampered.status).toBe(400)
    expect((await client.get<OrderRecord>(`/api/orders/${orderId}`)).body.status).toBe('pending_payment')

    const headers = { ...delivery.headers, 'content-type': 'application/json' }
    const applied = await client.request<{ applied: boolean }>('POST', '/webhooks/payments/test', {
      raw: delivery.rawBody,
      headers,
    })
    expect(applied).toMatchObject({ status: 200, body: { received: true, applied: true } })
    expect((await client.get<OrderRecord>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')
    const again = await client.request<{ applied: boolean }>('POST', '/webhooks/payments/test', {
      raw: delivery.rawBody,
      headers,
    })
    expect(again).toMatchObject({ status: 200, body: { applied: false } })
    const unknownProvider = await client.request('POST', '/webhooks/payments/nope', {
      raw: delivery.rawBody,
      headers,
    })
    expect(unknownProvider.status).toBe(404)
  })

  it('exports orders by status, cart additions, checkout durations and stock on /metrics', async () => {
    // /metrics is behind a bearer token: METRICS_TOKEN, else the admin token.
    const client = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    const metrics = await client.get<string>('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = metrics.body
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN)
    expect(value(/^souk_cart_additions_total (\d+)/m)).toBeGreaterThanOrEqual(4)
    expect(value(/^souk_cart_added_units_total (\d+)/m)).toBeGreaterThanOrEqual(5)
    expect(
      value(/^souk_checkout_duration_seconds_count\{outcome="confirmed"\} (\d+)/m),
    ).toBeGreaterThanOrEqual(1)
    expect(value(/^souk_checkout_duration_seconds_count\{outcome="requires_action"\} (\d+)/m)).toBe(1)

    const { db, schema } = shop.opened.storage
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from ${sql.id(schema, 'orders')} where status = 'confirmed'`.execute(db)
    expect(value(/^souk_orders\{status="confirmed"\} (\d+)/m)).toBe(rows[0]!.n)
    expect(value(/^souk_stock_units\{state="on_hand"\} (\d+)/m)).toBeGreaterThan(0)
    expect(text).toMatch(/^souk_stock_skus\{level="out_of_stock"\} \d+/m)
    expect(text).toMatch(
      /^souk_http_request_duration_seconds_count\{method="POST",route="\/api\/checkout",status="201"\}/m,
    )
    expect(text).toMatch(/^process_resident_memory_bytes/m)
  })

  it('keeps an address book per customer', async () => {
    const client = new Client(shop.baseUrl)
    await client.post('/api/session')
    const added = await client.post<{ id: string; isDefaultShipping: boolean; city: string }>(
      '/api/addresses',
      { address: US_ADDRESS },
    )
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ city: 'Austin', isDefaultShipping: true })
    const second = await client.post<{ id: string }>('/api/addresses', {
      address: { ...US_ADDRESS, city: 'Dallas' },
    })
    const defaults = await client.post<{ items: { id: string; isDefaultShipping: boolean }[] }>(
      `/api/addresses/${second.body.id}/default`,
      { kind: 'shipping' },
    )
    expect(defaults.body.items.find((a) => a.isDefaultShipping)?.id).toBe(second.body.id)
    expect(
      (await client.put(`/api/addresses/${added.body.id}`, { ...US_ADDRESS, line1: '2 Side Street' })).status,
    ).toBe(200)
    const bad = await client.post<{ error: { code: string } }>('/api/addresses', {
      address: { ...US_ADDRESS, country: 'usa' },
    })
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation.failed'])

    const stranger = new Client(shop.baseUrl)
    await stranger.post('/api/session')
    expect((await stranger.get<{ items: unknown[] }>('/api/addresses')).body.items).toEqual([])
    expect((await stranger.delete(`/api/addresses/${added.body.id}`)).status).toBe(404)
    expect((await client.delete(`/api/addresses/${added.body.id}`)).status).toBe(204)
    expect((await client.get<{ items: unknown[] }>('/api/addresses')).body.items).toHaveLength(1)
    expect((await new Client(shop.baseUrl).get('/api/addresses')).status).toBe(401)
  })

  it('writes one JSON log line per request and answers /healthz', async () => {
    const client = new Client(shop.baseUrl)
    const before = shop.logs.length
    expect((await client.get('/healthz')).body).toEqual({ status: 'ok' })
    await client.get('/api/products/missing-product')
    await new Promise((r) => setTimeout(r, 20))
    const lines = shop.logs.slice(before)
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['GET', '/healthz', 200],
      ['GET', '/api/products/missing-product', 404],
    ])
    expect(lines[1]).toMatchObject({ msg: 'request', route: '/api/products/:ref', errorCode: 'not_found' })
    expect(typeof lines[0]!.requestId).toBe('string')
  })

  it('serves the browser storefront with the API', async () => {
    const client = new Client(shop.baseUrl)
    const page = await client.get<string>('/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('<main id="main"')
    const script = await client.get<string>('/app.js')
    expect(script.status).toBe(200)
    const config = await client.get<{ testPaymentMethods: string[]; currencies: string[] }>('/api/config')
    expect(config.body.testPaymentMethods).toContain('pm_card_visa')
    expect(config.body.currencies).toEqual(['USD', 'EUR'])
  })
})
