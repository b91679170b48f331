import {
  type Commerce,
  type CsvProgress,
  createCommerce,
  exportProductsCsv,
  importProductsCsv,
  isCommerceError,
  silentLogger,
} from '@souk/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

const HEADER =
  'handle,name,description,status,category,category_names,seller,seller_name,tags,attributes,images,sku,options,weight_grams,price:EUR,price:USD,stock:main,stock:eu-2'

/** `products` products of 4 variants each: 2,000 rows for 500. */
function catalogCsv(products: number): string {
  const lines = [HEADER]
  for (let p = 0; p < products; p++) {
    const category = p % 3 === 0 ? 'apparel/tees' : p % 3 === 1 ? 'apparel' : 'home/kitchen'
    const names = p % 3 === 0 ? 'Apparel/T-shirts \\/ tops' : p % 3 === 1 ? 'Apparel' : 'Home/Kitchen'
    const seller = p % 2 === 0 ? 'acme' : ''
    for (let v = 0; v < 4; v++) {
      const first = v === 0
      lines.push(
        [
          `item-${p}`,
          first ? `"Item ${p}, ""the best"""` : '',
          first ? `"Line one\nline two, with a comma"` : '',
          first ? (p % 5 === 0 ? 'draft' : 'active') : '',
          first ? category : '',
          first ? names : '',
          first ? seller : '',
          first && seller ? 'Acme Goods' : '',
          first ? 'sale|new\\|ish' : '',
          first ? 'material=cotton|fit=slim\\=ish' : '',
          first ? `https://img.example/${p}.jpg Front view|https://img.example/${p}-b.jpg` : '',
          `SKU-${p}-${v}`,
          `size=${['S', 'M', 'L', 'XL'][v]}`,
          String(100 + v),
          String(1000 + p + v),
          v === 3 ? '' : String(1100 + p),
          String(p % 7),
          v % 2 === 0 ? '' : String(v),
        ].join(','),
      )
    }
  }
  return `${lines.join('\r\n')}\r\n`
}

async function exported(commerce: Commerce): Promise<string> {
  let text = ''
  for await (const chunk of exportProductsCsv(commerce)) text += chunk
  return text
}

describe('product CSV on PostgreSQL', () => {
  let first: StorageFixture
  let second: StorageFixture
  let a: Commerce
  let b: Commerce
  beforeAll(async () => {
    ;[first, second] = await Promise.all([
      postgresFixture('product_csv_a', 5),
      postgresFixture('product_csv_b', 5),
    ])
    a = createCommerce({ storage: first.storage, logger: silentLogger })
    b = createCommerce({ storage: second.storage, logger: silentLogger })
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([first?.close(), second?.close()])
  })

  it('imports 2,000 rows with progress, re-imports as a no-op, and round-trips through export', async () => {
    const csv = catalogCsv(500)
    const progress: CsvProgress[] = []
    const started = performance.now()
    const report = await importProductsCsv(a, { source: csv, onProgress: (p) => progress.push(p) })
    const ms = performance.now() - started
    console.log(`[product csv] 2,000 rows imported in ${(ms / 1000).toFixed(1)} s`)
    expect(report).toMatchObject({
      rows: 2000,
      products: 500,
      created: 500,
      updated: 0,
      unchanged: 0,
      failed: 0,
      errors: [],
      errorCount: 0,
    })
    // stock:main on every row, stock:eu-2 on odd variants.
    expect(report.stockLevels).toBe(2000 + 1000)
    expect(progress[0]).toEqual({ done: 0, total: 2000 })
    expect(progress.at(-1)).toEqual({ done: 2000, total: 2000 })
    expect(progress.every((p, i) => i === 0 || p.done > progress[i - 1]!.done)).toBe(true)

    const tee = await a.catalog.getProduct({ slug: 'item-0', currency: 'EUR' })
    expect(tee).toMatchObject({
      name: 'Item 0, "the best"',
      description: 'Line one\nline two, with a comma',
      status: 'draft',
      tags: ['sale', 'new|ish'],
      attributes: { material: 'cotton', fit: 'slim=ish' },
      seller: { slug: 'acme', name: 'Acme Goods' },
    })
    expect(tee.categoryPath.map((c) => [c.slug, c.name])).toEqual([
      ['apparel', 'Apparel'],
      ['tees', 'T-shirts / tops'],
    ])
    expect(tee.images.map((i) => [i.url, i.alt, i.primary])).toEqual([
      ['https://img.example/0.jpg', 'Front view', true],
      ['https://img.example/0-b.jpg', '', false],
    ])
    expect(tee.variants.map((v) => [v.sku, v.options.size, v.prices.length])).toEqual([
      ['SKU-0-0', 'S', 2],
      ['SKU-0-1', 'M', 2],
      ['SKU-0-2', 'L', 2],
      ['SKU-0-3', 'XL', 1],
    ])
    expect(await a.inventory.getLevels({ sku: 'SKU-3-1' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ locationId: 'main', onHand: 3 }),
        expect.objectContaining({ locationId: 'eu-2', onHand: 1 }),
      ]),
    )
    // Listing under the imported category tree works at once.
    const apparel = (await a.catalog.listCategories()).find((c) => c.slug === 'apparel')!
    expect((await a.catalog.listProducts({ categoryId: apparel.id, limit: 1 })).total).toBe(
      [...Array(500).keys()].filter((p) => p % 3 !== 2 && p % 5 !== 0).length,
    )

    const again = await importProductsCsv(a, { source: csv })
    expect(again).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 500,
      stockLevels: 0,
      failed: 0,
      errorCount: 0,
    })
    expect((await a.catalog.listProducts({ status: 'active', limit: 1 })).total).toBe(400)

    // Export → import into an empty database → export: the same text.
    const text = await exported(a)
    expect(text.split('\r\n').length).toBeGreaterThan(2000)
    const copy = await importProductsCsv(b, { source: text })
    expect(copy).toMatchObject({ created: 500, failed: 0, errorCount: 0 })
    expect(await exported(b)).toBe(text)
  }, 600_000)

  it('changes only what the file changes, and removes variants the file no longer lists', async () => {
    const csv = [
      'handle,name,sku,options,price:EUR,stock:main',
      'edit-me,Edit me,EDIT-1,size=S,500,5',
      ',,,,,',
      'edit-me,,EDIT-2,size=M,600,',
    ].join('\n')
    const report = await importProductsCsv(a, { source: csv })
    expect(report).toMatchObject({ created: 1, failed: 0, stockLevels: 1 })
    const changed = 'handle,sku,options,price:EUR,stock:main\nedit-me,EDIT-2,size=M,650,9\n'
    expect(await importProductsCsv(a, { source: changed })).toMatchObject({ updated: 1, stockLevels: 1 })
    const product = await a.catalog.getProduct({ slug: 'edit-me' })
    expect(product.name).toBe('Edit me')
    expect(product.variants.map((v) => [v.sku, v.options, v.prices[0]!.amount])).toEqual([
      ['EDIT-2', { size: 'M' }, 650],
    ])
    expect(await a.inventory.getLevels({ sku: 'EDIT-2' })).toEqual([expect.objectContaining({ onHand: 9 })])
  })

  it('reports bad rows with their lines and writes none of their products', async () => {
    const csv = [
      'handle,name,description,sku,price:EUR,stock:main',
      'good-one,Good,,GOOD-1,100,1',
      'neg-stock,Negative,,NEG-1,100,-5',
      'frac-price,Fraction,,FRAC-1,12.50,1',
      'wrong-width,Too few,GOOD-2,100',
      'half-bad,Half,,HALF-1,100,1',
      'half-bad,,,HALF-2,abc,1',
      'Bad Slug,Bad,,BAD-1,100,1',
      'dup-sku,Dup,,GOOD-1,100,1',
      'no-name,,,NONAME-1,100,1',
      'good-one,Again,,GOOD-3,100,1',
      'good-two,"Quoted, fine","multi',
      'line",GOOD-4,200,2',
    ].join('\n')
    const report = await importProductsCsv(a, { source: csv })
    expect(report).toMatchObject({ rows: 12 - 1, created: 2, failed: 8 })
    const lines = report.errors.map((e) => [e.line, e.column])
    expect(lines).toEqual([
      [3, 'stock:main'],
      [4, 'price:EUR'],
      [5, null],
      [7, 'price:EUR'],
      [8, 'handle'],
      [9, 'sku'],
      [10, 'name'],
      [11, 'handle'],
    ])
    expect(report.errors[0]!.message).toMatch(/below 0/)
    expect(report.errors[2]!.message).toMatch(/4 fields where the header has 6/)
    expect(report.errors[5]!.message).toMatch(/GOOD-1/)
    for (const slug of ['neg-stock', 'frac-price', 'half-bad', 'dup-sku', 'no-name']) {
      await expect(a.catalog.getProduct({ slug })).rejects.toMatchObject({ code: 'not_found' })
    }
    expect((await a.catalog.getProduct({ slug: 'good-two' })).description).toBe('multi\nline')
    // A SKU another product holds in the database: refused at its write, with the line.
    const thief = await importProductsCsv(a, { source: 'handle,name,sku,price:EUR\nthief,Thief,GOOD-1,1\n' })
    expect(thief).toMatchObject({ created: 0, failed: 1 })
    expect(thief.errors).toEqual([expect.objectContaining({ line: 2, column: 'sku', handle: 'thief' })])
    // A dry run checks against the database too, and writes nothing.
    const dry = await importProductsCsv(a, {
      source: 'handle,name,sku,price:EUR\nnew-dry,Dry,DRY-1,100\nalso-dry,Dry,GOOD-1,1\n',
      dryRun: true,
    })
    expect(dry).toMatchObject({ dryRun: true, created: 2, errorCount: 0 })
    await expect(a.catalog.getProduct({ slug: 'new-dry' })).rejects.toMatchObject({ code: 'not_found' })
  })

  it.each([
    ['an unterminated quote', 'handle,name,sku,price:EUR\nok,Ok,OK-U,1\nx,"never,X-1,1\n', 'line 3'],
    ['an unknown column', 'handle,name,sku,price:EUR,colour\n', 'line 1, column 5'],
    ['a header without a price', 'handle,name,sku\n', 'line 1'],
    ['an oversized field', `handle,name,sku,price:EUR\nbig,${'x'.repeat(2000)},BIG-1,1\n`, 'line 2'],
    ['an empty file', '', 'line 1'],
  ])('refuses a file with %s before writing anything', async (_, csv, path) => {
    let error: unknown
    try {
      await importProductsCsv(a, { source: csv, limits: { maxFieldChars: 1000 } })
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'validation.failed')).toBe(true)
    expect((error as { details: { issues: { path: string }[] } }).details.issues[0]!.path).toBe(path)
    await expect(a.catalog.getProduct({ slug: 'ok' })).rejects.toMatchObject({ code: 'not_found' })
  })
})
