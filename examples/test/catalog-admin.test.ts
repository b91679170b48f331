import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, Client, type RunningStorefront, startStorefront } from './support.js'

interface Category {
  id: string
  slug: string
  name: string
  parentId: string | null
  path: string[]
}

interface ErrorBody {
  error?: { code: string; details?: { field?: string } }
}
const failure = (response: { status: number; body: ErrorBody }) => [
  response.status,
  response.body.error?.code,
]

describe('catalog admin over HTTP', () => {
  let shop: RunningStorefront
  let staff: Client
  beforeAll(async () => {
    shop = await startStorefront({ products: 10 })
    staff = new Client(shop.baseUrl, { authorization: `Bearer ${ADMIN_TOKEN}` })
  })
  afterAll(() => shop?.close())

  it('renames, moves and deletes categories, with typed 4xx answers', async () => {
    const parent = (
      await staff.post<Category>('/api/admin/categories', { slug: 'http-parent', name: 'Parent' })
    ).body
    const child = (
      await staff.post<Category>('/api/admin/categories', {
        slug: 'http-child',
        name: 'Child',
        parentId: parent.id,
      })
    ).body
    const renamed = await staff.patch<Category>(`/api/admin/categories/${child.id}`, {
      name: 'Renamed child',
    })
    expect(renamed.status).toBe(200)
    expect(renamed.body.name).toBe('Renamed child')
    const taken = await staff.patch(`/api/admin/categories/${child.id}`, { slug: 'http-parent' })
    expect(failure(taken)).toEqual([409, 'conflict'])

    const cycle = await staff.post(`/api/admin/categories/${parent.id}/move`, { parentId: child.id })
    expect(failure(cycle)).toEqual([400, 'validation.failed'])
    const moved = await staff.post<Category>(`/api/admin/categories/${child.id}/move`, { parentId: null })
    expect(moved.body).toMatchObject({ parentId: null, path: [child.id] })

    const product = await staff.post('/api/admin/products', {
      slug: 'http-categorised',
      name: 'Categorised',
      status: 'active',
      categoryId: child.id,
      variants: [{ sku: 'HTTP-CAT-1', prices: [{ amount: 100, currency: 'USD' }] }],
    })
    expect(product.status).toBe(201)
    const busy = await staff.delete(`/api/admin/categories/${child.id}`)
    expect([...failure(busy), (busy.body as ErrorBody).error?.details?.field]).toEqual([
      409,
      'conflict',
      'products',
    ])
    expect((await staff.delete(`/api/admin/categories/${parent.id}`)).status).toBe(204)
    const gone = await staff.delete(`/api/admin/categories/${parent.id}`)
    expect(failure(gone)).toEqual([404, 'not_found'])
    const anonymous = await new Client(shop.baseUrl).delete(`/api/admin/categories/${child.id}`)
    expect(anonymous.status).toBe(401)
  })

  it('updates shipping zones, methods and promotions', async () => {
    const zone = (
      await staff.post<{ id: string }>('/api/admin/shipping/zones', { name: 'Nordics', countries: ['SE'] })
    ).body
    const zoneUpdate = await staff.patch(`/api/admin/shipping/zones/${zone.id}`, {
      countries: ['SE', 'NO', 'DK'],
    })
    expect(zoneUpdate.body).toMatchObject({ countries: ['SE', 'NO', 'DK'] })
    const method = (
      await staff.post<{ id: string }>('/api/admin/shipping/methods', {
        zoneId: zone.id,
        kind: 'flat',
        name: 'Posten',
        price: { amount: 900, currency: 'USD' },
        estimatedDays: { min: 2, max: 5 },
      })
    ).body
    const methodUpdate = await staff.patch(`/api/admin/shipping/methods/${method.id}`, {
      price: { amount: 700, currency: 'USD' },
    })
    expect(methodUpdate.body).toMatchObject({ price: { amount: 700, currency: 'USD' } })
    const bad = await staff.patch(`/api/admin/shipping/methods/${method.id}`, {
      estimatedDays: { min: 3, max: 1 },
    })
    expect(failure(bad)).toEqual([400, 'validation.failed'])
    expect((await staff.patch('/api/admin/shipping/zones/shz_nope', { name: 'x' })).status).toBe(404)

    const promo = (
      await staff.post<{ id: string }>('/api/admin/promotions', {
        code: 'HTTPUPD',
        kind: 'percentage',
        percent: '5',
      })
    ).body
    const promoUpdate = await staff.patch(`/api/admin/promotions/${promo.id}`, {
      percent: '7.5',
      usageLimit: 10,
    })
    expect(promoUpdate.body).toMatchObject({ percent: '7.5', usageLimit: 10, timesUsed: 0 })
    const counter = await staff.patch(`/api/admin/promotions/${promo.id}`, { timesUsed: 99 })
    expect(failure(counter)).toEqual([400, 'validation.failed'])
  })

  it('imports and exports products as CSV', async () => {
    const csv =
      'handle,name,sku,options,price:USD,stock:default\r\nhttp-csv-tee,"CSV tee, blue",HTTP-CSV-1,size=M,1999,4\r\n'
    const dry = await staff.post('/api/admin/catalog/import', { csv, dryRun: true })
    expect(dry.body).toMatchObject({ dryRun: true, created: 1, errorCount: 0 })
    const imported = await staff.post('/api/admin/catalog/import', { csv })
    expect(imported.body).toMatchObject({ created: 1, stockLevels: 1, errorCount: 0 })
    const bad = await staff.post('/api/admin/catalog/import', {
      csv: 'handle,name,sku,price:USD\nx,"open,X,1\n',
    })
    expect(failure(bad)).toEqual([400, 'validation.failed'])
    const rows = await staff.post('/api/admin/catalog/import', {
      csv: 'handle,name,sku,price:USD\nneg,Neg,NEG-1,-1\n',
    })
    expect(rows.body).toMatchObject({ failed: 1, errors: [{ line: 2, column: 'price:USD' }] })

    const exported = await staff.get('/api/admin/catalog/export')
    expect(exported.status).toBe(200)
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/)
    const text = exported.body as unknown as string
    expect(text.split('\r\n')[0]).toMatch(/^handle,name,description,status,category,/)
    expect(text).toContain('http-csv-tee,"CSV tee, blue",')
    // The seeded demo catalog comes along: one row per variant.
    expect(text.split('\r\n').length).toBeGreaterThan(shop.seed.variants)
  })
})
