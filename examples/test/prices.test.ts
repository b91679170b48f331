import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, Client, type RunningStorefront, startStorefront } from './support.js'

interface Money {
  amount: number
  currency: string
}
interface Variant {
  sku: string
  price: Money | null
  wasPrice: Money | null
  compareAtPrice: Money | null
}
interface Schedule {
  id: string
  sku: string
  price: Money
}

let shop: RunningStorefront
let staff: Client
const usd = (amount: number) => ({ amount, currency: 'USD' })

beforeAll(async () => {
  shop = await startStorefront({ products: 4, seed: 'prices' })
  staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
})
afterAll(() => shop?.close())

describe('example storefront: compare-at and scheduled prices', () => {
  it('sets a compare-at price, schedules a sale, shows both on product, listing and cart, and cancels it', async () => {
    const created = await staff.post<{ id: string }>('/api/admin/products', {
      slug: 'sale-lamp',
      name: 'Sale lamp',
      status: 'active',
      tags: ['sale-lamp'],
      variants: [{ sku: 'SALE-LAMP', prices: [usd(4000)], compareAtPrice: usd(5000) }],
    })
    expect(created.status).toBe(201)
    expect((await staff.put('/api/admin/stock/SALE-LAMP', { onHand: 10 })).status).toBe(200)

    const product = async () =>
      (await staff.get<{ variants: Variant[] }>('/api/products/sale-lamp?currency=USD')).body.variants[0]!
    expect(await product()).toMatchObject({
      price: usd(4000),
      wasPrice: usd(5000),
      compareAtPrice: usd(5000),
    })

    const now = Date.now()
    const scheduled = await staff.post<Schedule>('/api/admin/prices/schedules', {
      sku: 'SALE-LAMP',
      price: usd(2900),
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 60 * 60_000).toISOString(),
    })
    expect(scheduled.status).toBe(201)
    expect(scheduled.body).toMatchObject({ sku: 'SALE-LAMP', price: usd(2900) })
    expect(await product()).toMatchObject({ price: usd(2900), wasPrice: usd(5000) })
    const listed = await staff.get<{ items: { price: Money; wasPrice: Money | null }[] }>(
      '/api/products?currency=USD&tags=sale-lamp',
    )
    expect(listed.body.items.map((i) => [i.price, i.wasPrice])).toEqual([[usd(2900), usd(5000)]])

    const shopper = new Client(shop.baseUrl)
    const cart = await shopper.post<{ id: string }>('/api/carts', { currency: 'USD' })
    const added = await shopper.post<{ lines: { unitPrice: Money; wasPrice: Money | null }[] }>(
      `/api/carts/${cart.body.id}/items`,
      { sku: 'SALE-LAMP', quantity: 1 },
    )
    expect(added.body.lines.map((l) => [l.unitPrice, l.wasPrice])).toEqual([[usd(2900), usd(5000)]])

    const listing = await staff.get<{ items: Schedule[]; nextCursor: string | null }>(
      '/api/admin/prices/schedules?sku=SALE-LAMP&current=true',
    )
    expect(listing.body.items.map((s) => s.id)).toEqual([scheduled.body.id])
    const overlap = await staff.post('/api/admin/prices/schedules', {
      sku: 'SALE-LAMP',
      price: usd(2500),
      startsAt: new Date(now).toISOString(),
    })
    expect(overlap.status).toBe(409)

    expect((await staff.delete(`/api/admin/prices/schedules/${scheduled.body.id}`)).status).toBe(200)
    expect(await product()).toMatchObject({ price: usd(4000), wasPrice: usd(5000) })
    expect((await staff.delete(`/api/admin/prices/schedules/${scheduled.body.id}`)).status).toBe(404)
  })

  it('answers 400 to bad prices and schedules, 401/403 to shoppers, never a driver message', async () => {
    const bad = [
      [
        '/api/admin/products',
        {
          slug: 'bad-lamp',
          name: 'Bad',
          variants: [{ sku: 'BAD-LAMP', prices: [usd(4000)], compareAtPrice: usd(4000) }],
        },
      ],
      [
        '/api/admin/products',
        {
          slug: 'bad-lamp',
          name: 'Bad',
          variants: [
            { sku: 'BAD-LAMP', prices: [usd(4000)], compareAtPrice: { amount: 5000, currency: 'EUR' } },
          ],
        },
      ],
      ['/api/admin/prices/schedules', { sku: 'SALE-LAMP', price: usd(1), startsAt: 'soon' }],
      [
        '/api/admin/prices/schedules',
        { sku: 'SALE-LAMP', price: usd(1), startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
      ],
      [
        '/api/admin/prices/schedules',
        { sku: 'SALE-LAMP', price: { amount: 1.5, currency: 'USD' }, startsAt: '2030-01-02T00:00:00Z' },
      ],
    ] as const
    for (const [path, body] of bad) {
      const response = await staff.post<{ error: { code: string; message: string } }>(path, body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.body.error.code).toBe('validation.failed')
      expect(JSON.stringify(response.body)).not.toMatch(/SQLSTATE|postgres|relation|syntax/i)
    }
    expect((await staff.get('/api/admin/prices/schedules?cursor=forged')).status).toBe(400)
    expect((await staff.get('/api/admin/prices/schedules?limit=0')).status).toBe(400)
    const anonymous = await new Client(shop.baseUrl).post('/api/admin/prices/schedules', {
      sku: 'SALE-LAMP',
      price: usd(1),
      startsAt: '2030-01-02T00:00:00Z',
    })
    expect([401, 403]).toContain(anonymous.status)
  })
})
