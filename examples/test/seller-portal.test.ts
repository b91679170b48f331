import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app/create-app.js'
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
  error: { code: string }
}
interface Part {
  orderId: string
  status: string
  lines: { orderLineId: string; sku: string; remainingQuantity: number }[]
}

const ANA_TOKEN = 'seller-ana-token-0123456789'
const BEN_TOKEN = 'seller-ben-token-0123456789'

let shop: RunningStorefront
let server: Server
let baseUrl: string
let ana: string
let ben: string

beforeAll(async () => {
  shop = await startStorefront({ products: 12, seed: 'seller-portal' })
  const { catalog } = shop.opened.commerce
  ana = (await catalog.createSeller({ slug: 'ana-ceramics', name: 'Ana Ceramics' })).id
  ben = (await catalog.createSeller({ slug: 'ben-textiles', name: 'Ben Textiles' })).id
  const { app } = createApp(shop.opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: null,
    publicDir: PUBLIC_DIR,
    log: () => undefined,
    testPayments: true,
    security: { rateLimits: false, sellerTokens: { [ana]: ANA_TOKEN, [ben]: BEN_TOKEN } },
  })
  server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
  await shop?.close()
})

const as = (token: string) => new Client(baseUrl, { authorization: `Bearer ${token}` })

function expectError(response: { status: number; body: unknown }, status: number, code: string) {
  expect({ status: response.status, code: (response.body as ErrorBody).error?.code }).toEqual({
    status,
    code,
  })
}

/** Each seller lists one product and stocks it through their own portal. */
async function listProduct(token: string, sellerId: string, sku: string) {
  const created = await as(token).post<{ id: string; sellerId: string }>(
    `/api/sellers/${sellerId}/products`,
    {
      slug: sku.toLowerCase(),
      name: `Item ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 2500, currency: 'USD' }] }],
    },
  )
  expect(created.status).toBe(201)
  expect(created.body.sellerId).toBe(sellerId)
  expect((await as(token).put(`/api/sellers/${sellerId}/stock/${sku}`, { onHand: 8 })).status).toBe(200)
  return created.body.id
}

describe('seller portal API', () => {
  it('lets each seller manage and ship only what is theirs', async () => {
    const anaProduct = await listProduct(ANA_TOKEN, ana, 'ANA-BOWL')
    await listProduct(BEN_TOKEN, ben, 'BEN-SCARF')

    // Another seller's token on the path: 403; another seller's ids through one's own path: 404.
    expectError(await as(BEN_TOKEN).get(`/api/sellers/${ana}/products`), 403, 'forbidden')
    const ben_ = as(BEN_TOKEN)
    expectError(
      await ben_.patch(`/api/sellers/${ben}/products/${anaProduct}`, { name: 'Mine' }),
      404,
      'not_found',
    )
    expectError(await ben_.post(`/api/sellers/${ben}/products/${anaProduct}/archive`), 404, 'not_found')
    expectError(await ben_.put(`/api/sellers/${ben}/stock/ANA-BOWL`, { onHand: 0 }), 404, 'not_found')
    expectError(await ben_.get(`/api/sellers/${ben}/stock/ANA-BOWL`), 404, 'not_found')
    expectError(
      await ben_.post(`/api/sellers/${ben}/products`, {
        slug: 'sneaky',
        name: 'Sneaky',
        sellerId: ana,
        variants: [{ sku: 'SNEAKY', prices: [{ amount: 1, currency: 'USD' }] }],
      }),
      400,
      'validation.failed',
    )
    const anaStock = await as(ANA_TOKEN).get<{ items: { onHand: number }[] }>(
      `/api/sellers/${ana}/stock/ANA-BOWL`,
    )
    expect(anaStock.body.items.map((l) => l.onHand)).toEqual([8])
    const listed = await ben_.get<{ items: { id: string }[] }>(`/api/sellers/${ben}/products`)
    expect(listed.body.items.map((p) => p.id)).not.toContain(anaProduct)

    // A shopper buys from both in one order.
    const shopper = new Client(baseUrl)
    expect((await shopper.post('/api/session')).status).toBe(201)
    const cart = await shopper.post<{ id: string }>('/api/carts', {
      currency: 'USD',
      email: 'two@example.com',
    })
    for (const sku of ['ANA-BOWL', 'BEN-SCARF'])
      expect((await shopper.post(`/api/carts/${cart.body.id}/items`, { sku, quantity: 2 })).status).toBe(200)
    await shopper.put(`/api/carts/${cart.body.id}/shipping-address`, US_ADDRESS)
    const placed = await shopper.post<{ order: { id: string } }>(
      '/api/checkout',
      { cartId: cart.body.id, payment: { method: 'pm_card_visa' } },
      { 'idempotency-key': 'seller-portal-order' },
    )
    expect(placed.status).toBe(201)
    const orderId = placed.body.order.id
    const orderStatus = async () =>
      (await as(ADMIN_TOKEN).get<{ status: string }>(`/api/admin/orders/${orderId}`)).body.status

    const anaParts = await as(ANA_TOKEN).get<{ items: Part[] }>(`/api/sellers/${ana}/fulfilments`)
    const anaPart = anaParts.body.items.find((p) => p.orderId === orderId)!
    expect(anaPart.status).toBe('unfulfilled')
    expect(anaPart.lines.map((l) => l.sku)).toEqual(['ANA-BOWL'])
    const benToShip = await ben_.get<{ items: Part[] }>(`/api/sellers/${ben}/fulfilments?toShip=true`)
    expect(benToShip.body.items.map((p) => p.orderId)).toEqual([orderId])
    const benPart = (await ben_.get<Part>(`/api/sellers/${ben}/fulfilments/${orderId}`)).body
    expect(benPart.lines.map((l) => l.sku)).toEqual(['BEN-SCARF'])

    // Staff cannot ship both sellers in one parcel; Ana cannot ship Ben's line.
    expectError(
      await as(ADMIN_TOKEN).post(`/api/admin/orders/${orderId}/shipments`, {
        carrier: 'UPS',
        trackingNumber: 'MIX',
      }),
      422,
      'shipment.mixed_sellers',
    )
    expectError(
      await as(ANA_TOKEN).post(`/api/sellers/${ana}/fulfilments/${orderId}/shipments`, {
        carrier: 'DHL',
        trackingNumber: 'ANA-X',
        lines: [{ lineId: benPart.lines[0]!.orderLineId, quantity: 1 }],
      }),
      404,
      'not_found',
    )

    const anaParcel = await as(ANA_TOKEN).post<{ id: string }>(
      `/api/sellers/${ana}/fulfilments/${orderId}/shipments`,
      { carrier: 'DHL', trackingNumber: 'ANA-1' },
    )
    expect(anaParcel.status).toBe(201)
    expect(await orderStatus()).toBe('partially_shipped')
    const benParcel = await ben_.post<{ id: string }>(
      `/api/sellers/${ben}/fulfilments/${orderId}/shipments`,
      {
        carrier: 'UPS',
        trackingNumber: 'BEN-1',
      },
    )
    expect(benParcel.status).toBe(201)
    expect(await orderStatus()).toBe('shipped')
    expect(
      (await ben_.get<{ items: Part[] }>(`/api/sellers/${ben}/fulfilments?toShip=true`)).body.items,
    ).toEqual([])

    expectError(
      await ben_.post(`/api/sellers/${ben}/shipments/${anaParcel.body.id}/tracking`, { status: 'delivered' }),
      404,
      'not_found',
    )
    expect(
      (
        await as(ANA_TOKEN).post(`/api/sellers/${ana}/shipments/${anaParcel.body.id}/tracking`, {
          status: 'delivered',
        })
      ).status,
    ).toBe(200)
    expect((await as(ANA_TOKEN).get<Part>(`/api/sellers/${ana}/fulfilments/${orderId}`)).body.status).toBe(
      'delivered',
    )
    expect(await orderStatus()).toBe('shipped')
    // Staff may act in any seller's portal.
    expect(
      (
        await as(ADMIN_TOKEN).post(`/api/sellers/${ben}/shipments/${benParcel.body.id}/tracking`, {
          status: 'delivered',
        })
      ).status,
    ).toBe(200)
    expect(await orderStatus()).toBe('delivered')
  })
})
