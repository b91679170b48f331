import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, Client, type RunningStorefront, startStorefront, US_ADDRESS } from './support.js'

interface Money {
  amount: number
  currency: string
}
interface Quote {
  methodId: string
  name: string
  price: Money
  estimatedDelivery: { earliest: string; latest: string }
}
interface CartView {
  id: string
  customerId: string | null
  lines: { sku: string; quantity: number }[]
  shippingMethodId: string | null
  shippingQuote: Quote | null
  shippingOptions: Quote[]
  shippingError: { code: string; message: string } | null
  totals: { shippingTotal: Money; total: Money; subtotal: Money }
}
interface Order {
  id: string
  status: string
  estimatedDelivery: { earliest: string; latest: string } | null
  shipments: { id: string; status: string }[]
}

const DE_ADDRESS = {
  name: 'Ada Shopper',
  line1: 'Hauptstr. 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
}

let shop: RunningStorefront
let skus: string[]

beforeAll(async () => {
  shop = await startStorefront({ products: 40 })
  const listing = await new Client(shop.baseUrl).get<{ items: { slug: string }[] }>(
    '/api/products?currency=USD&inStock=true&limit=6&sort=newest',
  )
  skus = []
  for (const { slug } of listing.body.items) {
    const product = await new Client(shop.baseUrl).get<{
      variants: { sku: string; availability: { inStock: boolean } }[]
    }>(`/api/products/${slug}`)
    const sku = product.body.variants.find((v) => v.availability.inStock)?.sku
    if (sku) skus.push(sku)
  }
  expect(skus.length).toBeGreaterThan(2)
})

afterAll(async () => {
  await shop?.close()
})

/** A signed-in device (its own cookie jar) with a USD cart holding one unit of `sku`. */
async function deviceWithCart(sku: string) {
  const device = new Client(shop.baseUrl)
  const session = await device.post<{ customerId: string }>('/api/session')
  const cart = await device.post<CartView>('/api/carts', { currency: 'USD', email: 'dev@example.com' })
  expect((await device.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 1 })).status).toBe(200)
  return { device, customerId: session.body.customerId, cartId: cart.body.id }
}

describe('delivery in the example storefront', () => {
  it('shows a chosen method that cannot ship to the address as unavailable, with what can, and checkout refuses', async () => {
    const { device, cartId } = await deviceWithCart(skus[0]!)
    await device.put(`/api/carts/${cartId}/shipping-address`, US_ADDRESS)
    const us = await device.get<CartView>(`/api/carts/${cartId}`)
    const standard = us.body.shippingOptions.find((q) => q.name === 'Standard')!
    expect(standard).toBeDefined()
    const chosen = await device.put<CartView>(`/api/carts/${cartId}/shipping-method`, {
      shippingMethodId: standard.methodId,
    })
    expect(chosen.body.shippingQuote?.methodId).toBe(standard.methodId)
    expect(chosen.body.shippingError).toBeNull()

    // Moving to Germany: the US method cannot ship there. The cart says so instead of showing 0.
    const moved = await device.put<CartView>(`/api/carts/${cartId}/shipping-address`, DE_ADDRESS)
    expect(moved.status).toBe(200)
    expect(moved.body.shippingQuote).toBeNull()
    expect(moved.body.shippingError).toMatchObject({ code: 'shipping.method_unavailable' })
    expect(moved.body.shippingError?.message).toMatch(/not available for DE/)
    expect(moved.body.shippingOptions.map((q) => q.name)).toEqual(['Standard', 'Express'])
    expect(moved.body.shippingOptions.every((q) => q.methodId !== standard.methodId)).toBe(true)
    const refused = await device.post<{ error: { code: string } }>(
      '/api/checkout',
      { cartId, payment: { method: 'pm_card_visa' } },
      { 'idempotency-key': `unavailable-${cartId}` },
    )
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('shipping.method_unavailable')
  })

  it('keeps the estimated delivery the customer was quoted on the order, and tracks every carrier status', async () => {
    const { device, cartId } = await deviceWithCart(skus[1]!)
    await device.put(`/api/carts/${cartId}/shipping-address`, US_ADDRESS)
    const quoted = await device.get<CartView>(`/api/carts/${cartId}`)
    const express = quoted.body.shippingOptions.find((q) => q.name === 'Express')!
    const view = await device.put<CartView>(`/api/carts/${cartId}/shipping-method`, {
      shippingMethodId: express.methodId,
    })
    const placed = await device.post<{ order: Order }>(
      '/api/checkout',
      { cartId, payment: { method: 'pm_card_visa' } },
      { 'idempotency-key': `estimate-${cartId}` },
    )
    expect(placed.status).toBe(201)
    expect(placed.body.order.estimatedDelivery).toEqual(view.body.shippingQuote?.estimatedDelivery)
    const order = await device.get<Order>(`/api/orders/${placed.body.order.id}`)
    expect(order.body.estimatedDelivery).toEqual(express.estimatedDelivery)
    const history = await device.get<{ items: Order[] }>('/api/orders')
    expect(history.body.items[0]?.estimatedDelivery).toEqual(express.estimatedDelivery)

    const staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    const parcel = await staff.post<{ id: string; status: string }>(
      `/api/admin/orders/${placed.body.order.id}/shipments`,
      { carrier: 'Souk Express', trackingNumber: `SX${Date.now()}` },
    )
    expect([parcel.status, parcel.body.status]).toEqual([201, 'label_created'])
    let minute = 10
    for (const status of ['picked_up', 'in_transit', 'out_for_delivery', 'failed_attempt', 'exception']) {
      const moved = await staff.post<{ status: string }>(`/api/admin/shipments/${parcel.body.id}/tracking`, {
        status,
        occurredAt: `2030-01-01T09:${minute++}:00Z`,
      })
      expect([moved.status, moved.body.status]).toEqual([200, status])
    }
    const bad = await staff.post<{ error: { code: string } }>(
      `/api/admin/shipments/${parcel.body.id}/tracking`,
      {
        status: 'shipped',
      },
    )
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation.failed'])
    await staff.post(`/api/admin/shipments/${parcel.body.id}/tracking`, {
      status: 'delivered',
      occurredAt: '2030-01-01T10:00:00Z',
    })
    const late = await staff.post<{ status: string }>(`/api/admin/shipments/${parcel.body.id}/tracking`, {
      status: 'returned_to_sender',
      occurredAt: '2030-01-01T11:00:00Z',
    })
    expect(late.body.status).toBe('delivered')
    const delivered = await device.get<Order>(`/api/orders/${placed.body.order.id}`)
    expect([delivered.body.status, delivered.body.shipments.map((s) => s.status)]).toEqual([
      'delivered',
      ['delivered'],
    ])
  })

  it('gives a customer their cart on a second device (two cookie jars), merging the cart that device had', async () => {
    // The phone: signed in, a cart with one item.
    const phone = await deviceWithCart(skus[2]!)
    const mine = await phone.device.get<{ cart: CartView | null }>('/api/customer/cart')
    expect(mine.body.cart?.id).toBe(phone.cartId)

    // The laptop: a visitor of its own, with a cart of another item.
    const laptop = await deviceWithCart(skus[3] ?? skus[0]!)
    expect(laptop.customerId).not.toBe(phone.customerId)
    expect((await laptop.device.get<{ cart: CartView }>('/api/customer/cart')).body.cart.id).toBe(
      laptop.cartId,
    )

    // The phone shows a sign-in link; the laptop opens it.
    const link = await phone.device.post<{ token: string; expiresAt: string }>('/api/session/device-links')
    expect(link.status).toBe(201)
    expect(Date.parse(link.body.expiresAt)).toBeGreaterThan(Date.now())
    const signedIn = await laptop.device.post<{ customerId: string; cart: CartView }>(
      '/api/session/device-sign-in',
      { token: link.body.token, cartId: laptop.cartId },
    )
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.customerId).toBe(phone.customerId)
    expect(signedIn.body.cart.id).toBe(phone.cartId)
    expect(signedIn.body.cart.lines.map((l) => l.sku).sort()).toEqual([skus[2]!, skus[3] ?? skus[0]!].sort())

    // Both cookie jars are now the same customer and see the same cart.
    const session = await laptop.device.get<{ customerId: string }>('/api/session')
    expect(session.body.customerId).toBe(phone.customerId)
    const onLaptop = await laptop.device.get<{ cart: CartView }>('/api/customer/cart')
    const onPhone = await phone.device.get<{ cart: CartView }>('/api/customer/cart')
    expect(onLaptop.body.cart.id).toBe(phone.cartId)
    expect(onPhone.body.cart).toEqual(onLaptop.body.cart)
    // The laptop's own cart went into it.
    expect((await laptop.device.get(`/api/carts/${laptop.cartId}`)).status).toBe(404)

    // A second device without a cart of its own just gets the customer's.
    const tablet = new Client(shop.baseUrl)
    const again = await tablet.post<{ cart: CartView }>('/api/session/device-sign-in', {
      token: link.body.token,
    })
    expect(again.body.cart.id).toBe(phone.cartId)
  })

  it('refuses forged, altered and malformed sign-in links, and answers 401 to guests asking for their cart', async () => {
    const { device, customerId } = await deviceWithCart(skus[0]!)
    const link = (await device.post<{ token: string }>('/api/session/device-links')).body.token
    const [, expires, signature] = link.split('.')
    const stranger = new Client(shop.baseUrl)
    for (const token of [
      `cus_someone.${expires}.${signature}`,
      `${customerId}.${Number(expires) + 1}.${signature}`,
      `${customerId}.${Date.now() - 1000}.${signature}`,
      `${customerId}.${expires}`,
      'x'.repeat(200),
    ]) {
      const refused = await stranger.post<{ error: { code: string } }>('/api/session/device-sign-in', {
        token,
      })
      expect([token, refused.status, refused.body.error.code]).toEqual([token, 401, 'unauthorized'])
    }
    const malformed = await stranger.post<{ error: { code: string } }>('/api/session/device-sign-in', {
      token: 'x'.repeat(301),
    })
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'validation.failed'])
    expect((await stranger.get('/api/customer/cart')).status).toBe(401)
    expect((await stranger.post('/api/session/device-links')).status).toBe(401)
  })
})
