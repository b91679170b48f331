import {
  CLIENT_ID,
  CLIENT_SECRET,
  type PaypalMockServer,
  startPaypalMockServer,
  VAULT,
  WEBHOOK_ID,
} from '@souk/payments-paypal/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type RunningStorefront, startStorefront, US_ADDRESS } from './support.js'

interface OrderView {
  id: string
  status: string
  totals: { total: { amount: number; currency: string } }
}
interface Placed {
  order: OrderView
  outcome: string
  action?: { type: string; clientSecret?: string; url?: string }
}

let paypal: PaypalMockServer
let shop: RunningStorefront

beforeAll(async () => {
  paypal = await startPaypalMockServer()
  // The storefront as `pnpm start` wires it with PAYPAL_* set, its PayPal client pointed at the
  // local PayPal-compatible server (the real @paypal/paypal-server-sdk over HTTP).
  shop = await startStorefront({
    products: 30,
    env: {
      PAYPAL_CLIENT_ID: CLIENT_ID,
      PAYPAL_CLIENT_SECRET: CLIENT_SECRET,
      PAYPAL_WEBHOOK_ID: WEBHOOK_ID,
      PAYPAL_API_BASE_URL: paypal.origin,
    },
  })
})

afterAll(async () => {
  await shop?.close()
  await paypal?.close()
})

/** A signed-in shopper with one in-stock item in a USD cart shipped to Texas. */
async function readyCart(email: string): Promise<{ client: Client; cartId: string }> {
  const client = new Client(shop.baseUrl)
  await client.post('/api/session')
  const cart = await client.post<{ id: string }>('/api/carts', { currency: 'USD', email })
  const listing = await client.get<{ items: { slug: string }[] }>(
    '/api/products?currency=USD&inStock=true&limit=1',
  )
  const product = await client.get<{ variants: { sku: string; availability: { inStock: boolean } }[] }>(
    `/api/products/${listing.body.items[0]!.slug}`,
  )
  const sku = product.body.variants.find((v) => v.availability.inStock)!.sku
  expect((await client.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 1 })).status).toBe(200)
  await client.put(`/api/carts/${cart.body.id}/shipping-address`, US_ADDRESS)
  return { client, cartId: cart.body.id }
}

const paypalOrderOf = (soukOrderId: string) =>
  paypal.orders().find((o) => (o.purchase_units as { custom_id?: string }[])[0]?.custom_id === soukOrderId)

describe('checkout with PayPal through the example API', () => {
  it('describes PayPal among the providers when PAYPAL_* is set', () => {
    expect(shop.opened.description.join('\n')).toMatch(/PayPal \(provider "paypal"/)
  })

  it('places an order paid with a saved PayPal card: authorized at PayPal, order confirmed, once per key', async () => {
    const { client, cartId } = await readyCart('paypal@example.com')
    const key = `paypal-${Date.now()}`
    const body = { cartId, payment: { provider: 'paypal', method: VAULT.approve } }
    const placed = await client.post<Placed>('/api/checkout', body, { 'idempotency-key': key })
    expect(placed.status).toBe(201)
    expect(placed.body.outcome).toBe('confirmed')
    const orderId = placed.body.order.id
    const atPaypal = paypalOrderOf(orderId) as {
      id: string
      intent: string
      purchase_units: {
        amount: { currency_code: string; value: string }
        payments: { authorizations: { status: string }[] }
      }[]
    }
    expect(atPaypal.intent).toBe('AUTHORIZE')
    expect(atPaypal.purchase_units[0]?.payments.authorizations[0]?.status).toBe('CREATED')
    // The order total in minor units is PayPal's decimal string.
    const total = placed.body.order.totals.total
    expect(atPaypal.purchase_units[0]?.amount).toEqual({
      currency_code: 'USD',
      value: `${Math.trunc(total.amount / 100)}.${String(total.amount % 100).padStart(2, '0')}`,
    })
    // The SDK sent the checkout's idempotency-derived key as PayPal-Request-Id; a retry replays.
    const again = await client.post<Placed>('/api/checkout', body, { 'idempotency-key': key })
    expect(again.body.order.id).toBe(orderId)
    expect(
      paypal.orders().filter((o) => (o.purchase_units as { custom_id?: string }[])[0]?.custom_id === orderId),
    ).toHaveLength(1)
    expect((await client.get<OrderView>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')
  })

  it('answers 402 payment.declined with PayPal’s processor code; the cart can then pay another way', async () => {
    const { client, cartId } = await readyCart('declined@example.com')
    const declined = await client.post<{ error: { code: string; details: { failureCode?: string } } }>(
      '/api/checkout',
      { cartId, payment: { provider: 'paypal', method: VAULT.decline } },
      { 'idempotency-key': `paypal-decline-${Date.now()}` },
    )
    expect(declined.status).toBe(402)
    expect(declined.body.error.code).toBe('payment.declined')
    expect(declined.body.error.details.failureCode).toBe('0500')
    // The decline released the reservation and left the cart open: a saved PayPal wallet pays it.
    const paid = await client.post<Placed>(
      '/api/checkout',
      { cartId, payment: { provider: 'paypal', method: `paypal:${VAULT.wallet}` } },
      { 'idempotency-key': `paypal-wallet-${Date.now()}` },
    )
    expect(paid.status).toBe(201)
    expect(paid.body.outcome).toBe('confirmed')
  })

  it('waits for 3-D Secure, then confirms from PayPal’s signed webhook; a forged one is refused', async () => {
    const { client, cartId } = await readyCart('sca-paypal@example.com')
    const placed = await client.post<Placed>(
      '/api/checkout',
      { cartId, payment: { provider: 'paypal', method: VAULT.threeDSecure } },
      { 'idempotency-key': `paypal-3ds-${Date.now()}` },
    )
    expect(placed.status).toBe(202)
    expect(placed.body.outcome).toBe('requires_action')
    expect(placed.body.action?.type).toBe('payer_action')
    const orderId = placed.body.order.id
    const paypalOrderId = placed.body.action?.clientSecret as string
    expect(paypalOrderOf(orderId)?.id).toBe(paypalOrderId)

    const delivery = paypal.deliver(paypal.completeAction(paypalOrderId, 'succeed'))
    const forged = await client.request('POST', '/webhooks/payments/paypal', {
      raw: delivery.rawBody.replace('"CREATED"', '"VOIDED"'),
      headers: delivery.headers,
    })
    expect(forged.status).toBe(400)
    expect((await client.get<OrderView>(`/api/orders/${orderId}`)).body.status).toBe('pending_payment')

    const applied = await client.request<{ applied: boolean }>('POST', '/webhooks/payments/paypal', {
      raw: delivery.rawBody,
      headers: delivery.headers,
    })
    expect(applied).toMatchObject({ status: 200, body: { received: true, applied: true } })
    expect((await client.get<OrderView>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')
    const redelivered = await client.request<{ applied: boolean }>('POST', '/webhooks/payments/paypal', {
      raw: delivery.rawBody,
      headers: delivery.headers,
    })
    expect(redelivered).toMatchObject({ status: 200, body: { applied: false } })
  })

  it('pays with the PayPal button: payer approval at PayPal, the complete route, then the webhook', async () => {
    const { client, cartId } = await readyCart('button@example.com')
    const placed = await client.post<Placed>(
      '/api/checkout',
      { cartId, payment: { provider: 'paypal', returnUrl: `${shop.baseUrl}/#/orders` } },
      { 'idempotency-key': `paypal-button-${Date.now()}` },
    )
    expect(placed.status).toBe(202)
    expect(placed.body.action).toMatchObject({
      type: 'payer_action',
      url: expect.stringMatching(/checkoutnow/),
    })
    const orderId = placed.body.order.id
    const paypalOrderId = placed.body.action?.clientSecret as string

    // Before the payer approved, nothing can be completed.
    const early = await client.post<{ error: { code: string } }>(
      `/api/checkout/paypal/${paypalOrderId}/complete`,
    )
    expect([early.status, early.body.error.code]).toEqual([409, 'payment.invalid_state'])
    paypal.completeAction(paypalOrderId, 'succeed') // the payer approves on PayPal's page

    const completed = await client.post<{ payment: { status: string; orderId: string } }>(
      `/api/checkout/paypal/${paypalOrderId}/complete`,
    )
    expect(completed.status).toBe(200)
    expect(completed.body.payment).toMatchObject({ status: 'authorized', orderId })
    const again = await client.post<{ payment: { status: string } }>(
      `/api/checkout/paypal/${paypalOrderId}/complete`,
    )
    expect(again.body.payment.status).toBe('authorized')
    expect(
      (paypalOrderOf(orderId) as { purchase_units: { payments: { authorizations: unknown[] } }[] })
        .purchase_units[0]?.payments.authorizations,
    ).toHaveLength(1)

    // PayPal then posts PAYMENT.AUTHORIZATION.CREATED, which confirms the order.
    const event = paypal.events.findLast((e) => e.event_type === 'PAYMENT.AUTHORIZATION.CREATED')!
    const delivery = paypal.deliver(event)
    const applied = await client.request('POST', '/webhooks/payments/paypal', {
      raw: delivery.rawBody,
      headers: delivery.headers,
    })
    expect(applied.status).toBe(200)
    expect((await client.get<OrderView>(`/api/orders/${orderId}`)).body.status).toBe('confirmed')

    expect((await client.post('/api/checkout/paypal/..%2Fv1%2Frefunds/complete')).status).toBe(400)
    expect((await client.post('/api/checkout/paypal/5O190127TN364715T/complete')).status).toBe(404)
  })
})
