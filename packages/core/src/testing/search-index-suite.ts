import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import type { KeysetCursor } from '../ports/keyset-page.js'
import type {
  FacetCount,
  SearchDocument,
  SearchFilters,
  SearchIndex,
  SearchQuery,
  SearchResult,
} from '../ports/search-index.js'
import { DEFAULT_PRICE_BUCKET_EDGES, priceBucketIndex, priceBucketValue } from '../search/price-buckets.js'
import type { SuiteApi } from './suite-api.js'

type SynonymCursor = KeysetCursor

export interface SearchIndexHarness {
  readonly index: SearchIndex
}

export interface SearchIndexSuiteOptions {
  /** The price bucket edges the index under test was built with. Default `DEFAULT_PRICE_BUCKET_EDGES`. */
  readonly priceBucketEdges?: readonly number[]
}

type Doc = SearchDocument
type Over = Partial<Omit<Doc, 'price'>> & { price?: number }

/**
 * The search index contract: idempotent upserts, deletes, typo tolerance, field weights, filters,
 * facet counts, sorts and stable pagination; suggest (prefix completions of product and category
 * names, typo tolerant) and synonym sets. Every test puts its documents under a category id
 * of its own and filters on it, so one index may serve all tests (run them one at a time: one
 * test clears the index).
 * @param makeHarness called once per test.
 */
export function searchIndexSuite(
  api: SuiteApi,
  makeHarness: () => Promise<SearchIndexHarness>,
  options: SearchIndexSuiteOptions = {},
): void {
  const { describe, it } = api
  const edges = options.priceBucketEdges ?? DEFAULT_PRICE_BUCKET_EDGES
  const ids = createIdGenerator()
  const T0 = Date.parse('2030-01-01T00:00:00.000Z')

  /** A scope: a category id no other test uses, and a document factory under it. */
  function scope() {
    const categoryId = ids('cat')
    let n = 0
    const make = (over: Over = {}): Doc => {
      n++
      const { price, ...rest } = over
      return {
        id: ids('prod'),
        slug: `product-${n}-${categoryId.slice(-8).toLowerCase()}`,
        name: `Plain item ${n}`,
        description: '',
        tags: [],
        categoryIds: [categoryId],
        sellerId: null,
        price: { amount: price ?? 1000, currency: 'USD' },
        inStock: true,
        popularity: 0,
        rating: null,
        createdAt: new Date(T0 + n * 1000),
        ...rest,
      }
    }
    const query = (index: SearchIndex, q: Omit<SearchQuery, 'filters'> & { filters?: SearchFilters }) =>
      index.search({ limit: 100, ...q, filters: { categoryId, ...q.filters } })
    return { categoryId, make, query }
  }

  const hitIds = (result: SearchResult) => result.hits.map((h) => h.id)
  /** A made-up word no other test uses: suggest has no filters, so each test names its products with one. */
  const word = () =>
    Array.from(
      ids('w').slice(-10).toLowerCase(),
      (c) => 'abcdefghijklmnopqrstuvwxyz'[c.charCodeAt(0) % 26],
    ).join('')
  const names = (list: readonly { name: string }[]) => list.map((x) => x.name)
  const byValue = (counts: readonly FacetCount[] | undefined) =>
    Object.fromEntries((counts ?? []).map((c) => [c.value, c.count]))
  const countBy = (values: readonly string[]) => {
    const counts: Record<string, number> = {}
    for (const v of values) counts[v] = (counts[v] ?? 0) + 1
    return counts
  }

  describe('search index contract', () => {
    it('stores documents and returns them as written', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const parent = ids('cat')
      const doc = s.make({
        name: 'Walnut desk lamp',
        description: 'A warm light for late evenings.',
        tags: ['lighting', 'home office'],
        categoryIds: [s.categoryId, parent],
        categories: [
          { id: parent, name: 'Home' },
          { id: s.categoryId, name: 'Desk lamps' },
        ],
        sellerId: ids('sel'),
        price: 4599,
        inStock: false,
        popularity: 12,
        rating: 4.5,
      })
      await index.upsert([doc])
      const result = await s.query(index, {})
      assert.equal(result.total, 1)
      assert.equal(result.page, 1)
      assert.equal(result.limit, 100)
      assert.deepEqual(result.hits[0]?.document, doc)
      assert.equal(result.hits[0]?.id, doc.id)
      assert.deepEqual(result.facets, {})
      const viaParent = await index.search({ filters: { categoryId: parent } })
      assert.deepEqual(hitIds(viaParent), [doc.id])
    })

    it('upsert is idempotent and replaces by id', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const doc = s.make({ name: 'Ceramic teapot', tags: ['kitchen'] })
      await index.upsert([doc])
      await index.upsert([doc])
      await index.upsert([doc, doc])
      let result = await s.query(index, { q: 'teapot' })
      assert.equal(result.total, 1)
      const changed = {
        ...doc,
        name: 'Porcelain kettle',
        tags: ['tea'],
        price: { amount: 2500, currency: 'USD' },
      }
      await index.upsert([changed])
      result = await s.query(index, {})
      assert.equal(result.total, 1)
      assert.deepEqual(result.hits[0]?.document, changed)
      assert.equal((await s.query(index, { q: 'teapot' })).total, 0)
      assert.equal((await s.query(index, { q: 'kettle' })).total, 1)
      assert.equal((await s.query(index, { filters: { tags: ['kitchen'] } })).total, 0)
    })

    it('delete removes documents and ignores unknown ids; clear removes everything', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const a = s.make({ name: 'Oak stool' })
      const b = s.make({ name: 'Oak bench' })
      const c = s.make()
      await index.upsert([a, b, c])
      await index.delete([a.id, ids('prod')])
      await index.delete([])
      assert.deepEqual(new Set(hitIds(await s.query(index, {}))), new Set([b.id, c.id]))
      assert.deepEqual(hitIds(await s.query(index, { q: 'oak' })), [b.id])
      await index.clear()
      assert.equal((await s.query(index, {})).total, 0)
      assert.equal((await index.search({ q: 'oak' })).total, 0)
      await index.upsert([a])
      assert.deepEqual(hitIds(await s.query(index, { q: 'oak' })), [a.id])
    })

    it('tolerates typos: "wireless headphnes" finds wireless headphones first', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const target = s.make({
        name: 'Wireless Headphones',
        description: 'Over-ear, noise cancelling.',
        tags: ['audio'],
        popularity: 3,
      })
      const others = [
        s.make({ name: 'Wired Headphones', tags: ['audio'], popularity: 50 }),
        s.make({ name: 'Wireless Mouse', tags: ['computer'], popularity: 80 }),
        s.make({ name: 'Headphone Stand', description: 'Holds wireless headphones.', popularity: 90 }),
        s.make({ name: 'Desk Fan', popularity: 100 }),
      ]
      await index.upsert([...others, target])
      const result = await s.query(index, { q: 'wireless headphnes' })
      assert.equal(result.hits[0]?.id, target.id)
      assert.ok(!hitIds(result).includes(others[1]?.id as string), 'a mouse is no headphone')
      assert.ok(!hitIds(result).includes(others[3]?.id as string))
      const single = await s.query(index, { q: 'headphnes' })
      assert.ok(hitIds(single).includes(target.id))
      assert.ok(hitIds(single).includes(others[0]?.id as string))
    })

    it('matches the last word as a prefix', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const target = s.make({ name: 'Bluetooth Speaker' })
      await index.upsert([target, s.make({ name: 'Garden Hose' })])
      assert.deepEqual(hitIds(await s.query(index, { q: 'bluetooth spea' })), [target.id])
    })

    it('weighs name above tags above description, then popularity', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const inDescription = s.make({
        name: 'Stone jar',
        description: 'Keeps marmalade fresh.',
        popularity: 90,
      })
      const inTags = s.make({ name: 'Glass jar', tags: ['marmalade'], popularity: 50 })
      const inName = s.make({ name: 'Marmalade jar', popularity: 10 })
      const inNamePopular = s.make({ name: 'Marmalade pot', popularity: 20 })
      await index.upsert([inDescription, inTags, inName, inNamePopular])
      const result = await s.query(index, { q: 'marmalade' })
      assert.deepEqual(hitIds(result), [inNamePopular.id, inName.id, inTags.id, inDescription.id])
      assert.ok(result.hits.every((h) => typeof h.score === 'number' && Number.isFinite(h.score)))
    })

    it('filters by category ancestors, price range, stock, seller and tags', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const shoes = ids('cat')
      const boots = ids('cat')
      const seller = ids('sel')
      const docs = [
        s.make({
          name: 'Trail boot',
          categoryIds: [s.categoryId, shoes, boots],
          price: 12000,
          tags: ['leather', 'outdoor'],
        }),
        s.make({
          name: 'City boot',
          categoryIds: [s.categoryId, shoes, boots],
          price: 9999,
          sellerId: seller,
          tags: ['leather'],
        }),
        s.make({
          name: 'Runner',
          categoryIds: [s.categoryId, shoes],
          price: 10000,
          inStock: false,
          tags: ['outdoor'],
        }),
        s.make({ name: 'Sandal', categoryIds: [s.categoryId, shoes], price: 2500, sellerId: seller }),
        s.make({ name: 'Umbrella', price: 2499, tags: ['outdoor'] }),
        s.make({
          name: 'Raincoat',
          price: 0,
          inStock: false,
          sellerId: seller,
          tags: ['outdoor', 'leather'],
        }),
      ]
      await index.upsert(docs)
      const cases: [SearchFilters, (d: Doc) => boolean][] = [
        [{ categoryId: shoes }, (d) => d.categoryIds.includes(shoes)],
        [{ categoryId: boots }, (d) => d.categoryIds.includes(boots)],
        [{ priceMin: 2500, priceMax: 10000 }, (d) => d.price.amount >= 2500 && d.price.amount <= 10000],
        [{ priceMax: 0 }, (d) => d.price.amount === 0],
        [{ priceMin: 10001 }, (d) => d.price.amount >= 10001],
        [{ inStock: false }, (d) => !d.inStock],
        [{ inStock: true }, (d) => d.inStock],
        [{ sellerId: seller }, (d) => d.sellerId === seller],
        [{ tags: ['outdoor'] }, (d) => d.tags.includes('outdoor')],
        [{ tags: ['outdoor', 'leather'] }, (d) => d.tags.includes('outdoor') && d.tags.includes('leather')],
        [
          { categoryId: shoes, inStock: true, priceMin: 5000, tags: ['leather'] },
          (d) =>
            d.categoryIds.includes(shoes) &&
            d.inStock &&
            d.price.amount >= 5000 &&
            d.tags.includes('leather'),
        ],
        [{ sellerId: ids('sel') }, () => false],
      ]
      for (const [filters, keep] of cases) {
        const result = await index.search({ limit: 100, filters: { categoryId: s.categoryId, ...filters } })
        const expected = docs.filter(keep).map((d) => d.id)
        assert.deepEqual(new Set(hitIds(result)), new Set(expected), JSON.stringify(filters))
        assert.equal(result.total, expected.length, JSON.stringify(filters))
      }
      const text = await s.query(index, { q: 'boot', filters: { priceMax: 10000 } })
      assert.deepEqual(hitIds(text), [docs[1]?.id])
    })

    it('counts facets over every match, not just the page', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const [red, blue] = [ids('cat'), ids('cat')]
      const prices = [0, 999, 1000, 2499, 2500, 7500, 10000, 99999, 100000, 250000, 4999, 5000]
      const docs = prices.map((price, i) =>
        s.make({
          name: i % 3 === 0 ? `Striped scarf ${i}` : `Plain scarf ${i}`,
          price,
          inStock: i % 4 !== 0,
          categoryIds: [s.categoryId, i % 2 === 0 ? red : blue],
          tags: i % 3 === 0 ? ['wool', 'winter'] : i % 3 === 1 ? ['wool'] : [],
        }),
      )
      await index.upsert(docs)
      const facets = ['category', 'price', 'inStock', 'tags'] as const
      for (const q of [undefined, 'scarf', 'striped']) {
        const result = await s.query(index, { q, facets, limit: 2 })
        const matched = docs.filter((d) => q !== 'striped' || d.name.startsWith('Striped'))
        assert.equal(result.total, matched.length)
        assert.equal(result.hits.length, Math.min(2, matched.length))
        assert.deepEqual(byValue(result.facets.category), countBy(matched.flatMap((d) => d.categoryIds)))
        assert.deepEqual(byValue(result.facets.tags), countBy(matched.flatMap((d) => d.tags)))
        assert.deepEqual(byValue(result.facets.inStock), countBy(matched.map((d) => String(d.inStock))))
        const buckets = countBy(
          matched.map((d) => priceBucketValue(edges, priceBucketIndex(edges, d.price.amount))),
        )
        const expectedPrice = edges
          .map((_, i) => priceBucketValue(edges, i))
          .filter((v) => buckets[v] !== undefined)
          .map((value) => ({ value, count: buckets[value] }))
        assert.deepEqual(result.facets.price, expectedPrice, 'price buckets in price order')
        for (const counts of [result.facets.category, result.facets.tags]) {
          const values = (counts ?? []).map((c) => c.count)
          assert.deepEqual(
            values,
            [...values].sort((a, b) => b - a),
            'highest count first',
          )
        }
      }
      const onlyPrice = await s.query(index, { facets: ['price'] })
      assert.deepEqual(Object.keys(onlyPrice.facets), ['price'])
    })

    it('sorts by newest, price, popularity and rating, ties broken by id', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const docs = [
        s.make({ price: 300, popularity: 5, rating: 3.5, createdAt: new Date(T0 + 5000) }),
        s.make({ price: 100, popularity: 9, rating: null, createdAt: new Date(T0 + 1000) }),
        s.make({ price: 200, popularity: 1, rating: 4.75, createdAt: new Date(T0 + 9000) }),
        s.make({ price: 200, popularity: 5, rating: 2, createdAt: new Date(T0 + 3000) }),
        s.make({ price: 500, popularity: 0, rating: null, createdAt: new Date(T0 + 7000) }),
      ]
      await index.upsert(docs)
      const byId = (a: Doc, b: Doc) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      const expectations: [SearchQuery['sort'], (a: Doc, b: Doc) => number][] = [
        ['newest', (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || byId(b, a)],
        ['price_asc', (a, b) => a.price.amount - b.price.amount || byId(a, b)],
        ['price_desc', (a, b) => b.price.amount - a.price.amount || byId(a, b)],
        ['popular', (a, b) => b.popularity - a.popularity || byId(a, b)],
        [
          'rating',
          (a, b) => (b.rating ?? -1) - (a.rating ?? -1) || b.popularity - a.popularity || byId(a, b),
        ],
      ]
      for (const [sort, compare] of expectations) {
        const result = await s.query(index, { sort })
        assert.deepEqual(
          hitIds(result),
          [...docs].sort(compare).map((d) => d.id),
          String(sort),
        )
      }
      // Without text, relevance falls back to popularity.
      assert.deepEqual(
        hitIds(await s.query(index, { sort: 'relevance' })),
        hitIds(await s.query(index, { sort: 'popular' })),
      )
    })

    it('pages without repeating or skipping a document', async () => {
      const { index } = await makeHarness()
      const s = scope()
      // Equal popularity everywhere, so only the id tie-breaker orders them.
      const docs = Array.from({ length: 23 }, (_, i) =>
        s.make({ name: `Enamel mug ${i}`, popularity: i % 2 }),
      )
      await index.upsert(docs)
      for (const q of [undefined, 'enamel mug']) {
        const all = hitIds(await s.query(index, { q, limit: 100 }))
        assert.equal(all.length, 23)
        const paged: string[] = []
        for (let page = 1; page <= 5; page++) {
          const result = await s.query(index, { q, page, limit: 5 })
          assert.equal(result.total, 23)
          assert.equal(result.page, page)
          assert.equal(result.limit, 5)
          paged.push(...hitIds(result))
        }
        assert.deepEqual(paged, all)
        assert.equal(new Set(paged).size, 23)
        const beyond = await s.query(index, { q, page: 6, limit: 5 })
        assert.deepEqual(beyond.hits, [])
        assert.equal(beyond.total, 23)
      }
    })

    it('highlights matches with <mark> and escapes the rest', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const doc = s.make({
        name: 'Tom & Jerry <Mug>',
        description: 'A large mug for tea, coffee or cocoa. Dishwasher safe.',
        tags: ['mug', 'kitchen'],
      })
      await index.upsert([doc])
      const result = await s.query(index, { q: 'mug' })
      const highlights = Object.fromEntries(
        (result.hits[0]?.highlights ?? []).map((h) => [h.field, h.snippet]),
      )
      const name = highlights.name ?? ''
      assert.match(name, /<mark>[^<]*Mug[^<]*<\/mark>/)
      assert.ok(name.includes('&amp;') && name.includes('&lt;'), name)
      assert.ok(!name.includes('<Mug>'), name)
      assert.match(highlights.description ?? '', /<mark>mug<\/mark>/)
      assert.match(highlights.tags ?? '', /<mark>mug<\/mark>/)
      const browse = await s.query(index, {})
      assert.deepEqual(browse.hits[0]?.highlights, [])
    })

    it('suggests products and categories whose words start with what was typed', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const u = word()
      const [audio, headphones, computers] = [ids('cat'), ids('cat'), ids('cat')]
      const cats = (...list: [string, string][]) => list.map(([id, name]) => ({ id, name }))
      const docs = [
        s.make({
          name: `${u} Wireless Headphones`,
          popularity: 5,
          categoryIds: [s.categoryId, audio, headphones],
          categories: cats([audio, `${u} Audio`], [headphones, `${u} Headphones`]),
        }),
        s.make({
          name: `${u} Headphone Stand`,
          popularity: 50,
          categoryIds: [s.categoryId, audio],
          categories: cats([audio, `${u} Audio`]),
        }),
        s.make({
          name: `${u} Wireless Mouse`,
          popularity: 80,
          categoryIds: [s.categoryId, computers],
          categories: cats([computers, `${u} Computers`]),
        }),
      ]
      await index.upsert(docs)
      const result = await index.suggest({ q: `${u} head`, limit: 5 })
      assert.deepEqual(
        result.products,
        [docs[1], docs[0]].map((d) => ({ id: d?.id, slug: d?.slug, name: d?.name, exact: true })),
        'names with a word starting "head", the more popular first',
      )
      assert.deepEqual(result.categories, [
        { id: headphones, name: `${u} Headphones`, count: 1, exact: true },
      ])
      const both = await index.suggest({ q: `${u} wireless`, limit: 5 })
      assert.deepEqual(names(both.products), [`${u} Wireless Mouse`, `${u} Wireless Headphones`])
      assert.deepEqual(both.categories, [])
      const categories = await index.suggest({ q: `${u} aud`, limit: 5 })
      assert.deepEqual(categories.categories, [{ id: audio, name: `${u} Audio`, count: 2, exact: true }])
      const one = await index.suggest({ q: u, limit: 1 })
      assert.equal(one.products.length, 1)
      assert.equal(one.categories.length, 1)
      assert.deepEqual(one.products[0]?.id, docs[2]?.id, 'the most popular')
    })

    it('suggests through a typo in the prefix, exact matches first', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const u = word()
      const cat = ids('cat')
      const headphones = s.make({
        name: `${u} Wireless Headphones`,
        popularity: 5,
        categoryIds: [s.categoryId, cat],
        categories: [{ id: cat, name: `${u} Headphones` }],
      })
      const lampShade = s.make({ name: `${u} Lamp shade`, popularity: 1 })
      const lambWool = s.make({ name: `${u} Lamb wool`, popularity: 100 })
      await index.upsert([headphones, lampShade, lambWool, s.make({ name: `${u} Garden hose` })])
      for (const typed of ['hedp', 'haedph', 'headphnes']) {
        const result = await index.suggest({ q: `${u} ${typed}`, limit: 5 })
        assert.deepEqual(
          result.products.map((p) => [p.id, p.exact]),
          [[headphones.id, false]],
          typed,
        )
        assert.deepEqual(
          result.categories.map((c) => [c.id, c.exact]),
          [[cat, false]],
          typed,
        )
      }
      const lamp = await index.suggest({ q: `${u} lamp`, limit: 5 })
      assert.deepEqual(
        lamp.products.map((p) => [p.name, p.exact]),
        [
          [`${u} Lamp shade`, true],
          [`${u} Lamb wool`, false],
        ],
        'the exact prefix before the more popular near one',
      )
      assert.deepEqual((await index.suggest({ q: `${u} xqzv`, limit: 5 })).products, [])
      // Three letters allow no typo.
      assert.deepEqual(names((await index.suggest({ q: `${u} lam`, limit: 5 })).products).sort(), [
        `${u} Lamb wool`,
        `${u} Lamp shade`,
      ])
      assert.deepEqual((await index.suggest({ q: `${u} hed`, limit: 5 })).products, [])
    })

    it('keeps suggestions in step with upserts and deletes', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const u = word()
      const cat = ids('cat')
      const a = s.make({
        name: `${u} Teapot`,
        categoryIds: [s.categoryId, cat],
        categories: [{ id: cat, name: `${u} Kitchen` }],
      })
      const b = s.make({
        name: `${u} Teacup`,
        categoryIds: [s.categoryId, cat],
        categories: [{ id: cat, name: `${u} Kitchen` }],
      })
      await index.upsert([a, b])
      await index.upsert([a])
      assert.deepEqual((await index.suggest({ q: `${u} kit`, limit: 5 })).categories[0]?.count, 2)
      await index.upsert([{ ...b, name: `${u} Kettle`, categories: [{ id: cat, name: `${u} Kitchenware` }] }])
      let result = await index.suggest({ q: `${u} te`, limit: 5 })
      assert.deepEqual(names(result.products), [`${u} Teapot`])
      result = await index.suggest({ q: `${u} kit`, limit: 5 })
      assert.deepEqual(result.categories, [{ id: cat, name: `${u} Kitchenware`, count: 2, exact: true }])
      await index.delete([a.id, b.id])
      result = await index.suggest({ q: `${u} k`, limit: 5 })
      assert.deepEqual(result, { products: [], categories: [] })
    })

    it('applies synonym sets to search and suggest, one-way sets in one direction only', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const u = word()
      const couch = s.make({ name: `${u} Grey couch` })
      const ultrabook = s.make({ name: `${u} Slim ultrabook` })
      const laptop = s.make({ name: `${u} Laptop stand` })
      const notebook = s.make({ name: `${u} Notebook computer` })
      await index.upsert([couch, ultrabook, laptop, notebook])
      const found = async (q: string) => new Set(hitIds(await s.query(index, { q: `${u} ${q}` })))
      assert.deepEqual(await found('sofa'), new Set())
      const sofa = `${u}-sofa`
      await index.upsertSynonyms({ id: sofa, terms: ['sofa', 'couch', 'settee'], root: null })
      await index.upsertSynonyms({ id: `${u}-laptop`, terms: ['ultrabook'], root: 'laptop' })
      await index.upsertSynonyms({ id: `${u}-pc`, terms: ['notebook computer', 'portable'], root: null })
      assert.deepEqual(await found('sofa'), new Set([couch.id]))
      assert.deepEqual(await found('settee'), new Set([couch.id]))
      assert.deepEqual(await found('laptop'), new Set([ultrabook.id, laptop.id]))
      assert.deepEqual(await found('ultrabook'), new Set([ultrabook.id]), 'one way only')
      assert.deepEqual(await found('portable'), new Set([notebook.id]), 'a phrase term')
      assert.deepEqual(await found('notebook computer'), new Set([notebook.id]))
      assert.deepEqual(names((await index.suggest({ q: `${u} sofa`, limit: 5 })).products), [
        `${u} Grey couch`,
      ])
      // Replaced by id: the set no longer names "settee".
      await index.upsertSynonyms({ id: sofa, terms: ['sofa', 'couch'], root: null })
      assert.deepEqual(await found('settee'), new Set())
      await index.clear()
      await index.upsert([couch])
      assert.deepEqual(await found('sofa'), new Set([couch.id]), 'clear keeps synonyms')
      assert.equal(await index.deleteSynonyms(sofa), true)
      assert.equal(await index.deleteSynonyms(sofa), false)
      assert.deepEqual(await found('sofa'), new Set())
    })

    it('lists synonym sets by id, page by page', async () => {
      const { index } = await makeHarness()
      const u = word()
      const sets = ['c', 'a', 'b', 'd', 'e'].map((x) => ({
        id: `${u}-${x}`,
        terms: [`${x}one`, `${x}two`],
        root: x === 'e' ? `${x}root` : null,
      }))
      for (const set of sets) await index.upsertSynonyms(set)
      const seen: string[] = []
      const mine: unknown[] = []
      let after: SynonymCursor | undefined
      for (let pages = 0; pages < 1000; pages++) {
        const page = await index.listSynonyms({ after, limit: 2 })
        assert.ok(page.items.length <= 2)
        seen.push(...page.items.map((x) => x.id))
        mine.push(...page.items.filter((x) => x.id.startsWith(`${u}-`)))
        if (page.next === null) break
        assert.equal(page.next.sort, 'id')
        after = page.next
      }
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      )
      assert.equal(new Set(seen).size, seen.length)
      assert.deepEqual(
        mine,
        [...sets].sort((a, b) => (a.id < b.id ? -1 : 1)),
      )
      for (const set of sets) await index.deleteSynonyms(set.id)
    })

    it('indexes a large batch in one upsert', async () => {
      const { index } = await makeHarness()
      const s = scope()
      const docs = Array.from({ length: 300 }, (_, i) =>
        s.make({ name: `Notebook ${i}`, description: i % 10 === 0 ? 'dotted paper' : 'lined paper' }),
      )
      await index.upsert(docs)
      assert.equal((await s.query(index, { limit: 1 })).total, 300)
      assert.equal((await s.query(index, { q: 'dotted', limit: 1 })).total, 30)
    })
  })
}
