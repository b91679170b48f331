import {
  DEFAULT_PRICE_BUCKET_EDGES,
  effectiveSort,
  type FacetCount,
  isValidPriceBucketEdges,
  type Logger,
  parseConfig,
  priceBucketValue,
  type SearchDocument,
  type SearchFacet,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
  type SearchSort,
  type SynonymSet,
} from '@souk/core'
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely'
import { z } from 'zod'
import { withMappedErrors } from '../map-postgres-error.js'
import { trgmSchemaOf } from '../migrations/004-search.js'
import { transact } from '../transact.js'
import { createPostgresSuggest } from './postgres-search-suggest.js'
import { createPostgresSynonyms } from './postgres-search-synonyms.js'
import { matchSynonyms, type SynonymSpan } from './search-synonyms.js'
import type { SearchDocumentsTable } from './search-tables.js'
import {
  allowedTypos,
  buildTsquery,
  pickCorrection,
  type QueryWord,
  tokenizeQuery,
  type WordLookup,
} from './search-text.js'

/** Options of the Postgres search index. */
export interface PostgresSearchIndexOptions {
  /** Lower edges of the price facet buckets, in minor units, from 0 up. Default `DEFAULT_PRICE_BUCKET_EDGES`. */
  readonly priceBucketEdges?: readonly number[]
  /** Most values the category and tags facets return. Default 50. */
  readonly maxFacetValues?: number
  /** Told once when pg_trgm is missing and search runs without typo correction. Default: silent. */
  readonly logger?: Logger
}

/** The part of `PostgresStorage` the index needs. */
export interface SearchIndexStorage {
  // biome-ignore lint/suspicious/noExplicitAny: any Kysely bound to Souk's schema will do.
  readonly db: Kysely<any>
  readonly schema: string
}

/** Rank weights for ts_rank_cd, in its order {D, C, B, A}: description C, tags B, name A. */
const WEIGHTS = '{0.05, 0.2, 0.5, 1.0}'
/** Documents per upsert statement; bounds the size of one JSON parameter. */
const UPSERT_CHUNK = 500
/** Completions tried for a word that is only a prefix of indexed words. */
const COMPLETIONS = 3
/** Vocabulary words trigram similarity proposes per misspelt word; edit distance then decides. */
const CORRECTION_CANDIDATES = 10
const HEADLINE_FULL = 'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
const HEADLINE_FRAGMENTS = 'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, MaxFragments=2'

const optionsSchema = z.strictObject({
  priceBucketEdges: z
    .array(z.number())
    .max(50)
    .refine(isValidPriceBucketEdges, 'must start at 0 and strictly increase through whole numbers')
    .optional(),
  maxFacetValues: z.number().int().min(1).max(1000).optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger)?.warn === 'function').optional(),
})

/** A `search_documents` row as the search statement returns it, through JSON: times as text. */
interface HitRow extends Omit<Selectable<SearchDocumentsTable>, 'created_at' | 'tsv' | 'categories'> {
  categories: { id: string; name: string }[] | string | null
  created_at: string
  score: number
  hl_name: string | null
  hl_tags: string | null
  hl_description: string | null
}

interface TermCount {
  /** Which table the row belongs to: the search vocabulary, the suggest vocabulary, or categories. */
  kind: 'search' | 'suggest' | 'category'
  term: string
  doc_count: number | string
}

interface ResultRow {
  total: number | string
  hits: HitRow[] | string | null
  facet_category: FacetCount[] | string | null
  facet_tags: FacetCount[] | string | null
  facet_in_stock: FacetCount[] | string | null
  facet_price: { bucket: number; count: number }[] | string | null
}

/** node-postgres parses json columns; some drivers hand back text. */
function json<T>(value: T | string | null): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value
}

function toDocument(row: HitRow): SearchDocument {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    tags: row.tags,
    categoryIds: row.category_ids,
    ...(row.categories === null ? {} : { categories: json(row.categories) ?? [] }),
    sellerId: row.seller_id,
    price: { amount: Number(row.price), currency: row.currency.trim() },
    inStock: row.in_stock,
    popularity: Number(row.popularity),
    rating: row.rating === null ? null : Number(row.rating),
    createdAt: new Date(row.created_at),
  }
}

function toHit(row: HitRow): SearchHit {
  const highlights: SearchHit['highlights'][number][] = []
  const add = (field: 'name' | 'tags' | 'description', snippet: string | null) => {
    if (snippet?.includes('<mark>')) highlights.push({ field, snippet })
  }
  add('name', row.hl_name)
  add('tags', row.hl_tags)
  add('description', row.hl_description)
  return { id: row.id, score: Number(row.score), document: toDocument(row), highlights }
}

/** The order of every sort, ending on the id so equal keys never swap between pages. */
function orderBy(sort: SearchSort, alias: string): RawBuilder<unknown> {
  const c = (column: string) => sql.ref(`${alias}.${column}`)
  switch (sort) {
    case 'relevance':
      return sql`${c('score')} DESC, ${c('popularity')} DESC, ${c('id')}`
    case 'popular':
      return sql`${c('popularity')} DESC, ${c('id')}`
    case 'price_asc':
      return sql`${c('price')}, ${c('id')}`
    case 'price_desc':
      return sql`${c('price')} DESC, ${c('id')}`
    case 'newest':
      return sql`${c('created_at')} DESC, ${c('id')} DESC`
    case 'rating':
      return sql`${c('rating')} DESC NULLS LAST, ${c('popularity')} DESC, ${c('id')}`
  }
}

/**
 * The distinct plain words of a document (simple config: lower-cased, unstemmed), the vocabulary
 * typo correction draws on. Computed from the stored text whenever needed, so never stored.
 */
const wordsOf = (alias: string) => {
  const c = (column: string) => sql.ref(`${alias}.${column}`)
  return sql`ARRAY(
    SELECT v.lexeme FROM unnest(to_tsvector('simple',
      ${c('name')} || ' ' || array_to_string(${c('tags')}, ' ') || ' ' || ${c('description')})) v
    WHERE length(v.lexeme) <= 40 AND v.lexeme !~ '[[:punct:]]')`
}

/**
 * The distinct plain words of a document's name and of its categories' names: what suggest
 * completes (`search_suggest_terms`).
 */
const suggestWordsOf = (alias: string) => {
  const c = (column: string) => sql.ref(`${alias}.${column}`)
  return sql`ARRAY(
    SELECT v.lexeme FROM unnest(to_tsvector('simple', ${c('name')} || ' ' || coalesce(
      (SELECT string_agg(e->>'name', ' ') FROM jsonb_array_elements(${c('categories')}) e), ''))) v
    WHERE length(v.lexeme) <= 40 AND v.lexeme !~ '[[:punct:]]')`
}

/** HTML-escapes text inside SQL, before ts_headline adds its `<mark>` tags. */
const escaped = (expression: RawBuilder<unknown>) =>
  sql`replace(replace(replace(${expression}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`

/**
 * Souk's default search index: PostgreSQL full-text search over `search_documents` (migration
 * 004), on node-postgres and PGlite. Relevance is `ts_rank_cd` with name (A) over tags (B) over
 * description (C), then popularity. A misspelt word is replaced by the most similar word of the
 * indexed vocabulary (pg_trgm trigram similarity), so "wireless headphnes" finds wireless
 * headphones; without pg_trgm words are still matched exactly and as prefixes.
 *
 * `postgresStorage(...)` already carries one with default options as `storage.search`; build one
 * yourself for other options:
 * ```ts
 * const search = postgresSearchIndex({ storage, maxFacetValues: 20 })
 * ```
 * Throws `ConfigError` for invalid options.
 */
export function postgresSearchIndex(
  config: { readonly storage: SearchIndexStorage } & PostgresSearchIndexOptions,
): SearchIndex {
  // `storage.db` is a Kysely instance, not a transaction: writes take their own, under an advisory lock.
  const { storage, ...options } = config
  const { db, schema } = storage
  const parsed = parseConfig(optionsSchema, options, 'postgresSearchIndex options')
  const edges = parsed.priceBucketEdges ?? DEFAULT_PRICE_BUCKET_EDGES
  const maxFacetValues = parsed.maxFacetValues ?? 50
  const documents = sql.id(schema, 'search_documents')
  const terms = sql.id(schema, 'search_terms')
  const suggestTerms = sql.id(schema, 'search_suggest_terms')
  const categoryTable = sql.id(schema, 'search_categories')
  const synonymTable = sql.id(schema, 'search_synonyms')
  const synonyms = createPostgresSynonyms(db, schema)
  const { suggest } = createPostgresSuggest(db, schema)
  const lockKey = `${schema}.search_documents`

  let trgm: Promise<string | null> | undefined
  /** The schema of pg_trgm, looked up once; null when typo correction is unavailable. */
  function trgmSchema(): Promise<string | null> {
    trgm ??= trgmSchemaOf(db).then(
      (found) => {
        if (found === null) {
          parsed.logger?.warn('pg_trgm is not installed: search runs without typo correction', { schema })
        }
        return found
      },
      (error: unknown) => {
        trgm = undefined
        throw error
      },
    )
    return trgm
  }

  /** Serialises index writes, so vocabulary counts read and written in one statement stay exact. */
  function locked<T>(work: (trx: Kysely<unknown>) => Promise<T>): Promise<T> {
    return withMappedErrors(() =>
      transact(db as Kysely<unknown>, async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx)
        return work(trx)
      }),
    )
  }

  /** Deletes the words and categories a write left without documents (by key: no scan, no extra index). */
  async function dropUnusedTerms(trx: Kysely<unknown>, changed: readonly TermCount[]): Promise<void> {
    const unused = (kind: TermCount['kind']) =>
      changed.filter((t) => t.kind === kind && Number(t.doc_count) <= 0).map((t) => t.term)
    for (const [kind, table, key] of [
      ['search', terms, 'term'],
      ['suggest', suggestTerms, 'term'],
      ['category', categoryTable, 'id'],
    ] as const) {
      const gone = unused(kind)
      if (gone.length === 0) continue
      await sql`DELETE FROM ${table} WHERE ${sql.ref(key)} = ANY(${gone}::text[]) AND doc_count <= 0`.execute(
        trx,
      )
    }
  }

  async function upsertChunk(trx: Kysely<unknown>, chunk: readonly SearchDocument[]): Promise<void> {
    const input = chunk.map((d) => ({
      id: d.id,
      slug: d.slug,
      name: d.name,
      description: d.description,
      tags: d.tags,
      category_ids: d.categoryIds,
      seller_id: d.sellerId,
      price: d.price.amount,
      currency: d.price.currency,
      in_stock: d.inStock,
      popularity: d.popularity,
      rating: d.rating,
      created_at: d.createdAt.toISOString(),
      categories: d.categories?.map((c) => ({ id: c.id, name: c.name })),
    }))
    // One statement: the old words (read before the write, same snapshot) and the new ones give
    // each vocabulary word's change in document count.
    const { rows } = await sql<TermCount>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(
          id text, slug text, name text, description text, tags text[], category_ids text[],
          seller_id text, price bigint, currency text, in_stock boolean, popularity bigint,
          rating double precision, created_at timestamptz, categories jsonb)
      ),
      prepared AS (
        SELECT i.*,
          setweight(to_tsvector('english', i.name), 'A')
            || setweight(to_tsvector('english', array_to_string(i.tags, ' ')), 'B')
            || setweight(to_tsvector('english', i.description), 'C') AS tsv,
          ${wordsOf('i')} AS words,
          ${suggestWordsOf('i')} AS suggest_words
        FROM input i
      ),
      old AS (
        SELECT ${wordsOf('d')} AS words, ${suggestWordsOf('d')} AS suggest_words, d.categories
        FROM ${documents} d JOIN prepared p ON p.id = d.id
      ),
      written AS (
        INSERT INTO ${documents} AS d (id, slug, name, description, tags, category_ids, seller_id,
          price, currency, in_stock, popularity, rating, created_at, tsv, categories)
        SELECT id, slug, name, description, tags, category_ids, seller_id,
          price, currency, in_stock, popularity, rating, created_at, tsv, categories
        FROM prepared
        ON CONFLICT (id) DO UPDATE SET
          slug = excluded.slug, name = excluded.name, description = excluded.description,
          tags = excluded.tags, category_ids = excluded.category_ids, seller_id = excluded.seller_id,
          price = excluded.price, currency = excluded.currency, in_stock = excluded.in_stock,
          popularity = excluded.popularity, rating = excluded.rating, created_at = excluded.created_at,
          tsv = excluded.tsv, categories = excluded.categories
        -- Rewriting an unchanged document would only leave a dead row behind.
        WHERE (d.slug, d.name, d.description, d.tags, d.category_ids, d.seller_id, d.price,
               d.currency, d.in_stock, d.popularity, d.rating, d.created_at, d.categories)
          IS DISTINCT FROM
              (excluded.slug, excluded.name, excluded.description, excluded.tags,
               excluded.category_ids, excluded.seller_id, excluded.price, excluded.currency,
               excluded.in_stock, excluded.popularity, excluded.rating, excluded.created_at,
               excluded.categories)
        RETURNING 1
      ),
      delta AS (
        SELECT w.term, sum(w.n)::int AS n FROM (
          SELECT unnest(p.words) AS term, 1 AS n FROM prepared p
          UNION ALL
          SELECT unnest(o.words), -1 FROM old o
        ) w
        GROUP BY w.term
        HAVING sum(w.n) <> 0
      ),
      suggest_delta AS (
        SELECT w.term, sum(w.n)::int AS n FROM (
          SELECT unnest(p.suggest_words) AS term, 1 AS n FROM prepared p
          UNION ALL
          SELECT unnest(o.suggest_words), -1 FROM old o
        ) w
        GROUP BY w.term
        HAVING sum(w.n) <> 0
      ),
      -- A category's count changes by its documents in minus out; its name is the newest written.
      category_delta AS (
        SELECT c.id, max(c.name) FILTER (WHERE c.n > 0) AS name, sum(c.n)::int AS n FROM (
          SELECT e->>'id' AS id, e->>'name' AS name, 1 AS n
          FROM prepared p, jsonb_array_elements(coalesce(p.categories, '[]'::jsonb)) e
          UNION ALL
          SELECT e->>'id', e->>'name', -1
          FROM old o, jsonb_array_elements(coalesce(o.categories, '[]'::jsonb)) e
        ) c
        GROUP BY c.id
      ),
      search_counts AS (
        INSERT INTO ${terms} AS t (term, doc_count)
        SELECT term, n FROM delta ORDER BY term
        ON CONFLICT (term) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count
        RETURNING t.term, t.doc_count
      ),
      suggest_counts AS (
        INSERT INTO ${suggestTerms} AS t (term, doc_count)
        SELECT term, n FROM suggest_delta ORDER BY term
        ON CONFLICT (term) DO UPDATE SET doc_count = t.doc_count + excluded.doc_count
        RETURNING t.term, t.doc_count
      ),
      category_counts AS (
        INSERT INTO ${categoryTable} AS c (id, name, doc_count)
        SELECT id, coalesce(name, ''), n FROM category_delta ORDER BY id
        ON CONFLICT (id) DO UPDATE SET doc_count = c.doc_count + excluded.doc_count,
          name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE c.name END
        WHERE excluded.doc_count <> 0 OR (excluded.name <> '' AND excluded.name <> c.name)
        RETURNING c.id, c.doc_count
      )
      SELECT 'search' AS kind, term, doc_count FROM search_counts
      UNION ALL SELECT 'suggest', term, doc_count FROM suggest_counts
      UNION ALL SELECT 'category', id, doc_count FROM category_counts`.execute(trx)
    await dropUnusedTerms(trx, rows)
  }

  /** Stop words, exact and prefix knowledge of the vocabulary, then corrections for the rest. */
  async function lookUp(
    words: readonly QueryWord[],
  ): Promise<{ lookups: WordLookup[]; spans: SynonymSpan[] }> {
    const positive = words.filter((w) => !w.negated).map((w) => w.word)
    const { rows } = await sql<{
      stop: boolean
      exact: boolean
      completions: string[]
      synonyms: SynonymSet[] | string | null
    }>`
      SELECT r.stop, r.exact,
        -- Uncorrelated: evaluated once. The GIN index on words finds the sets naming a query word.
        (SELECT json_agg(json_build_object('id', s.id, 'terms', s.terms, 'root', s.root) ORDER BY s.id)
          FROM ${synonymTable} s WHERE s.words && ${positive}::text[]) AS synonyms,
        CASE WHEN r.exact OR r.stop OR r.negated THEN ARRAY[]::text[] ELSE ARRAY(
          SELECT t.term FROM ${terms} t
          -- A range, not LIKE: the bound is a column, and the C-collated primary key serves it.
          WHERE t.term > r.word AND t.term < r.word || chr(1114111) AND t.doc_count > 0
          ORDER BY t.doc_count DESC, t.term
          LIMIT ${COMPLETIONS}
        ) END AS completions
      FROM (
        SELECT w.word, w.negated, w.ord,
          numnode(plainto_tsquery('english', w.word)) = 0 AS stop,
          EXISTS (SELECT 1 FROM ${terms} t WHERE t.term = w.word AND t.doc_count > 0) AS exact
        FROM unnest(${words.map((w) => w.word)}::text[], ${words.map((w) => w.negated)}::boolean[])
          WITH ORDINALITY AS w(word, negated, ord)
      ) r
      ORDER BY r.ord`.execute(db)
    const lookups: WordLookup[] = rows.map((r) => ({
      stop: r.stop,
      exact: r.exact,
      completions: r.completions,
      correction: null,
    }))
    const spans = matchSynonyms(
      words.map((w) => (w.negated ? null : w.word)),
      json(rows[0]?.synonyms ?? null) ?? [],
    )
    const inSpan = new Set(spans.flatMap((span) => words.slice(span.start, span.end)))
    const unknown = words.filter(
      (w, i) =>
        !w.negated &&
        !inSpan.has(w) &&
        !lookups[i]?.stop &&
        !lookups[i]?.exact &&
        lookups[i]?.completions.length === 0 &&
        allowedTypos([...w.word].length) > 0,
    )
    const trgm = unknown.length > 0 ? await trgmSchema() : null
    if (trgm === null) return { lookups, spans }
    // An operator is qualified by its schema, so a pg_trgm outside the search_path still works.
    const similar = sql.raw(`OPERATOR("${trgm.replaceAll('"', '""')}".%)`)
    const similarity = sql.id(trgm, 'similarity')
    const { rows: candidates } = await sql<{
      word: string
      term: string
      similarity: number
      doc_count: number
    }>`
      SELECT u.word, c.term, c.similarity, c.doc_count
      FROM unnest(${unknown.map((u) => u.word)}::text[]) AS u(word)
      CROSS JOIN LATERAL (
        SELECT t.term, ${similarity}(t.term, u.word) AS similarity, t.doc_count
        FROM ${terms} t
        WHERE t.term ${similar} u.word AND t.doc_count > 0
        ORDER BY 2 DESC, t.doc_count DESC, t.term
        LIMIT ${CORRECTION_CANDIDATES}
      ) c`.execute(db)
    const corrected = lookups.map((lookup, i) => {
      const word = words[i] as QueryWord
      if (!unknown.includes(word)) return lookup
      const found = candidates
        .filter((c) => c.word === word.word)
        .map((c) => ({ term: c.term, similarity: Number(c.similarity), docCount: Number(c.doc_count) }))
      const correction = found.length > 0 ? pickCorrection(word.word, found) : null
      return correction === null ? lookup : { ...lookup, correction }
    })
    return { lookups: corrected, spans }
  }

  function filtersOf(query: SearchQuery): RawBuilder<unknown>[] {
    const f = query.filters ?? {}
    const where: RawBuilder<unknown>[] = []
    if (f.categoryId !== undefined) where.push(sql`d.category_ids @> ARRAY[${f.categoryId}]::text[]`)
    if (f.priceMin !== undefined) where.push(sql`d.price >= ${f.priceMin}`)
    if (f.priceMax !== undefined) where.push(sql`d.price <= ${f.priceMax}`)
    if (f.inStock !== undefined) where.push(sql`d.in_stock = ${f.inStock}`)
    if (f.sellerId !== undefined) where.push(sql`d.seller_id = ${f.sellerId}`)
    if (f.tags !== undefined && f.tags.length > 0) where.push(sql`d.tags @> ${[...f.tags]}::text[]`)
    return where
  }

  function facetSql(facets: ReadonlySet<SearchFacet>) {
    const none = sql`NULL::json`
    const values = (expression: RawBuilder<unknown>) => sql`(
      SELECT json_agg(json_build_object('value', f.value, 'count', f.n) ORDER BY f.n DESC, f.value)
      FROM (
        SELECT v.value COLLATE "C" AS value, count(*)::int AS n
        FROM matched m, ${expression} AS v(value)
        GROUP BY 1 ORDER BY n DESC, 1 LIMIT ${maxFacetValues}
      ) f)`
    return {
      category: facets.has('category') ? values(sql`unnest(m.category_ids)`) : none,
      tags: facets.has('tags') ? values(sql`unnest(m.tags)`) : none,
      inStock: facets.has('inStock')
        ? sql`(
          SELECT json_agg(json_build_object('value', f.value, 'count', f.n) ORDER BY f.n DESC, f.value)
          FROM (SELECT m.in_stock::text AS value, count(*)::int AS n FROM matched m GROUP BY 1) f)`
        : none,
      price: facets.has('price')
        ? sql`(
          SELECT json_agg(json_build_object('bucket', f.bucket, 'count', f.n) ORDER BY f.bucket)
          FROM (
            SELECT width_bucket(m.price, ${[...edges]}::bigint[]) AS bucket, count(*)::int AS n
            FROM matched m GROUP BY 1
          ) f)`
        : none,
    }
  }

  async function search(query: SearchQuery): Promise<SearchResult> {
    const page = query.page ?? 1
    const limit = query.limit ?? 20
    const words = tokenizeQuery(query.q ?? '')
    const looked = words.length > 0 ? await lookUp(words) : null
    const built = looked === null ? null : buildTsquery(words, looked.lookups, looked.spans)
    const sort = effectiveSort({ q: built === null ? '' : 'text', sort: query.sort })
    const facets = facetSql(new Set(query.facets ?? []))
    const where = filtersOf(query)
    const text = built !== null
    const tsquery = sql`to_tsquery('english', ${built?.tsquery ?? ''})`
    // The tsquery is written out here, not taken from the CTE, so the planner sees a constant
    // and can use the GIN index.
    if (text) where.push(sql`d.tsv @@ ${tsquery}`)
    const condition = where.length > 0 ? sql.join(where, sql` AND `) : sql`true`
    const headline = (expression: RawBuilder<unknown>, settings: string) =>
      text ? sql`ts_headline('english', ${escaped(expression)}, query.q, ${settings})` : sql`NULL::text`

    const requested = new Set(query.facets ?? [])
    // Ranked or faceted matches are computed once and reused; a plain browse is planned as two
    // queries instead, so the page can walk a sort index and stop early.
    const materialize = text || requested.size > 0 ? sql`MATERIALIZED` : sql`NOT MATERIALIZED`
    const { rows } = await sql<ResultRow>`
      WITH query AS (SELECT ${text ? tsquery : sql`NULL::tsquery`} AS q),
      matched AS ${materialize} (
        -- Narrow rows: the text columns are read for the page only.
        SELECT d.id, d.price, d.in_stock, d.popularity, d.rating, d.created_at,
          ${requested.has('category') ? sql`d.category_ids` : sql`NULL::text[]`} AS category_ids,
          ${requested.has('tags') ? sql`d.tags` : sql`NULL::text[]`} AS tags,
          ${text ? sql`ts_rank_cd(${WEIGHTS}::float4[], d.tsv, query.q)` : sql`0::float4`} AS score
        FROM ${documents} d, query
        WHERE ${condition}
      ),
      page AS (
        SELECT m.id, m.price, m.popularity, m.rating, m.created_at, m.score
        FROM matched m ORDER BY ${orderBy(sort, 'm')}
        LIMIT ${limit} OFFSET ${(page - 1) * limit}
      )
      SELECT
        (SELECT count(*) FROM matched) AS total,
        (SELECT coalesce(json_agg(json_build_object(
            'id', d.id, 'slug', d.slug, 'name', d.name, 'description', d.description,
            'tags', d.tags, 'category_ids', d.category_ids, 'seller_id', d.seller_id,
            'price', d.price, 'currency', d.currency, 'in_stock', d.in_stock,
            'popularity', d.popularity, 'rating', d.rating, 'created_at', d.created_at,
            'categories', d.categories, 'score', p.score,
            'hl_name', ${headline(sql`d.name`, HEADLINE_FULL)},
            'hl_tags', ${headline(sql`array_to_string(d.tags, ', ')`, HEADLINE_FULL)},
            'hl_description', ${headline(sql`d.description`, HEADLINE_FRAGMENTS)}
          ) ORDER BY ${orderBy(sort, 'p')}), '[]'::json)
          FROM page p JOIN ${documents} d ON d.id = p.id, query) AS hits,
        ${facets.category} AS facet_category,
        ${facets.tags} AS facet_tags,
        ${facets.inStock} AS facet_in_stock,
        ${facets.price} AS facet_price`.execute(db)

    const row = rows[0] as ResultRow
    const facetCounts: Partial<Record<SearchFacet, readonly FacetCount[]>> = {}
    if (requested.has('category')) facetCounts.category = json(row.facet_category) ?? []
    if (requested.has('price')) {
      facetCounts.price = (json(row.facet_price) ?? []).map((b) => ({
        value: priceBucketValue(edges, Math.max(0, b.bucket - 1)),
        count: b.count,
      }))
    }
    if (requested.has('inStock')) facetCounts.inStock = json(row.facet_in_stock) ?? []
    if (requested.has('tags')) facetCounts.tags = json(row.facet_tags) ?? []
    return {
      hits: (json(row.hits) ?? []).map(toHit),
      total: Number(row.total),
      facets: facetCounts,
      page,
      limit,
      ...(built?.corrected ? { correctedQuery: built.corrected } : {}),
    }
  }

  return {
    upsert: async (input) => {
      if (input.length === 0) return
      // One row per id, the last one winning: ON CONFLICT cannot touch a row twice in a statement.
      const unique = [...new Map(input.map((d) => [d.id, d])).values()]
      await locked(async (trx) => {
        for (let i = 0; i < unique.length; i += UPSERT_CHUNK) {
          await upsertChunk(trx, unique.slice(i, i + UPSERT_CHUNK))
        }
      })
    },

    delete: async (ids) => {
      if (ids.length === 0) return
      await locked(async (trx) => {
        const { rows } = await sql<TermCount>`
          WITH gone AS (
            DELETE FROM ${documents} g WHERE g.id = ANY(${[...ids]}::text[])
            RETURNING ${wordsOf('g')} AS words, ${suggestWordsOf('g')} AS suggest_words, g.categories
          ),
          delta AS (
            SELECT w.term, count(*)::int AS n FROM gone, unnest(gone.words) AS w(term) GROUP BY w.term
          ),
          suggest_delta AS (
            SELECT w.term, count(*)::int AS n FROM gone, unnest(gone.suggest_words) AS w(term) GROUP BY w.term
          ),
          category_delta AS (
            SELECT e->>'id' AS id, count(*)::int AS n
            FROM gone, jsonb_array_elements(coalesce(gone.categories, '[]'::jsonb)) e GROUP BY 1
          ),
          search_counts AS (
            UPDATE ${terms} t SET doc_count = t.doc_count - delta.n FROM delta WHERE t.term = delta.term
            RETURNING t.term, t.doc_count
          ),
          suggest_counts AS (
            UPDATE ${suggestTerms} t SET doc_count = t.doc_count - d.n FROM suggest_delta d WHERE t.term = d.term
            RETURNING t.term, t.doc_count
          ),
          category_counts AS (
            UPDATE ${categoryTable} c SET doc_count = c.doc_count - d.n FROM category_delta d WHERE c.id = d.id
            RETURNING c.id, c.doc_count
          )
          SELECT 'search' AS kind, term, doc_count FROM search_counts
          UNION ALL SELECT 'suggest', term, doc_count FROM suggest_counts
          UNION ALL SELECT 'category', id, doc_count FROM category_counts`.execute(trx)
        await dropUnusedTerms(trx, rows)
      })
    },

    search: (query) => withMappedErrors(() => search(query)),

    // Synonym sets are configuration, not documents: a rebuild keeps them.
    clear: () =>
      locked(async (trx) => {
        await sql`TRUNCATE ${documents}, ${terms}, ${suggestTerms}, ${categoryTable}`.execute(trx)
      }),

    suggest,
    ...synonyms,
  }
}
