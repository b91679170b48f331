import { type CategoryNode, type Commerce, createCommerce, createMemoryCache, silentLogger } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers, postgresFixture, type StorageFixture } from './support.js'

let n = 0
const unique = (base: string) => `${base}-${++n}-${Math.random().toString(36).slice(2, 7)}`

async function tree(commerce: Commerce) {
  const root = await commerce.catalog.createCategory({ slug: unique('root'), name: 'Root' })
  const clothing = await commerce.catalog.createCategory({ slug: unique('clothing'), name: 'Clothing' })
  const tops = await commerce.catalog.createCategory({
    slug: unique('tops'),
    name: 'Tops',
    parentId: clothing.id,
  })
  const tees = await commerce.catalog.createCategory({
    slug: unique('tees'),
    name: 'Tees',
    parentId: tops.id,
  })
  const sale = await commerce.catalog.createCategory({
    slug: unique('sale'),
    name: 'Sale',
    parentId: root.id,
  })
  const sku = unique('TEE').toUpperCase()
  const product = await commerce.catalog.createProduct({
    slug: unique('moved-tee'),
    name: 'Relocated cotton tee',
    status: 'active',
    categoryId: tees.id,
    variants: [{ sku, prices: [{ amount: 1500, currency: 'USD' }] }],
  })
  return { root, clothing, tops, tees, sale, product }
}

describeOnDrivers('category_admin', (fixture) => {
  let commerce: Commerce
  beforeAll(() => {
    // A cache, so the test also shows that moves and renames drop cached reads.
    commerce = createCommerce({
      storage: fixture().storage,
      logger: silentLogger,
      cache: createMemoryCache(),
    })
  })
  afterAll(() => commerce.close())

  it('moves a subtree: listings and search find its products under the new ancestors only', async () => {
    const { root, clothing, tops, tees, product } = await tree(commerce)
    await commerce.search.sync()
    const listed = async (categoryId: string) =>
      (await commerce.catalog.listProducts({ categoryId })).items.map((p) => p.id)
    const searched = async (categoryId: string) =>
      (await commerce.search.query({ filters: { categoryId } })).hits.map((h) => h.id)
    expect(await listed(clothing.id)).toEqual([product.id])
    expect(await searched(clothing.id)).toEqual([product.id])
    expect(await listed(root.id)).toEqual([])
    await commerce.catalog.getProduct({ productId: product.id }) // cached now

    const moved = await commerce.catalog.moveCategory({ categoryId: tops.id, parentId: root.id, position: 3 })
    expect(moved).toMatchObject({ id: tops.id, parentId: root.id, path: [root.id, tops.id], position: 3 })

    expect(await listed(root.id)).toEqual([product.id])
    expect(await listed(clothing.id)).toEqual([])
    const detail = await commerce.catalog.getProduct({ productId: product.id })
    expect(detail.categoryPath.map((c) => c.id)).toEqual([root.id, tops.id, tees.id])
    const flat = (nodes: readonly CategoryNode[]): string[] =>
      nodes.flatMap((c) => [c.path.join('>'), ...flat(c.children)])
    expect(flat(await commerce.catalog.listCategories())).toContain(`${root.id}>${tops.id}>${tees.id}`)

    const report = await commerce.search.sync()
    expect(report.upserted).toBeGreaterThanOrEqual(1)
    expect(await searched(root.id)).toEqual([product.id])
    expect(await searched(tops.id)).toEqual([product.id])
    expect(await searched(clothing.id)).toEqual([])

    // Back to the root level.
    const rooted = await commerce.catalog.moveCategory({ categoryId: tops.id, parentId: null })
    expect(rooted).toMatchObject({ parentId: null, path: [tops.id], position: 3 })
    expect(await listed(root.id)).toEqual([])
    expect(await listed(tops.id)).toEqual([product.id])
  })

  it('refuses cycles, unknown ids and trees deeper than the limit', async () => {
    const { clothing, tops, tees } = await tree(commerce)
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: clothing.id, parentId: tees.id }),
      'validation.failed',
    )
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: clothing.id, parentId: clothing.id }),
      'validation.failed',
    )
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: tops.id, parentId: 'cat_missing' }),
      'not_found',
      { entity: 'category', id: 'cat_missing' },
    )
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: 'cat_missing', parentId: null }),
      'not_found',
    )
    // A chain of 8 under a root is depth 9; hanging clothing's 3 levels under it would make 12.
    let parentId: string | null = null
    for (let i = 0; i < 9; i++) {
      parentId = (await commerce.catalog.createCategory({ slug: unique('deep'), name: 'Deep', parentId })).id
    }
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: clothing.id, parentId: parentId! }),
      'validation.failed',
    )
    expect(
      (await commerce.catalog.moveCategory({ categoryId: tees.id, parentId: parentId! })).path,
    ).toHaveLength(10)
    await expectCommerceError(
      commerce.catalog.moveCategory({ categoryId: '', parentId: null }),
      'validation.failed',
    )
  })

  it('renames with a typed conflict for a taken slug, and product reads show the new name', async () => {
    const { tees, sale, product } = await tree(commerce)
    await commerce.catalog.getProduct({ productId: product.id })
    const slug = unique('t-shirts')
    const renamed = await commerce.catalog.updateCategory({ categoryId: tees.id, name: 'T-shirts', slug })
    expect(renamed).toMatchObject({ id: tees.id, name: 'T-shirts', slug })
    const detail = await commerce.catalog.getProduct({ productId: product.id })
    expect(detail.categoryPath.at(-1)).toEqual({ id: tees.id, slug, name: 'T-shirts' })
    await expectCommerceError(commerce.catalog.updateCategory({ categoryId: sale.id, slug }), 'conflict', {
      field: 'slug',
    })
    await expectCommerceError(
      commerce.catalog.updateCategory({ categoryId: 'cat_nope', name: 'x' }),
      'not_found',
    )
    await expectCommerceError(commerce.catalog.updateCategory({ categoryId: tees.id }), 'validation.failed')
    expect((await commerce.catalog.updateCategory({ categoryId: sale.id, position: 7 })).position).toBe(7)
  })

  it('re-indexes the products of a renamed category, so suggestions complete the new name', async () => {
    const { tees } = await tree(commerce)
    await commerce.search.sync()
    const name = `Zephyrwear ${unique('x').slice(-6)}`
    await commerce.catalog.updateCategory({ categoryId: tees.id, name })
    const report = await commerce.search.sync()
    expect(report.upserted).toBeGreaterThanOrEqual(1)
    const { categories } = await commerce.search.suggest({ q: 'zephyrw' })
    expect(categories.map((c) => c.id)).toContain(tees.id)
    expect(categories.find((c) => c.id === tees.id)?.name).toBe(name)
  })

  it('deletes only empty categories', async () => {
    const { clothing, tees, sale, product } = await tree(commerce)
    await expectCommerceError(commerce.catalog.deleteCategory({ categoryId: clothing.id }), 'conflict', {
      field: 'children',
    })
    await expectCommerceError(commerce.catalog.deleteCategory({ categoryId: tees.id }), 'conflict', {
      field: 'products',
    })
    await commerce.catalog.archiveProduct({ productId: product.id })
    // Archived products still belong to it (they stay readable by id).
    await expectCommerceError(commerce.catalog.deleteCategory({ categoryId: tees.id }), 'conflict', {
      field: 'products',
    })
    await commerce.catalog.updateProduct({ productId: product.id, categoryId: null })
    await commerce.catalog.deleteCategory({ categoryId: tees.id })
    await commerce.catalog.deleteCategory({ categoryId: sale.id })
    await expectCommerceError(commerce.catalog.deleteCategory({ categoryId: sale.id }), 'not_found')
    const ids = JSON.stringify(await commerce.catalog.listCategories())
    expect(ids).not.toContain(tees.id)
    expect(ids).toContain(clothing.id)
  })
})

describe('category moves under concurrency (node-postgres)', () => {
  let fixture: StorageFixture
  let commerce: Commerce
  beforeAll(async () => {
    fixture = await postgresFixture('category_admin_race', 10)
    commerce = createCommerce({ storage: fixture.storage, logger: silentLogger })
  })
  afterAll(async () => {
    await commerce.close()
    await fixture.close()
  })

  it('never makes a cycle when two moves cross, and products written meanwhile get the new path', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await commerce.catalog.createCategory({ slug: unique('a'), name: 'A' })
      const a1 = await commerce.catalog.createCategory({ slug: unique('a1'), name: 'A1', parentId: a.id })
      const b = await commerce.catalog.createCategory({ slug: unique('b'), name: 'B' })
      const b1 = await commerce.catalog.createCategory({ slug: unique('b1'), name: 'B1', parentId: b.id })
      const outcomes = await Promise.allSettled([
        commerce.catalog.moveCategory({ categoryId: a.id, parentId: b1.id }),
        commerce.catalog.moveCategory({ categoryId: b.id, parentId: a1.id }),
        commerce.catalog.createProduct({
          slug: unique('racer'),
          name: 'Racer',
          status: 'active',
          categoryId: a1.id,
          variants: [{ sku: unique('RACE').toUpperCase(), prices: [{ amount: 100, currency: 'USD' }] }],
        }),
      ])
      const moves = outcomes.slice(0, 2)
      expect(moves.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
      const refused = moves.find((o) => o.status === 'rejected') as PromiseRejectedResult
      expect(refused.reason.code).toBe('validation.failed')
      const product = outcomes[2]
      expect(product.status).toBe('fulfilled')
      // Every path is consistent with parent links, and the product's path is its category's.
      const all = await fixture.storage.catalog.listCategories()
      const byId = new Map(all.map((c) => [c.id, c]))
      for (const c of all) {
        const parent = c.parentId === null ? null : byId.get(c.parentId)!
        expect(c.path).toEqual([...(parent?.path ?? []), c.id])
      }
      const stored = await fixture.storage.catalog.getProduct({
        idOrSlug: (product as PromiseFulfilledResult<{ id: string }>).value.id,
      })
      expect(stored!.categoryPath.map((c) => c.id)).toEqual(byId.get(a1.id)!.path)
    }
  })
})
