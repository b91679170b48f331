import type { SearchIndex } from '@souk/core'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresSearchIndex } from '../src/search/postgres-search-index.js'
import { generateDocuments } from './search-support.js'
import { describeOnDrivers, postgresFixture } from './support.js'

/**
 * Suggest reads a dense prefix's matches from the most popular documents first (a bounded walk of
 * the popularity index) and falls back to the tsvector index when those hold less than a page.
 * Either way the products are the first matches in (popularity, id) order: checked against plain
 * SQL, for a dense prefix, a prefix whose matches are all among the least popular documents (the
 * walk finds none and falls back), and a rare word (no walk).
 */

const DOCUMENTS = 6000
/** Documents from this one on (the least popular) are named "Zephyrine ...". */
const ZEPHYRINE_FROM = 4500

const documents = () =>
  generateDocuments(DOCUMENTS, 5).map((d, i) => ({
    ...d,
    // A few "Hearth"s, the exact matches of "hear"; "Heath" and "Headphones" are one typo from it.
    name: `${i >= ZEPHYRINE_FROM ? 'Zephyrine ' : ''}${i % 50 === 7 ? 'Heath ' : ''}${i % 500 === 3 ? 'Hearth ' : ''}${d.name} Mk${i}`,
    // Most popular first, ties none: the order suggest must follow.
    popularity: DOCUMENTS - i,
    categories: d.categoryIds.map((id) => ({ id, name: id.slice(4) })),
  }))

/** The first `limit` documents whose name holds every word as a prefix, by popularity then id. */
async function expected(db: Kysely<unknown>, words: readonly string[], limit: number): Promise<string[]> {
  const query = words.map((w) => `'${w}':*A`).join(' & ')
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM souk.search_documents WHERE tsv @@ to_tsquery('english', ${query})
    ORDER BY popularity DESC, id LIMIT ${limit}`.execute(db)
  return rows.map((r) => r.id)
}

describeOnDrivers('suggest_walk', (fixture) => {
  beforeAll(async () => {
    const { storage } = fixture()
    await storage.search.upsert(documents())
    await sql`ANALYZE souk.search_documents, souk.search_suggest_terms`.execute(storage.db)
  }, 120_000)

  it.each([
    ['a dense prefix', ['head']],
    ['two dense prefixes', ['wire', 'head']],
    ['a prefix held only by the least popular documents', ['zephyr']],
    ['a rare word', ['mk4242']],
  ])('%s: the exact matches are the most popular ones, in order', async (_, words) => {
    const { storage } = fixture()
    const result = await storage.search.suggest({ q: words.join(' '), limit: 8 })
    const exact = result.products.filter((p) => p.exact).map((p) => p.id)
    expect(exact).toEqual(await expected(storage.db as Kysely<unknown>, words, 8))
    expect(exact.length).toBe(words[0] === 'mk4242' ? 1 : 8)
  })

  it('fills the page with the near matches (one typo away) in order, after the exact ones', async () => {
    const { storage } = fixture()
    const result = await storage.search.suggest({ q: 'hear', limit: 20 })
    const near = async (limit: number) =>
      (
        await sql<{ id: string }>`
          SELECT id FROM souk.search_documents
          WHERE tsv @@ to_tsquery('english', ${"'headphones':A | 'heath':A"})
            AND NOT tsv @@ to_tsquery('english', ${"'hear':*A"})
          ORDER BY popularity DESC, id LIMIT ${limit}`.execute(storage.db)
      ).rows.map((r) => r.id)
    const exact = result.products.filter((p) => p.exact).map((p) => p.id)
    expect(exact).toEqual(await expected(storage.db as Kysely<unknown>, ['hear'], 20))
    expect(exact.length).toBe(12)
    expect(result.products.every((p) => typeof p.exact === 'boolean')).toBe(true)
    expect(result.products.filter((p) => !p.exact).map((p) => p.id)).toEqual(await near(8))
  })
})

describe('suggest on real Postgres: which index a prefix is read through', () => {
  let fixture: Awaited<ReturnType<typeof postgresFixture>>
  const statements: { sql: string; parameters: readonly unknown[] }[] = []
  let index: SearchIndex
  let db: Kysely<unknown>

  beforeAll(async () => {
    fixture = await postgresFixture('suggest_walk_plans', 4)
    db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: fixture.pool }),
      log: (event) => {
        if (event.level === 'query')
          statements.push({ sql: event.query.sql, parameters: event.query.parameters })
      },
    })
    index = postgresSearchIndex({ storage: { db, schema: 'souk' } })
    await index.upsert(documents())
    await sql`ANALYZE souk.search_documents, souk.search_suggest_terms`.execute(db)
  }, 120_000)
  afterAll(() => fixture.close())

  async function productPlan(q: string): Promise<string> {
    statements.length = 0
    await index.suggest({ q, limit: 8 })
    const statement = statements.at(-1)!
    const client = await fixture.pool.connect()
    try {
      // 6,000 documents fit in few pages, where a scan is rightly cheaper; priced out, the planner
      // shows the index that serves the query once the table is large.
      await client.query('SET enable_seqscan = off')
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${statement.sql}`, [...statement.parameters])
      await client.query('RESET enable_seqscan')
      return JSON.stringify(rows)
    } finally {
      client.release()
    }
  }

  it('walks the popularity index for a dense prefix, and the tsvector index for a rare word', async () => {
    const dense = await productPlan('head')
    expect(dense).toContain('search_documents_popular_idx')
    const rare = await productPlan('mk4242')
    expect(rare).not.toContain('search_documents_popular_idx')
    expect(rare).toContain('search_documents_tsv_idx')
  })
})
