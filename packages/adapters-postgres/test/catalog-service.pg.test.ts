import {
  type Cache,
  type CatalogService,
  type CatalogStore,
  type CommerceError,
  type CommerceEvent,
  type CreateProductInput,
  createCatalogService,
  createEventBus,
  createIdGenerator,
  createManualClock,
  createMemoryCache,
  isCommerceError,
  type ListProductsInput,
  type ManualClock,
  type Product,
  type ProductSort,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { catalogInspector } from './catalog-support.js'
import { describeOnDrivers, postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
let clock: ManualClock
let cache: ReturnType<typeof createMemoryCache>
let catalog: CatalogService
let events: CommerceEvent[]
/** The paths of a validation error's issues. */
function issuePaths(error: CommerceError): string[] {
  return ((error.details as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path)
}

/** Calls to the store's getProduct, to tell cache hits from reads. */
let productReads = 0
let n = 0
const unique = () => `${Date.now().toString(36)}${(++n).toString(36)}`

function serviceOver(over: { cache?: Cache; store?: CatalogStore; similarPriceBandPercent?: number } = {}) {
  const bus = createEventBus(silentLogger)
  bus.onAny((e) => {
    events.push(e)
  })
  return createCatalogService({
    catalog: over.store ?? fixture.storage.catalog,
    reviews: fixture.storage.reviews,
    recommendations: fixture.storage.recommendations,
    inventory: fixture.storage.inventory,
    cache: over.cache ?? cache,
    clock,
    ids: createIdGenerator(() => clock.now().getTime()),
    events: bus,
    logger: silentLogger,
    similarPriceBandPercent: over.similarPriceBandPercent,
  })
}

/** The tests of this describe block run against `storage()`'s store, with a fresh clock and cache. */
function useCatalogService(storage: () => StorageFixture): void {
  beforeAll(() => {
    fixture = storage()
    clock = createManualClock(new Date('2026-01-01T00:00:00Z'))
    cache = createMemoryCache()
    const store = fixture.storage.catalog
    const counting: CatalogStore = {
      ...store,
      getProduct: (ref) => {
        productReads++
        return store.getProduct(ref)
      },
    }
    catalog = serviceOver({ store: counting })
  })
  beforeEach(() => {
    events = []
  })
}

function productInput(over: Partial<CreateProductInput> = {}): CreateProductInput {
  const u = unique()
  return {
    slug: `product-${u}`,
    name: `Product ${u}`,
    status: 'active',
    variants: [{ sku: `SKU-${u}`.toUpperCase(), prices: [{ amount: 1000, currency: 'USD' }] }],
    ...over,
  }
}

async function count(table: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.id('souk', table)}`.execute(
    fixture.storage.db,
  )
  return Number(rows[0]!.n)
}

async function tableCounts() {
  return Promise.all(
    ['products', 'product_variants', 'variant_prices', 'reviews', 'outbox', 'categories'].map(count),
  )
}

async function listAll(service: CatalogService, query: ListProductsInput) {
  const ids: string[] = []
  let cursor: string | undefined
  let total = -1
  for (let guard = 0; guard < 500; guard++) {
    const page = await service.listProducts({ ...query, cursor })
    if (total === -1) total = page.total
    ids.push(...page.items.map((i) => i.id))
    if (!page.nextCursor) return { ids, total }
    cursor = page.nextCursor
  }
  throw new Error('listing never ended')
}

describeOnDrivers(
  'catalog_service',
  (storage) => {
    useCatalogService(storage)

    describe('catalog service: bad input is refused and changes nothing', () => {
      const base = () => productInput()
      const variant = (over: Record<string, unknown>) => ({
        ...base(),
        variants: [
          { sku: `V-${unique()}`.toUpperCase(), prices: [{ amount: 100, currency: 'USD' }], ...over },
        ],
      })
      const badProducts: [string, () => unknown][] = [
        ['not an object', () => 'a product'],
        ['an empty object', () => ({})],
        ['an upper-case slug', () => ({ ...base(), slug: 'Blue-Tee' })],
        ['a slug with spaces', () => ({ ...base(), slug: 'blue tee' })],
        ['a slug with SQL', () => ({ ...base(), slug: "x'; drop table souk.products; --" })],
        ['a double hyphen in the slug', () => ({ ...base(), slug: 'blue--tee' })],
        ['an empty name', () => ({ ...base(), name: '   ' })],
        ['a 10k-character name', () => ({ ...base(), name: 'x'.repeat(10_000) })],
        ['a NUL in the name', () => ({ ...base(), name: 'tee\u0000' })],
        ['a NUL in the description', () => ({ ...base(), description: 'nice\u0000' })],
        ['an oversized description', () => ({ ...base(), description: 'x'.repeat(20_001) })],
        ['an unknown status', () => ({ ...base(), status: 'published' })],
        ['an unknown field', () => ({ ...base(), featured: true })],
        ['no variants', () => ({ ...base(), variants: [] })],
        [
          '101 variants',
          () => ({
            ...base(),
            variants: Array.from({ length: 101 }, (_, i) => ({
              sku: `S${i}`,
              prices: [{ amount: 1, currency: 'USD' }],
            })),
          }),
        ],
        ['a negative price', () => variant({ prices: [{ amount: -1, currency: 'USD' }] })],
        ['a fractional price', () => variant({ prices: [{ amount: 10.5, currency: 'USD' }] })],
        ['a huge price', () => variant({ prices: [{ amount: 1e300, currency: 'USD' }] })],
        ['a NaN price', () => variant({ prices: [{ amount: Number.NaN, currency: 'USD' }] })],
        ['a string price', () => variant({ prices: [{ amount: '10', currency: 'USD' }] })],
        ['a float price in major units', () => variant({ prices: [{ amount: 0.1 + 0.2, currency: 'USD' }] })],
        ['a lower-case currency', () => variant({ prices: [{ amount: 1, currency: 'usd' }] })],
        ['an unknown currency', () => variant({ prices: [{ amount: 1, currency: 'XXX' }] })],
        [
          'two prices in one currency',
          () =>
            variant({
              prices: [
                { amount: 1, currency: 'USD' },
                { amount: 2, currency: 'USD' },
              ],
            }),
        ],
        ['a variant without prices', () => variant({ prices: [] })],
        ['a SKU with spaces', () => variant({ sku: 'A B' })],
        ['a negative weight', () => variant({ weightGrams: -1 })],
        ['a fractional weight', () => variant({ weightGrams: 1.5 })],
        ['an option value that is an object', () => variant({ options: { size: { m: 1 } } })],
        [
          'duplicate SKUs',
          () => ({
            ...base(),
            variants: [
              { sku: 'DUP', prices: [{ amount: 1, currency: 'USD' }], options: { s: '1' } },
              { sku: 'DUP', prices: [{ amount: 1, currency: 'USD' }], options: { s: '2' } },
            ],
          }),
        ],
        [
          'duplicate option values',
          () => ({
            ...base(),
            variants: [
              { sku: 'O1', prices: [{ amount: 1, currency: 'USD' }], options: { s: 'M' } },
              { sku: 'O2', prices: [{ amount: 1, currency: 'USD' }], options: { s: 'M' } },
            ],
          }),
        ],
        ['a javascript: image url', () => ({ ...base(), images: [{ url: 'javascript:alert(1)' }] })],
        ['an image url that is not a url', () => ({ ...base(), images: [{ url: 'not a url' }] })],
        [
          'two primary images',
          () => ({
            ...base(),
            images: [
              { url: 'https://a.example/1.jpg', primary: true },
              { url: 'https://a.example/2.jpg', primary: true },
            ],
          }),
        ],
        ['51 tags', () => ({ ...base(), tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })],
        ['a category id with SQL', () => ({ ...base(), categoryId: "cat'; --" })],
      ]

      it.each(badProducts)('createProduct refuses %s', async (_, input) => {
        const before = await tableCounts()
        await expectCommerceError(catalog.createProduct(input() as CreateProductInput), 'validation.failed')
        expect(await tableCounts()).toEqual(before)
        expect(events).toEqual([])
      })

      it('updateProduct refuses bad patches and unknown products, changing nothing', async () => {
        const product = await catalog.createProduct(productInput())
        const before = await tableCounts()
        for (const patch of [
          {},
          { price: 1 },
          { name: '' },
          { variants: [] },
          { slug: 'Bad Slug' },
          { status: 'gone' },
        ]) {
          await expectCommerceError(
            catalog.updateProduct({ productId: product.id, ...patch } as never),
            'validation.failed',
          )
        }
        await expectCommerceError(
          catalog.updateProduct({ productId: "prod_x'; --", name: 'x' }),
          'validation.failed',
        )
        // The product to change is named in the input, not passed beside it.
        await expectCommerceError(catalog.updateProduct({ name: 'x' } as never), 'validation.failed')
        await expectCommerceError(
          catalog.updateProduct({ productId: 'prod_missing', name: 'x' }),
          'not_found',
        )
        await expectCommerceError(catalog.archiveProduct({ productId: 'prod_missing' }), 'not_found')
        await expectCommerceError(
          catalog.updateProduct({ productId: product.id, categoryId: 'cat_missing' }),
          'not_found',
        )
        await expectCommerceError(
          catalog.updateProduct({ productId: product.id, sellerId: 'sel_missing' }),
          'not_found',
        )
        expect(await tableCounts()).toEqual(before)
        expect((await catalog.getProduct({ productId: product.id })).name).toBe(product.name)
      })

      const badQueries: [string, unknown][] = [
        ['limit 0', { limit: 0 }],
        ['limit 101', { limit: 101 }],
        ['a fractional limit', { limit: 1.5 }],
        ['an unknown sort', { sort: 'cheapest' }],
        ['a price sort without a currency', { sort: 'price_asc' }],
        [
          'priceMin above priceMax',
          { priceMin: { amount: 500, currency: 'USD' }, priceMax: { amount: 100, currency: 'USD' } },
        ],
        ['disagreeing currencies', { currency: 'EUR', priceMin: { amount: 1, currency: 'USD' } }],
        ['a negative price bound', { priceMin: { amount: -1, currency: 'USD' } }],
        ['a garbage cursor', { cursor: 'not-a-cursor' }],
        [
          'a cursor with SQL inside',
          {
            cursor: Buffer.from(JSON.stringify(['newest', "x'::timestamptz; --", 'prod_1'])).toString(
              'base64url',
            ),
          },
        ],
        ['an empty tag list', { tags: [] }],
        ['an unknown filter', { colour: 'red' }],
      ]

      it.each(badQueries)('listProducts refuses %s', async (_, query) => {
        await expectCommerceError(catalog.listProducts(query as ListProductsInput), 'validation.failed')
      })

      it('listProducts refuses a cursor from a listing in another order', async () => {
        const seller = await catalog.createSeller({ slug: `s-${unique()}`, name: 'S' })
        for (let i = 0; i < 3; i++) await catalog.createProduct(productInput({ sellerId: seller.id }))
        const page = await catalog.listProducts({ sellerId: seller.id, limit: 1 })
        expect(page.nextCursor).not.toBeNull()
        const error = await expectCommerceError(
          catalog.listProducts({ sellerId: seller.id, sort: 'popular', cursor: page.nextCursor! }),
          'validation.failed',
        )
        expect(error.message).toMatch(/sorted by newest/)
      })

      it('reviews, review pages, categories and sellers refuse bad input', async () => {
        const product = await catalog.createProduct(productInput())
        const before = await tableCounts()
        for (const rating of [0, 6, 4.5, '5', Number.NaN]) {
          await expectCommerceError(
            catalog.addReview({ productId: product.id, customerId: 'cus_1', rating } as never),
            'validation.failed',
          )
        }
        await expectCommerceError(
          catalog.addReview({ productId: product.id, customerId: '', rating: 5 }),
          'validation.failed',
        )
        await expectCommerceError(
          catalog.addReview({ productId: product.id, customerId: 'cus_\u0000', rating: 5 }),
          'validation.failed',
        )
        await expectCommerceError(
          catalog.addReview({
            productId: product.id,
            customerId: 'cus_1',
            rating: 5,
            body: 'x'.repeat(10_001),
          }),
          'validation.failed',
        )
        await expectCommerceError(
          catalog.addReview({ productId: 'prod_missing', customerId: 'cus_1', rating: 5 }),
          'not_found',
        )
        await expectCommerceError(
          catalog.listReviews({ productId: product.id, limit: 0 }),
          'validation.failed',
        )
        await expectCommerceError(catalog.listReviews({ productId: 'prod_missing' }), 'not_found')
        await expectCommerceError(
          catalog.createCategory({ slug: 'x', name: 'X', parentId: 'cat_missing' }),
          'not_found',
        )
        await expectCommerceError(catalog.createSeller({ slug: 'Bad Slug', name: 'S' }), 'validation.failed')
        expect(await tableCounts()).toEqual(before)
      })
    })

    describe('catalog service: every call takes one input object, and refuses a bad one by path', () => {
      /** Each bad input with the issue paths it is refused with ('' is the input as a whole). */
      type BadInputs = [unknown, string[]][]

      async function refuses(call: (input: never) => Promise<unknown>, cases: BadInputs): Promise<void> {
        for (const [input, paths] of cases) {
          const error = await expectCommerceError(call(input as never), 'validation.failed')
          expect(issuePaths(error), JSON.stringify(input)).toEqual(paths)
        }
      }

      it('archiveProduct({ productId })', async () => {
        const product = await catalog.createProduct(productInput())
        const before = await tableCounts()
        await refuses(catalog.archiveProduct, [
          [{}, ['productId']],
          [product.id, ['']], // the positional call it replaces
          [{ productId: "prod_x'; --" }, ['productId']],
          [{ productId: product.id, status: 'archived' }, ['']],
        ])
        expect(await tableCounts()).toEqual(before)
        expect((await catalog.getProduct({ productId: product.id })).status).toBe('active')
        expect(events).toEqual([expect.objectContaining({ type: 'product.created' })])
      })

      it('getProduct({ productId } | { slug }, with currency)', async () => {
        const product = await catalog.createProduct(productInput())
        await refuses(catalog.getProduct, [
          [{}, ['']],
          [product.id, ['']],
          [{ productId: product.id, slug: product.slug }, ['']],
          [{ productId: '' }, ['productId', 'productId']], // empty, and no id characters
          [{ productId: 'x'.repeat(101) }, ['productId']],
          [{ productId: "'; drop table souk.products; --" }, ['productId']],
          [{ slug: 'Not A Slug' }, ['slug']],
          [{ slug: 'x'.repeat(201) }, ['slug']],
          [{ productId: product.id, currency: 'usd' }, ['currency']],
          [{ slug: product.slug, colour: 'red' }, ['']],
        ])
        await expectCommerceError(catalog.getProduct({ slug: 'no-such-product' }), 'not_found', {
          entity: 'product',
          id: 'no-such-product',
        })
        // Each field matches only itself: a slug is not an id, and Souk's ids (prefix_...) are no slugs.
        await expectCommerceError(catalog.getProduct({ productId: product.slug }), 'not_found')
        await expectCommerceError(catalog.getProduct({ slug: product.id }), 'validation.failed')
      })

      it('recommendations({ productId, limit?, currency? })', async () => {
        const product = await catalog.createProduct(productInput())
        await refuses(catalog.recommendations, [
          [{}, ['productId']],
          [product.id, ['']],
          [{ limit: 4 }, ['productId']],
          [{ productId: product.id, limit: 0 }, ['limit']],
          [{ productId: product.id, limit: 51 }, ['limit']],
          [{ productId: product.id, currency: 'usd' }, ['currency']],
        ])
      })

      it('getVariantsBySku({ skus, currency })', async () => {
        await refuses(catalog.getVariantsBySku, [
          [{ skus: 'SKU-1', currency: 'USD' }, ['skus']],
          [{ skus: [], currency: 'USD' }, ['skus']],
          [{ skus: Array.from({ length: 501 }, (_, i) => `S${i}`), currency: 'USD' }, ['skus']],
          [{ skus: ['A', 'not a sku'], currency: 'USD' }, ['skus.1']],
          [{ skus: ['A'], currency: 'dollars' }, ['currency']],
          [{ skus: ['A'] }, ['currency']],
          [['A'], ['']],
        ])
      })

      it('recordSale({ lines })', async () => {
        const product = await catalog.createProduct(productInput())
        const line = { sku: product.variants[0]!.sku, quantity: 1 }
        await refuses(catalog.recordSale, [
          [{}, ['lines']],
          [[line], ['']],
          [{ lines: line }, ['lines']],
          [{ lines: [] }, ['lines']],
          [{ lines: [{ ...line, quantity: 0 }] }, ['lines.0.quantity']],
          [{ lines: [line, { ...line, quantity: -1 }] }, ['lines.1.quantity']],
          [{ lines: [{ ...line, quantity: 1.5 }] }, ['lines.0']], // fits neither kind of line
          [{ lines: [{ ...line, productId: product.id }] }, ['lines.0']],
        ])
        const { rows } = await sql<{ units_sold: string }>`
          select units_sold from souk.products where id = ${product.id}`.execute(fixture.storage.db)
        expect(Number(rows[0]!.units_sold)).toBe(0)
      })

      it('warm({ count })', async () => {
        await refuses(catalog.warm, [
          [{}, ['count']],
          [3, ['']],
          [{ count: 0 }, ['count']],
          [{ count: -1 }, ['count']],
          [{ count: 1.5 }, ['count']],
          [{ count: 1e9 }, ['count']],
          [{ count: '3' }, ['count']],
        ])
      })
    })

    describe('catalog service: slugs and SKUs are unique', () => {
      it('a taken slug or SKU is a conflict naming the field; nothing is written', async () => {
        const first = await catalog.createProduct(productInput())
        const before = await tableCounts()
        const slugError = await expectCommerceError(
          catalog.createProduct(productInput({ slug: first.slug })),
          'conflict',
        )
        expect(slugError.details).toMatchObject({ field: 'slug', slug: first.slug })
        const sku = first.variants[0]!.sku
        const skuError = await expectCommerceError(
          catalog.createProduct(
            productInput({ variants: [{ sku, prices: [{ amount: 1, currency: 'USD' }] }] }),
          ),
          'conflict',
        )
        expect(skuError.details).toMatchObject({ field: 'sku', sku })
        const other = await catalog.createProduct(productInput())
        const after = await tableCounts()
        await expectCommerceError(
          catalog.updateProduct({ productId: other.id, slug: first.slug }),
          'conflict',
        )
        await expectCommerceError(
          catalog.updateProduct({
            productId: other.id,
            variants: [{ sku, prices: [{ amount: 1, currency: 'USD' }] }],
          }),
          'conflict',
        )
        expect(await tableCounts()).toEqual(after)
        expect(after[0]).toBe(before[0]! + 1)
      })
    })

    describe('catalog service: categories', () => {
      it('keeps the tree, and a category lists its descendants’ products', async () => {
        const seller = await catalog.createSeller({ slug: `s-${unique()}`, name: 'S' })
        const root = await catalog.createCategory({ slug: `root-${unique()}`, name: 'Root' })
        const child = await catalog.createCategory({
          slug: `child-${unique()}`,
          name: 'Child',
          parentId: root.id,
          position: 2,
        })
        const sibling = await catalog.createCategory({
          slug: `sib-${unique()}`,
          name: 'Sibling',
          parentId: root.id,
          position: 1,
        })
        const grandchild = await catalog.createCategory({
          slug: `gc-${unique()}`,
          name: 'Grandchild',
          parentId: child.id,
        })
        expect(grandchild.path).toEqual([root.id, child.id, grandchild.id])
        const atRoot = await catalog.createProduct(productInput({ sellerId: seller.id, categoryId: root.id }))
        const atChild = await catalog.createProduct(
          productInput({ sellerId: seller.id, categoryId: child.id }),
        )
        const atGrandchild = await catalog.createProduct(
          productInput({ sellerId: seller.id, categoryId: grandchild.id }),
        )
        const atSibling = await catalog.createProduct(
          productInput({ sellerId: seller.id, categoryId: sibling.id }),
        )
        const ids = async (categoryId: string) =>
          (await listAll(catalog, { sellerId: seller.id, categoryId })).ids.sort()
        expect(await ids(root.id)).toEqual([atRoot.id, atChild.id, atGrandchild.id, atSibling.id].sort())
        expect(await ids(child.id)).toEqual([atChild.id, atGrandchild.id].sort())
        expect(await ids(grandchild.id)).toEqual([atGrandchild.id])

        const detail = await catalog.getProduct({ slug: atGrandchild.slug })
        expect(detail.categoryPath.map((c) => c.name)).toEqual(['Root', 'Child', 'Grandchild'])
        expect(detail.category?.id).toBe(grandchild.id)

        const tree = await catalog.listCategories()
        const node = tree.find((c) => c.id === root.id)!
        expect(node.children.map((c) => c.name)).toEqual(['Sibling', 'Child'])
        expect(node.children[1]!.children.map((c) => c.id)).toEqual([grandchild.id])
        // The tree is cached under the listing generation, so a new category shows at once.
        const late = await catalog.createCategory({
          slug: `late-${unique()}`,
          name: 'Late',
          parentId: root.id,
          position: 0,
        })
        expect((await catalog.listCategories()).find((c) => c.id === root.id)!.children[0]!.id).toBe(late.id)

        let parent = grandchild
        while (parent.path.length < 10) {
          parent = await catalog.createCategory({
            slug: `deep-${unique()}`,
            name: 'Deep',
            parentId: parent.id,
          })
        }
        await expectCommerceError(
          catalog.createCategory({ slug: `deep-${unique()}`, name: 'Too deep', parentId: parent.id }),
          'validation.failed',
        )
        await expectCommerceError(catalog.createCategory({ slug: root.slug, name: 'Same slug' }), 'conflict')
      })
    })

    /** An independent formulation of the listing (recursive categories, aggregates over variants). */
    async function directSql(sellerId: string, q: ListProductsInput) {
      const currency = q.currency ?? q.priceMin?.currency ?? q.priceMax?.currency ?? null
      const { rows } = await sql<{
        id: string
        created_at: Date
        units_sold: string
        rating: string
        min_amount: string | null
        in_stock: boolean
      }>`
    with recursive descendants(id) as (
      select id from souk.categories where id = ${q.categoryId ?? null}
      union all select c.id from souk.categories c join descendants d on c.parent_id = d.id
    ),
    lowest as (
      select v.product_id, min(vp.amount) as amount
      from souk.product_variants v join souk.variant_prices vp on vp.variant_id = v.id
      where vp.currency = ${currency}
      group by v.product_id
    ),
    stock as (
      select v.product_id,
        bool_or(i.sku is not null and (not i.tracked or i.allow_backorder
          or coalesce((select sum(l.on_hand - l.reserved) from souk.stock_levels l where l.sku = v.sku), 0) > 0)) as in_stock
      from souk.product_variants v left join souk.inventory_items i on i.sku = v.sku
      group by v.product_id
    )
    select p.id, p.created_at, p.units_sold::text,
      (case when p.rating_count = 0 then 0 else p.rating_sum::numeric / p.rating_count end)::text as rating,
      lowest.amount::text as min_amount, stock.in_stock
    from souk.products p
    left join lowest on lowest.product_id = p.id
    join stock on stock.product_id = p.id
    where p.seller_id = ${sellerId} and p.status = 'active'
      and (${q.categoryId ?? null}::text is null or p.category_id in (select id from descendants))
      and (${currency}::text is null or lowest.amount is not null)
      and (${q.priceMin?.amount ?? null}::bigint is null or lowest.amount >= ${q.priceMin?.amount ?? null}::bigint)
      and (${q.priceMax?.amount ?? null}::bigint is null or lowest.amount <= ${q.priceMax?.amount ?? null}::bigint)
      and (${q.inStock ?? null}::boolean is null or stock.in_stock = ${q.inStock ?? null}::boolean)
      and (${q.tags ?? null}::text[] is null or (select bool_and(t = any(p.tags)) from unnest(${q.tags ?? null}::text[]) t))`.execute(
        fixture.storage.db,
      )
      const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      const order: Record<ProductSort, (a: (typeof rows)[number], b: (typeof rows)[number]) => number> = {
        newest: (a, b) => cmp(b.created_at.getTime(), a.created_at.getTime()) || -byId(a, b),
        popular: (a, b) => cmp(Number(b.units_sold), Number(a.units_sold)) || -byId(a, b),
        rating: (a, b) => cmp(Number(b.rating), Number(a.rating)) || -byId(a, b),
        price_asc: (a, b) => cmp(Number(a.min_amount), Number(b.min_amount)) || byId(a, b),
        price_desc: (a, b) => cmp(Number(b.min_amount), Number(a.min_amount)) || -byId(a, b),
      }
      return rows.sort(order[q.sort ?? 'newest']).map((r) => r.id)
    }

    describe('catalog service: filters and sorts agree with a direct SQL query on the same data', () => {
      let sellerId: string
      const cats: Record<string, string> = {}

      beforeAll(async () => {
        const seller = await catalog.createSeller({ slug: `grid-${unique()}`, name: 'Grid' })
        sellerId = seller.id
        const a = await catalog.createCategory({ slug: `a-${unique()}`, name: 'A' })
        const a1 = await catalog.createCategory({ slug: `a1-${unique()}`, name: 'A1', parentId: a.id })
        const a2 = await catalog.createCategory({ slug: `a2-${unique()}`, name: 'A2', parentId: a.id })
        const a2x = await catalog.createCategory({ slug: `a2x-${unique()}`, name: 'A2x', parentId: a2.id })
        const b = await catalog.createCategory({ slug: `b-${unique()}`, name: 'B' })
        Object.assign(cats, { a: a.id, a1: a1.id, a2: a2.id, a2x: a2x.id, b: b.id })
        const catList = [a.id, a1.id, a2.id, a2x.id, b.id]
        const tagSets = [['red'], ['red', 'sale'], ['blue'], ['blue', 'sale'], []]
        const at = clock.now()
        // Deterministic variety: prices with ties, equal timestamps, sales, ratings and stock states.
        for (let i = 0; i < 45; i++) {
          if (i % 3 !== 0) clock.advance(1000)
          const u = unique()
          const variants = Array.from({ length: (i % 3) + 1 }, (_, v) => ({
            sku: `GRID-${u}-${v}`.toUpperCase(),
            options: { size: String(v) },
            prices: [
              { amount: ((i * 7) % 10) * 500 + 500 + v * 100, currency: 'USD' },
              ...(i % 4 === 0 ? [{ amount: 900 + v, currency: 'EUR' }] : []),
            ],
          }))
          const product = await catalog.createProduct(
            productInput({
              sellerId,
              categoryId: catList[i % catList.length]!,
              tags: tagSets[i % tagSets.length]!,
              variants,
              status: i % 11 === 10 ? 'draft' : 'active',
            }),
          )
          const first = variants[0]!.sku
          switch (i % 5) {
            case 0:
              await fixture.storage.inventory.setOnHand({ sku: first, locationId: 'default', onHand: 4, at })
              break
            case 1:
              await fixture.storage.inventory.setOnHand({ sku: first, locationId: 'default', onHand: 0, at })
              break
            case 2:
              await fixture.storage.inventory.upsertItem({ sku: first, tracked: false })
              break
            case 3:
              await fixture.storage.inventory.upsertItem({ sku: first, allowBackorder: true })
              break
            // case 4: never stocked
          }
          if (i % 4 === 1)
            await catalog.recordSale({ lines: [{ productId: product.id, quantity: (i % 6) + 1 }] })
          for (let r = 0; r < (product.status === 'draft' ? 0 : i % 4); r++) {
            await catalog.addReview({
              productId: product.id,
              customerId: `cus_${r}`,
              rating: ((i + r) % 5) + 1,
            })
          }
        }
      })

      const filters: [string, () => ListProductsInput][] = [
        ['no filter', () => ({})],
        ['root category', () => ({ categoryId: cats.a })],
        ['mid category', () => ({ categoryId: cats.a2 })],
        ['leaf category', () => ({ categoryId: cats.a2x })],
        ['other root', () => ({ categoryId: cats.b })],
        ['one tag', () => ({ tags: ['red'] })],
        ['two tags', () => ({ tags: ['sale', 'blue'] })],
        ['EUR', () => ({ currency: 'EUR' })],
        ['price min', () => ({ priceMin: { amount: 2000, currency: 'USD' } })],
        ['price max', () => ({ priceMax: { amount: 2500, currency: 'USD' } })],
        [
          'price range',
          () => ({
            priceMin: { amount: 1500, currency: 'USD' },
            priceMax: { amount: 3600, currency: 'USD' },
          }),
        ],
        ['in stock', () => ({ inStock: true })],
        ['out of stock', () => ({ inStock: false })],
        [
          'combined',
          () => ({
            categoryId: cats.a,
            inStock: true,
            priceMax: { amount: 4000, currency: 'USD' },
            tags: ['red'],
          }),
        ],
      ]
      const sorts: ProductSort[] = ['newest', 'price_asc', 'price_desc', 'popular', 'rating']

      it.each(filters)(
        '%s: every sort, paged by 7, matches SQL in members, order and total',
        async (_, make) => {
          for (const sort of sorts) {
            const base = make()
            const query: ListProductsInput = {
              ...base,
              sellerId,
              sort,
              limit: 7,
              ...(sort.startsWith('price') && !base.currency && !base.priceMin && !base.priceMax
                ? { currency: 'USD' }
                : {}),
            }
            const expected = await directSql(sellerId, query)
            const listed = await listAll(catalog, query)
            expect(listed.ids, `${sort}`).toEqual(expected)
            expect(listed.total, `${sort} total`).toBe(expected.length)
          }
        },
      )

      it('the grid is not trivially empty', async () => {
        expect((await directSql(sellerId, { inStock: true })).length).toBeGreaterThan(5)
        expect((await directSql(sellerId, { inStock: false })).length).toBeGreaterThan(5)
        expect((await directSql(sellerId, { categoryId: cats.a2x })).length).toBeGreaterThan(2)
      })
    })

    describe('catalog service: reviews', () => {
      it('sets verified purchase from confirmed-or-later orders and pages reviews newest first', async () => {
        const product = await catalog.createProduct(productInput())
        const inspect = catalogInspector(fixture.storage.db)
        const sku = product.variants[0]!.sku
        await inspect.insertOrder({
          customerId: 'cus_bought',
          status: 'confirmed',
          lines: [{ productId: product.id, sku, quantity: 1 }],
        })
        await inspect.insertOrder({
          customerId: 'cus_failed',
          status: 'payment_failed',
          lines: [{ productId: product.id, sku, quantity: 1 }],
        })
        const verified = await catalog.addReview({
          productId: product.id,
          customerId: 'cus_bought',
          rating: 5,
        })
        clock.advance(1000)
        const unverified = await catalog.addReview({
          productId: product.id,
          customerId: 'cus_failed',
          rating: 1,
        })
        clock.advance(1000)
        const third = await catalog.addReview({ productId: product.id, customerId: 'cus_other', rating: 3 })
        expect([verified.verifiedPurchase, unverified.verifiedPurchase, third.verifiedPurchase]).toEqual([
          true,
          false,
          false,
        ])
        await expectCommerceError(
          catalog.addReview({ productId: product.id, customerId: 'cus_bought', rating: 1 }),
          'conflict',
        )
        const first = await catalog.listReviews({ productId: product.id, limit: 2 })
        expect(first.items.map((r) => r.id)).toEqual([third.id, unverified.id])
        const second = await catalog.listReviews({
          productId: product.id,
          limit: 2,
          cursor: first.nextCursor!,
        })
        expect(second.items.map((r) => r.id)).toEqual([verified.id])
        expect(second.nextCursor).toBeNull()
        const draft = await catalog.createProduct(productInput({ status: 'draft' }))
        await expectCommerceError(
          catalog.addReview({ productId: draft.id, customerId: 'cus_1', rating: 5 }),
          'not_found',
        )
      })
    })

    describe('catalog service: availability', () => {
      it('reports each variant’s availability live, over all locations', async () => {
        const u = unique().toUpperCase()
        const skus = ['STOCKED', 'RESERVED-OUT', 'UNTRACKED', 'BACKORDER', 'NEVER', 'ZERO'].map(
          (s) => `${s}-${u}`,
        )
        const product = await catalog.createProduct(
          productInput({
            variants: skus.map((sku, i) => ({
              sku,
              options: { kind: String(i) },
              prices: [{ amount: 100 + i, currency: 'USD' }],
            })),
          }),
        )
        const inv = fixture.storage.inventory
        const at = new Date()
        await inv.upsertLocation({ id: `loc-${u}`, name: 'Second', priority: 5 })
        await inv.setOnHand({ sku: skus[0]!, locationId: 'default', onHand: 3, at })
        await inv.setOnHand({ sku: skus[0]!, locationId: `loc-${u}`, onHand: 2, at })
        await inv.setOnHand({ sku: skus[1]!, locationId: 'default', onHand: 1, at })
        await inv.createReservation({
          id: `res_${u}`,
          reference: null,
          lines: [{ sku: skus[1]!, quantity: 1 }],
          allocations: [{ sku: skus[1]!, locationId: 'default', quantity: 1 }],
          expiresAt: new Date(Date.now() + 60_000),
          createdAt: at,
        })
        await inv.upsertItem({ sku: skus[2]!, tracked: false })
        await inv.upsertItem({ sku: skus[3]!, allowBackorder: true })
        await inv.setOnHand({ sku: skus[5]!, locationId: 'default', onHand: 0, at })

        const detail = await catalog.getProduct({ productId: product.id, currency: 'USD' })
        expect(detail.variants.map((v) => [v.sku, v.availability])).toEqual([
          [skus[0], { tracked: true, allowBackorder: false, available: 5, inStock: true }],
          [skus[1], { tracked: true, allowBackorder: false, available: 0, inStock: false }],
          [skus[2], { tracked: false, allowBackorder: false, available: null, inStock: true }],
          [skus[3], { tracked: true, allowBackorder: true, available: 0, inStock: true }],
          [skus[4], { tracked: true, allowBackorder: false, available: 0, inStock: false }],
          [skus[5], { tracked: true, allowBackorder: false, available: 0, inStock: false }],
        ])
        expect(detail.inStock).toBe(true)
        expect(detail.price).toEqual({ amount: 100, currency: 'USD' })
        expect(detail.variants[1]!.price).toEqual({ amount: 101, currency: 'USD' })
        // The product itself is cached now; stock is not: a sale shows on the next read.
        const reads = productReads
        await inv.adjustOnHand({ sku: skus[0]!, locationId: 'default', delta: -3, at })
        const after = await catalog.getProduct({ slug: product.slug })
        expect(after.variants[0]!.availability.available).toBe(2)
        expect(productReads - reads).toBeLessThanOrEqual(1)
        expect((await catalog.getProduct({ productId: product.id })).variants[0]!.price).toBeNull()
      })
    })

    describe('catalog service: caching never serves what a write replaced', () => {
      it('after updateProduct returns, no read path (product by id or slug, listings, filters) has the old price', async () => {
        const seller = await catalog.createSeller({ slug: `c-${unique()}`, name: 'Cache' })
        const category = await catalog.createCategory({ slug: `cc-${unique()}`, name: 'Cached' })
        const product = await catalog.createProduct(
          productInput({
            sellerId: seller.id,
            categoryId: category.id,
            variants: [
              { sku: `CACHE-${unique()}`.toUpperCase(), prices: [{ amount: 1000, currency: 'USD' }] },
            ],
          }),
        )
        const neighbour = await catalog.createProduct(
          productInput({ sellerId: seller.id, categoryId: category.id }),
        )
        const listings: ListProductsInput[] = [
          { sellerId: seller.id },
          { categoryId: category.id, currency: 'USD' },
          { sellerId: seller.id, sort: 'price_asc', currency: 'USD' },
          { sellerId: seller.id, priceMax: { amount: 1500, currency: 'USD' } },
          { sellerId: seller.id, limit: 1 },
        ]
        const readAll = async () => {
          const byId = await catalog.getProduct({ productId: product.id, currency: 'USD' })
          const bySlug = await catalog.getProduct({ slug: product.slug, currency: 'USD' })
          const pages = await Promise.all(listings.map((q) => listAll(catalog, q)))
          const summaries = await Promise.all(listings.map((q) => catalog.listProducts(q)))
          return { byId, bySlug, pages, summaries }
        }
        // Warm every path: the first read of a product starts its generation, the second is cached,
        // so the third round is served from the cache alone.
        await readAll()
        await readAll()
        const reads = productReads
        const warm = await readAll()
        expect(productReads).toBe(reads)
        expect(warm.byId.price?.amount).toBe(1000)
        expect(warm.pages[3]!.ids).toContain(product.id)

        const updated = await catalog.updateProduct({
          productId: product.id,
          variants: [{ sku: product.variants[0]!.sku, prices: [{ amount: 2000, currency: 'USD' }] }],
        })
        expect(updated.variants[0]!.prices).toEqual([{ amount: 2000, currency: 'USD' }])
        const fresh = await readAll()
        expect(fresh.byId.price).toEqual({ amount: 2000, currency: 'USD' })
        expect(fresh.bySlug.price).toEqual({ amount: 2000, currency: 'USD' })
        for (const page of fresh.summaries) {
          const mine = page.items.find((i) => i.id === product.id)
          if (mine) expect(mine.prices).toEqual([{ amount: 2000, currency: 'USD' }])
        }
        expect(fresh.pages[3]!.ids).not.toContain(product.id)
        expect(fresh.pages[2]!.ids).toEqual([neighbour.id, product.id])

        // A renamed slug stops resolving at once; the new one resolves.
        const renamed = await catalog.updateProduct({ productId: product.id, slug: `renamed-${unique()}` })
        await expectCommerceError(catalog.getProduct({ slug: product.slug }), 'not_found')
        expect((await catalog.getProduct({ slug: renamed.slug })).id).toBe(product.id)
        const archived = await catalog.archiveProduct({ productId: product.id })
        expect(archived.status).toBe('archived')
        expect((await listAll(catalog, { sellerId: seller.id })).ids).toEqual([neighbour.id])
        expect((await catalog.getProduct({ productId: product.id })).status).toBe('archived')
      })

      it('reads of unknown products leave nothing in the cache', async () => {
        const own = createMemoryCache()
        const service = serviceOver({ cache: own })
        for (const ref of [
          { productId: 'prod_missing1' },
          { productId: 'prod_missing2' },
          { slug: 'no-such-slug' },
          { productId: 'no-such-slug' },
          { productId: 'prod_missing1' },
        ]) {
          await expectCommerceError(service.getProduct(ref), 'not_found')
        }
        expect(own.size).toBe(0)
      })

      it('a failing cache only costs reads: every call still works from storage', async () => {
        const failing: Cache = {
          get: async () => {
            throw new Error('cache down')
          },
          set: async () => {
            throw new Error('cache down')
          },
          delete: async () => {
            throw new Error('cache down')
          },
          increment: async () => {
            throw new Error('cache down')
          },
        }
        const degraded = serviceOver({ cache: failing })
        const product = await degraded.createProduct(productInput())
        expect((await degraded.getProduct({ slug: product.slug })).id).toBe(product.id)
        expect((await degraded.listProducts({ limit: 1 })).items).toHaveLength(1)
        await degraded.updateProduct({ productId: product.id, name: 'Renamed while the cache is down' })
        expect((await degraded.getProduct({ productId: product.id })).name).toBe(
          'Renamed while the cache is down',
        )
        expect(events.map((e) => e.type)).toEqual(['product.created', 'product.updated'])
      })
    })

    describe('catalog service: events, pricing lookups, sales, recommendations, warming', () => {
      it('publishes product events after the write commits', async () => {
        const product = await catalog.createProduct(productInput({ status: 'draft' }))
        await catalog.updateProduct({ productId: product.id, status: 'active', tags: ['new'] })
        await catalog.archiveProduct({ productId: product.id })
        await catalog.updateProduct({ productId: product.id, name: 'Still archived' })
        expect(events.map((e) => e.type)).toEqual([
          'product.created',
          'product.updated',
          'product.archived',
          'product.updated',
        ])
        expect(events[1]).toMatchObject({ productId: product.id, fields: ['status', 'tags'] })
        await expectCommerceError(catalog.createProduct(productInput({ slug: product.slug })), 'conflict')
        expect(events).toHaveLength(4)
      })

      it('getVariantsBySku prices lines in one currency and tells what cannot be sold', async () => {
        const seller = await catalog.createSeller({ slug: `v-${unique()}`, name: 'V' })
        const u = unique().toUpperCase()
        const product = await catalog.createProduct(
          productInput({
            sellerId: seller.id,
            variants: [
              {
                sku: `VM-${u}`,
                options: { size: 'M' },
                prices: [
                  { amount: 1999, currency: 'EUR' },
                  { amount: 2199, currency: 'USD' },
                ],
                weightGrams: 250,
              },
              {
                sku: `VL-${u}`,
                options: { size: 'L' },
                prices: [{ amount: 2299, currency: 'USD' }],
                weightGrams: 300,
              },
            ],
          }),
        )
        const lines = await catalog.getVariantsBySku({
          skus: [`VL-${u}`, `VM-${u}`, `VM-${u}`, 'UNKNOWN-SKU'],
          currency: 'EUR',
        })
        expect(lines.sort((a, b) => (a.sku < b.sku ? -1 : 1))).toEqual([
          {
            sku: `VL-${u}`,
            variantId: product.variants[1]!.id,
            productId: product.id,
            slug: product.slug,
            name: product.name,
            options: { size: 'L' },
            status: 'active',
            price: null,
            regularPrice: null,
            compareAtPrice: null,
            weightGrams: 300,
            sellerId: seller.id,
          },
          {
            sku: `VM-${u}`,
            variantId: product.variants[0]!.id,
            productId: product.id,
            slug: product.slug,
            name: product.name,
            options: { size: 'M' },
            status: 'active',
            price: { amount: 1999, currency: 'EUR' },
            regularPrice: { amount: 1999, currency: 'EUR' },
            compareAtPrice: null,
            weightGrams: 250,
            sellerId: seller.id,
          },
        ])
        await catalog.archiveProduct({ productId: product.id })
        expect((await catalog.getVariantsBySku({ skus: [`VM-${u}`], currency: 'USD' }))[0]).toMatchObject({
          status: 'archived',
          price: { amount: 2199, currency: 'USD' },
        })
      })

      it('recordSale drives popularity, concurrently exact; warm loads the most popular products', async () => {
        const seller = await catalog.createSeller({ slug: `w-${unique()}`, name: 'W' })
        const products: Product[] = []
        for (let i = 0; i < 5; i++)
          products.push(await catalog.createProduct(productInput({ sellerId: seller.id })))
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            catalog.recordSale({
              lines: [
                { sku: products[i % 3]!.variants[0]!.sku, quantity: 1 },
                { productId: products[(i + 1) % 3]!.id, quantity: 2 },
              ],
            }),
          ),
        )
        const { rows } = await sql<{ id: string; units_sold: string }>`
      select id, units_sold from souk.products where seller_id = ${seller.id}`.execute(fixture.storage.db)
        const sold = Object.fromEntries(rows.map((r) => [r.id, Number(r.units_sold)]))
        expect(sold).toEqual({
          [products[0]!.id]: 10 + 20,
          [products[1]!.id]: 10 + 20,
          [products[2]!.id]: 10 + 20,
          [products[3]!.id]: 0,
          [products[4]!.id]: 0,
        })
        const popular = await listAll(catalog, { sellerId: seller.id, sort: 'popular' })
        expect(popular.ids.slice(3).sort()).toEqual([products[3]!.id, products[4]!.id].sort())

        // warm({ count: n }) loads the n most popular active products: reading them afterwards costs no store read.
        let coldReads = 0
        const counting: CatalogStore = {
          ...fixture.storage.catalog,
          getProduct: (ref) => {
            coldReads++
            return fixture.storage.catalog.getProduct(ref)
          },
        }
        const cold = serviceOver({ cache: createMemoryCache(), store: counting })
        expect(await cold.warm({ count: 3 })).toEqual({ warmed: 3 })
        expect(coldReads).toBe(3)
        const top = (
          await fixture.storage.catalog.listProducts({
            status: 'active',
            sort: 'popular',
            limit: 3,
            countTotal: false,
          })
        ).items
        for (const item of top) expect((await cold.getProduct({ productId: item.id })).id).toBe(item.id)
        expect(coldReads).toBe(3)
        await cold.getProduct({ productId: products[4]!.id })
        expect(coldReads).toBe(4)
      })

      it('recommends bought-together and similar products', async () => {
        const category = await catalog.createCategory({ slug: `rc-${unique()}`, name: 'Reco' })
        const price = (amount: number) => [
          {
            sku: `R-${unique()}`.toUpperCase(),
            prices: [
              { amount, currency: 'EUR' },
              { amount: amount + 100, currency: 'USD' },
            ],
          },
        ]
        const main = await catalog.createProduct(
          productInput({ categoryId: category.id, variants: price(1000) }),
        )
        const near = await catalog.createProduct(
          productInput({ categoryId: category.id, variants: price(1150) }),
        )
        const far = await catalog.createProduct(
          productInput({ categoryId: category.id, variants: price(1300) }),
        )
        const bought = await catalog.createProduct(productInput({ variants: price(5000) }))
        const inspect = catalogInspector(fixture.storage.db)
        const line = (p: { id: string; variants: readonly { sku: string }[] }) => ({
          productId: p.id,
          sku: p.variants[0]!.sku,
          quantity: 1,
        })
        const orders: [string, string, (typeof main)[]][] = [
          ['cus_r1', 'delivered', [main, bought]],
          ['cus_r2', 'processing', [main, bought, far]],
          ['cus_r3', 'confirmed', [main, far]],
          ['cus_r4', 'confirmed', [main, bought]],
        ]
        for (const [customerId, status, products] of orders)
          await inspect.insertOrder({ customerId, status, lines: products.map(line) })
        const reco = await catalog.recommendations({ productId: main.id })
        expect(reco.frequentlyBoughtTogether.map((s) => s.id)).toEqual([bought.id, far.id])
        expect(reco.frequentlyBoughtTogether[0]!.price).toEqual({ amount: 5000, currency: 'EUR' })
        expect(reco.similar.map((s) => s.id)).toEqual([near.id])
        // The band is an option: at ±35% the product at 1300 is similar too (more popular first, then newest).
        const wider = serviceOver({ cache: createMemoryCache(), similarPriceBandPercent: 35 })
        expect((await wider.recommendations({ productId: main.id })).similar.map((s) => s.id)).toEqual([
          far.id,
          near.id,
        ])
        const exact = serviceOver({ cache: createMemoryCache(), similarPriceBandPercent: 0 })
        expect((await exact.recommendations({ productId: main.id })).similar).toEqual([])
        for (const band of [-1, 101, 12.5]) {
          expect(() => serviceOver({ similarPriceBandPercent: band })).toThrow(
            expect.objectContaining({ code: 'config.invalid' }),
          )
        }
        const inUsd = await catalog.recommendations({ productId: main.id, currency: 'USD', limit: 1 })
        expect(inUsd.frequentlyBoughtTogether.map((s) => s.price)).toEqual([
          { amount: 5100, currency: 'USD' },
        ])
        await expectCommerceError(catalog.recommendations({ productId: 'prod_missing' }), 'not_found')
      })
    })
  },
  { poolSize: 30 },
)

// Races need connections that overlap: node-postgres only (PGlite has one connection).
describe('node-postgres: catalog service under concurrency', () => {
  let own: StorageFixture
  beforeAll(async () => {
    own = await postgresFixture('catalog_service_races', 30)
  })
  afterAll(() => own.close())
  useCatalogService(() => own)

  it('of 20 concurrent creates with one slug, exactly one wins', async () => {
    const slug = `race-${unique()}`
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => catalog.createProduct(productInput({ slug }))),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results)
      if (r.status === 'rejected') expect(isCommerceError(r.reason, 'conflict')).toBe(true)
    const { rows } = await sql<{
      n: string
    }>`select count(*) as n from souk.products where slug = ${slug}`.execute(fixture.storage.db)
    expect(Number(rows[0]!.n)).toBe(1)
  })

  it.each(['newest', 'price_asc', 'price_desc', 'popular', 'rating'] as ProductSort[])(
    '%s: never repeats or skips a product while others are inserted',
    async (sort) => {
      const seller = await catalog.createSeller({ slug: `pg-${unique()}`, name: 'Paging' })
      const existing = new Set<string>()
      for (let i = 0; i < 30; i++) {
        if (i % 4 === 0) clock.advance(1000)
        const p = await catalog.createProduct(
          productInput({
            sellerId: seller.id,
            variants: [
              {
                sku: `PG-${unique()}`.toUpperCase(),
                prices: [{ amount: 100 * ((i * 7) % 9) + 100, currency: 'USD' }],
              },
            ],
          }),
        )
        existing.add(p.id)
      }
      // A writer inserts continuously while the reader pages, and the reader adds more between pages.
      let writing = true
      const writer = (async () => {
        let i = 0
        while (writing) {
          await catalog.createProduct(
            productInput({
              sellerId: seller.id,
              variants: [
                {
                  sku: `PW-${unique()}`.toUpperCase(),
                  prices: [{ amount: 50 + ((i++ * 131) % 1000), currency: 'USD' }],
                },
              ],
            }),
          )
        }
      })()
      const seen: string[] = []
      let cursor: string | undefined
      try {
        for (let guard = 0; guard < 200; guard++) {
          const page = await catalog.listProducts({
            sellerId: seller.id,
            sort,
            currency: 'USD',
            limit: 4,
            cursor,
          })
          seen.push(...page.items.map((item) => item.id))
          await catalog.createProduct(
            productInput({
              sellerId: seller.id,
              variants: [{ sku: `PB-${unique()}`.toUpperCase(), prices: [{ amount: 450, currency: 'USD' }] }],
            }),
          )
          if (!page.nextCursor) break
          cursor = page.nextCursor
        }
      } finally {
        writing = false
        await writer
      }
      expect(new Set(seen).size).toBe(seen.length)
      for (const id of existing) expect(seen).toContain(id)
    },
  )

  it('40 concurrent reviews (some customers twice) keep the aggregate exact, in SQL', async () => {
    const product = await catalog.createProduct(productInput())
    const attempts = Array.from({ length: 40 }, (_, i) => ({
      customerId: `cus_${i % 30}`,
      rating: (i % 5) + 1,
    }))
    const results = await Promise.allSettled(
      attempts.map((a) => catalog.addReview({ productId: product.id, ...a, title: 'Great', body: 'Really' })),
    )
    for (const r of results)
      if (r.status === 'rejected') expect(isCommerceError(r.reason, 'conflict')).toBe(true)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30)
    const { rows } = await sql<{ reviews: string; total: string; rating_count: number; rating_sum: number }>`
      select (select count(*) from souk.reviews where product_id = p.id) as reviews,
        (select sum(rating) from souk.reviews where product_id = p.id) as total, p.rating_count, p.rating_sum
      from souk.products p where p.id = ${product.id}`.execute(fixture.storage.db)
    expect(rows[0]!.rating_count).toBe(30)
    expect(Number(rows[0]!.reviews)).toBe(30)
    expect(rows[0]!.rating_sum).toBe(Number(rows[0]!.total))
    const detail = await catalog.getProduct({ productId: product.id })
    expect(detail.rating).toEqual({
      count: 30,
      sum: rows[0]!.rating_sum,
      average: Math.round((rows[0]!.rating_sum * 10) / 30) / 10,
    })
    expect(events.filter((e) => e.type === 'review.created')).toHaveLength(30)
  })

  it('a read racing an update cannot leave the old price cached for later reads', async () => {
    for (let round = 0; round < 15; round++) {
      const product = await catalog.createProduct(productInput())
      const sku = product.variants[0]!.sku
      await catalog.getProduct({ productId: product.id })
      let racing = true
      const readers = Array.from({ length: 4 }, async () => {
        while (racing) {
          await catalog.getProduct({ productId: product.id })
          await catalog.listProducts({ sort: 'newest', limit: 5 })
        }
      })
      await catalog.updateProduct({
        productId: product.id,
        variants: [{ sku, prices: [{ amount: 7777, currency: 'USD' }] }],
      })
      for (let i = 0; i < 5; i++) {
        expect((await catalog.getProduct({ productId: product.id, currency: 'USD' })).price?.amount).toBe(
          7777,
        )
        const listed = (await catalog.listProducts({ sort: 'newest', limit: 5 })).items.find(
          (s) => s.id === product.id,
        )
        expect(listed?.prices[0]?.amount).toBe(7777)
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      racing = false
      await Promise.all(readers)
    }
  })
})
