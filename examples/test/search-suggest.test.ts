import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, Client, type RunningStorefront, startStorefront } from './support.js'

interface Suggestions {
  products: { id: string; slug: string; name: string; exact: boolean }[]
  categories: { id: string; name: string; count: number; exact: boolean }[]
}

let shop: RunningStorefront

beforeAll(async () => {
  shop = await startStorefront({ products: 120, seed: 'suggest' })
})

afterAll(async () => {
  await shop?.close()
})

describe('GET /api/search/suggest on the demo catalog', () => {
  it('completes a misspelt prefix to headphones and the Headphones category', async () => {
    const client = new Client(shop.baseUrl)
    for (const q of ['hedp', 'haedph', 'headph']) {
      const { status, body } = await client.get<Suggestions>(`/api/search/suggest?q=${q}`)
      expect(status, q).toBe(200)
      expect(body.products.length, q).toBeGreaterThan(0)
      expect(body.products.length, q).toBeLessThanOrEqual(8)
      for (const p of body.products) expect(p.name, q).toMatch(/Headphones/)
      expect(
        body.categories.map((c) => c.name),
        q,
      ).toContain('Headphones')
      expect(
        body.products.every((p) => p.exact === (q === 'headph')),
        q,
      ).toBe(true)
    }
    const { body } = await client.get<Suggestions>('/api/search/suggest?q=c&limit=2')
    expect(body.products).toHaveLength(2)
    expect(body.categories.length).toBeLessThanOrEqual(2)
  })

  it('answers nothing typed with nothing, and refuses bad input with 400', async () => {
    const client = new Client(shop.baseUrl)
    for (const path of ['/api/search/suggest', '/api/search/suggest?q=%20%20']) {
      const { status, body } = await client.get<Suggestions>(path)
      expect(status).toBe(200)
      expect(body).toEqual({ products: [], categories: [] })
    }
    for (const path of [
      `/api/search/suggest?q=${'x'.repeat(101)}`,
      '/api/search/suggest?q=a&limit=21',
      '/api/search/suggest?q=a&limit=zero',
      '/api/search/suggest?q=a%00b',
    ]) {
      const { status, body } = await client.get<{ error: { code: string } }>(path)
      expect(status, path).toBe(400)
      expect(body.error.code, path).toBe('validation.failed')
    }
  })

  it('lets staff add a synonym set that search and suggest then apply, and remove it', async () => {
    const shopper = new Client(shop.baseUrl)
    const staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
    const total = async (q: string) =>
      (await shopper.get<{ total: number }>(`/api/search?q=${encodeURIComponent(q)}`)).body.total
    const before = await total('jumper')
    expect((await shopper.request('PUT', '/api/admin/search/synonyms/jumper', { body: {} })).status).toBe(401)
    const put = await staff.put('/api/admin/search/synonyms/jumper', {
      terms: ['Jumper', 'sweater', 'hoodie', 'cardigan'],
    })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ id: 'jumper', terms: ['jumper', 'sweater', 'hoodie', 'cardigan'], root: null })
    const after = await total('jumper')
    expect(after).toBeGreaterThan(0)
    expect(after).toBeGreaterThanOrEqual(await total('sweater'))
    expect(after).toBeGreaterThanOrEqual(await total('hoodie'))
    const suggested = await shopper.get<Suggestions>('/api/search/suggest?q=jumper')
    expect(suggested.body.products.length).toBeGreaterThan(0)
    expect(suggested.body.products.every((p) => /sweater|hoodie|cardigan/i.test(p.name))).toBe(true)
    const list = await staff.get<{ items: { id: string }[]; nextCursor: string | null }>(
      '/api/admin/search/synonyms?limit=10',
    )
    expect(list.body.items.map((s) => s.id)).toContain('jumper')
    const bad = await staff.put<{ error: { code: string } }>('/api/admin/search/synonyms/x', {
      terms: ['one'],
    })
    expect(bad.status).toBe(400)
    expect((await staff.delete('/api/admin/search/synonyms/jumper')).status).toBe(204)
    expect((await staff.delete('/api/admin/search/synonyms/jumper')).status).toBe(404)
    expect(await total('jumper')).toBe(before)
  })
})
