import { PGlite } from '@electric-sql/pglite'
import { createIdGenerator, type Logger, type SearchDocument } from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { postgresSearchIndex } from '../src/search/postgres-search-index.js'
import { generateDocuments } from './search-support.js'
import { pgliteFixture, postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
let docs: SearchDocument[]
const ids = createIdGenerator()

beforeAll(async () => {
  fixture = await postgresFixture('search_index_pg', 30)
  docs = generateDocuments(600, 7)
  await fixture.storage.search.upsert(docs)
})
afterAll(() => fixture.close())

/** Counts straight from the table, written independently of the index's own query. */
async function sqlCount(where: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM souk.search_documents d WHERE ${where}`.execute(fixture.storage.db)
  return Number(rows[0]?.n)
}

async function sqlFacet(expression: ReturnType<typeof sql>, where: ReturnType<typeof sql>) {
  const { rows } = await sql<{ value: string; n: string }>`
    SELECT v.value, count(*) AS n FROM souk.search_documents d CROSS JOIN LATERAL ${expression} AS v(value)
    WHERE ${where} GROUP BY v.value`.execute(fixture.storage.db)
  return Object.fromEntries(rows.map((r) => [r.value, Number(r.n)]))
}

const asMap = (counts: readonly { value: string; count: number }[] | undefined) =>
  Object.fromEntries((counts ?? []).map((c) => [c.value, c.count]))

describe('Postgres search index on real Postgres', () => {
  it('"wireless headphnes" → wireless headphones first, and says what it searched', async () => {
    const result = await fixture.storage.search.search({ q: 'wireless headphnes', limit: 10 })
    expect(result.correctedQuery).toBe('wireless headphones')
    expect(result.hits[0]?.document.name.toLowerCase()).toContain('wireless headphones')
    expect(result.total).toBe(
      docs.filter((d) => {
        const text = `${d.name} ${d.tags.join(' ')} ${d.description}`.toLowerCase()
        return text.includes('wireless') && text.includes('headphone')
      }).length,
    )
    // Typed correctly, nothing is corrected.
    expect((await fixture.storage.search.search({ q: 'wireless headphones' })).correctedQuery).toBeUndefined()
  })

  it.each([
    ['category', { categoryId: 'cat_audio' }, sql`d.category_ids @> ARRAY['cat_audio']`],
    ['price range', { priceMin: 2500, priceMax: 9999 }, sql`d.price BETWEEN 2500 AND 9999`],
    ['in stock', { inStock: true }, sql`d.in_stock`],
    [
      'seller and tag',
      { sellerId: 'sel_2', tags: ['sale'] },
      sql`d.seller_id = 'sel_2' AND d.tags @> ARRAY['sale']`,
    ],
    [
      'everything',
      { categoryId: 'cat_home', priceMax: 20000, inStock: false, tags: ['gift'] },
      sql`d.category_ids @> ARRAY['cat_home'] AND d.price <= 20000 AND NOT d.in_stock AND d.tags @> ARRAY['gift']`,
    ],
  ] as const)(
    'total and facets with a %s filter agree with a direct SQL count',
    async (_, filters, where) => {
      for (const [q, text] of [
        [undefined, sql`true`],
        ['wireless', sql`d.tsv @@ to_tsquery('english', 'wireless')`],
      ] as const) {
        const result = await fixture.storage.search.search({
          q,
          filters,
          facets: ['category', 'price', 'inStock', 'tags'],
          limit: 5,
        })
        const both = sql`${where} AND ${text}`
        expect(result.total).toBe(await sqlCount(both))
        expect(asMap(result.facets.category)).toEqual(await sqlFacet(sql`unnest(d.category_ids)`, both))
        expect(asMap(result.facets.tags)).toEqual(await sqlFacet(sql`unnest(d.tags)`, both))
        expect(asMap(result.facets.inStock)).toEqual(await sqlFacet(sql`(VALUES (d.in_stock::text))`, both))
        const price = await sqlFacet(
          sql`(VALUES (CASE WHEN d.price < 1000 THEN '0-1000' WHEN d.price < 2500 THEN '1000-2500'
          WHEN d.price < 5000 THEN '2500-5000' WHEN d.price < 10000 THEN '5000-10000'
          WHEN d.price < 25000 THEN '10000-25000' WHEN d.price < 50000 THEN '25000-50000'
          WHEN d.price < 100000 THEN '50000-100000' ELSE '100000-' END))`,
          both,
        )
        expect(asMap(result.facets.price)).toEqual(price)
      }
    },
  )

  it('pages through 600 documents under every sort without repeating or skipping one', async () => {
    for (const sort of ['popular', 'newest', 'price_asc', 'price_desc', 'rating'] as const) {
      const seen: string[] = []
      for (let page = 1; page <= 7; page++) {
        const result = await fixture.storage.search.search({ sort, page, limit: 100 })
        seen.push(...result.hits.map((h) => h.id))
      }
      expect(seen).toHaveLength(docs.length)
      expect(new Set(seen).size).toBe(docs.length)
    }
  })

  it('a query of stop words alone browses everything', async () => {
    const result = await fixture.storage.search.search({ q: 'the of and', limit: 1 })
    expect(result.total).toBe(docs.length)
  })

  it('keeps the vocabulary counts exact through updates, deletes and racing writers', async () => {
    const index = fixture.storage.search
    const mine = generateDocuments(120, 99).map((d) => ({ ...d, id: ids('prod') }))
    await index.upsert(mine)
    const renamed = mine
      .slice(0, 60)
      .map((d, i) => ({ ...d, name: `${d.name} revised${i % 7}`, tags: ['revised'] }))
    // Concurrent writers over overlapping documents, on separate connections.
    await Promise.all([
      index.upsert(renamed.slice(0, 40)),
      index.upsert(renamed.slice(20, 60)),
      index.delete(mine.slice(100).map((d) => d.id)),
      index.upsert(mine.slice(90, 110)),
      index.delete(mine.slice(50, 55).map((d) => d.id)),
      ...renamed.slice(0, 10).map((d) => index.upsert([d])),
    ])
    const { rows: drift } = await sql<{ term: string; stored: number | null; actual: number | null }>`
      WITH actual AS (
        SELECT v.lexeme AS term, count(*)::int AS n
        FROM souk.search_documents d,
          unnest(to_tsvector('simple', d.name || ' ' || array_to_string(d.tags, ' ') || ' ' || d.description)) v
        WHERE length(v.lexeme) <= 40 AND v.lexeme !~ '[[:punct:]]'
        GROUP BY v.lexeme
      )
      SELECT coalesce(a.term, t.term) AS term, t.doc_count AS stored, a.n AS actual
      FROM actual a FULL JOIN souk.search_terms t ON t.term = a.term
      WHERE a.n IS DISTINCT FROM t.doc_count`.execute(fixture.storage.db)
    expect(drift).toEqual([])
  })

  it('uses the GIN index for text and category filters on a large table', async () => {
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN SELECT id FROM souk.search_documents d
      WHERE d.tsv @@ to_tsquery('english', 'headphones') AND d.category_ids @> ARRAY['cat_audio']`.execute(
      fixture.storage.db,
    )
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
    expect(plan).toMatch(/search_documents_(tsv|category)_idx/)
  })
})

describe('Postgres search index on PGlite without pg_trgm', () => {
  let bare: StorageFixture
  beforeAll(async () => {
    bare = await pgliteFixture({ pgTrgm: false })
  })
  afterAll(() => bare.close())

  it('migrates, searches exactly and by prefix, corrects nothing, and says so once', async () => {
    const warnings: string[] = []
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} }
    const index = postgresSearchIndex({ storage: bare.storage, logger })
    await index.upsert(generateDocuments(40, 3))
    expect((await index.search({ q: 'wireless headphones' })).total).toBeGreaterThan(0)
    expect((await index.search({ q: 'wireless headph' })).total).toBeGreaterThan(0)
    expect((await index.search({ q: 'wireless headphnes' })).total).toBe(0)
    await index.search({ q: 'speekers' })
    expect(warnings).toEqual(['pg_trgm is not installed: search runs without typo correction'])
  })

  it('shows how to get typo tolerance on PGlite: load pg_trgm when creating it', async () => {
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
    const pglite = new PGlite('memory://', { extensions: { pg_trgm } })
    const storage = postgresStorage({ pglite })
    try {
      await storage.migrate()
      await storage.search.upsert(generateDocuments(40, 3))
      const result = await storage.search.search({ q: 'wireless headphnes' })
      expect(result.correctedQuery).toBe('wireless headphones')
      expect(result.total).toBeGreaterThan(0)
    } finally {
      await storage.close()
      await pglite.close()
    }
  })
})
