import { postgresStorage } from '@souk/adapters-postgres'
import { type Commerce, createCommerce } from '@souk/core'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase } from './lib/case-result.js'
import { catalogNotes, catalogTitle, openCatalogDatabase } from './lib/catalog-database.js'
import { withPgClient } from './lib/pg-client.js'
import { describeSizes, relationSizes } from './lib/relation-sizes.js'
import { runTimed } from './lib/timed-run.js'

/** SPEC.md's performance table: search on 100k products, typo queries included. */
const TARGET_P95_MS = 20
/** Products whose price the sync case changes in one statement. */
const SYNC_PRODUCTS = 5_000
const SPARE_CONNECTIONS = 4
const MAX_CALLERS = 16
/** postgresStorage's default schema. */
const SCHEMA = 'souk'
const ALL_FACETS = ['category', 'price', 'inStock', 'tags'] as const

/** What the queries are drawn from, per catalog: its vocabulary decides what is common, rare or misspelt. */
interface QueryWords {
  /** One word many products hold. */
  readonly common: readonly string[]
  /** Two words of one kind of product. */
  readonly exact: readonly string[]
  /** The same with a typo in one word. */
  readonly misspelt: readonly string[]
  /** Beginnings of words, as typed into a search box, some with a typo. */
  readonly prefixes: readonly string[]
  readonly typoPrefixes: readonly string[]
}

// Words of the synthetic names (catalog-seed.ts).
const SYNTHETIC_WORDS: QueryWords = {
  common: ['wireless', 'leather', 'portable', 'speaker', 'backpack', 'keyboard', 'bottle', 'jacket'],
  exact: [
    'wireless headphones',
    'leather backpack',
    'portable speaker',
    'ergonomic keyboard',
    'stainless bottle',
    'bamboo desk',
    'waterproof jacket',
    'smart watch',
  ],
  misspelt: [
    'wireless headphnes',
    'lether backpack',
    'portabel speaker',
    'ergonomic keybaord',
    'stainles bottle',
    'bambo desk',
    'waterprof jacket',
    'smart wacth',
  ],
  prefixes: ['head', 'wire', 'keyb', 'back', 'lamp', 'spea'],
  typoPrefixes: ['haedph', 'wirles', 'kyeboa', 'bakcpa'],
}

// Words of the demo catalog (examples/src/seed/demo-vocabulary.ts): an adjective and a noun of one leaf.
const DEMO_WORDS: QueryWords = {
  common: ['wireless', 'headphones', 'leather', 'waterproof', 'lamp', 'organic', 'tent', 'keyboard'],
  exact: [
    'wireless headphones',
    'leather sneakers',
    'cast iron saucepan',
    'ultralight tent',
    'dimmable desk lamp',
    'adjustable kettlebell',
    'burr coffee grinder',
    'mechanical keyboard',
  ],
  misspelt: [
    'wireless headphnes',
    'lether sneakers',
    'cast iron saucepn',
    'ultralite tent',
    'dimable desk lamp',
    'adjustable kettelbell',
    'burr coffee grindr',
    'mechanical keybaord',
  ],
  prefixes: ['head', 'wire', 'kett', 'camp', 'lamp', 'sneak'],
  typoPrefixes: ['haedph', 'wirles', 'ketel', 'snaek'],
}

const pick = (words: readonly string[]) => words[Math.floor(Math.random() * words.length)]!
const count = (n: number) => Math.round(n).toLocaleString('en-US')

interface SearchCase {
  readonly name: string
  readonly callers: number
  readonly run: (commerce: Commerce) => Promise<unknown>
}

/** The cases: `rare` are words a handful of products hold (model numbers, or a name's number). */
function searchCases(words: QueryWords, rare: readonly string[]): readonly SearchCase[] {
  const query = (q: () => Parameters<Commerce['search']['query']>[0]) => (c: Commerce) => c.search.query(q())
  const suggest = (list: readonly string[]) => (c: Commerce) => c.search.suggest({ q: pick(list) })
  return [
    { name: 'query, one common word', callers: 1, run: query(() => ({ q: pick(words.common) })) },
    { name: 'query, exact words', callers: 1, run: query(() => ({ q: pick(words.exact) })) },
    { name: 'query, rare word', callers: 1, run: query(() => ({ q: pick(rare) })) },
    { name: 'query, misspelt words', callers: 1, run: query(() => ({ q: pick(words.misspelt) })) },
    {
      name: 'query, exact words + 4 facets',
      callers: 1,
      run: query(() => ({ q: pick(words.exact), facets: [...ALL_FACETS] })),
    },
    {
      name: 'query, misspelt words + 4 facets',
      callers: 1,
      run: query(() => ({ q: pick(words.misspelt), facets: [...ALL_FACETS] })),
    },
    { name: 'suggest, a word begun', callers: 1, run: suggest(words.prefixes) },
    { name: 'suggest, a word begun with a typo', callers: 1, run: suggest(words.typoPrefixes) },
    { name: 'query, exact words', callers: MAX_CALLERS, run: query(() => ({ q: pick(words.exact) })) },
    { name: 'query, misspelt words', callers: MAX_CALLERS, run: query(() => ({ q: pick(words.misspelt) })) },
    { name: 'suggest, a word begun', callers: MAX_CALLERS, run: suggest(words.prefixes) },
  ]
}

/** Rare words of the catalog: model numbers (demo catalog), else the numbers in the synthetic names. */
async function rareWords(url: string): Promise<string[]> {
  const { rows } = await withPgClient(url, (client) =>
    client.query<{ word: string }>(
      `SELECT lower(substring(description FROM 'Model ([A-Z]{2}[0-9]{7})')) AS word
       FROM ${SCHEMA}.products WHERE status = 'active' AND description LIKE '%Model %' ORDER BY random() LIMIT 1000`,
    ),
  )
  const found = rows.map((r) => r.word).filter(Boolean)
  return found.length > 0 ? found : Array.from({ length: 900 }, (_, i) => String(100 + i))
}

async function reindex(context: BenchmarkContext, commerce: Commerce) {
  const startedAt = performance.now()
  const { indexed } = await commerce.search.reindex({
    onProgress({ done, total }) {
      const seconds = (performance.now() - startedAt) / 1000
      context.progress.update(
        `search · reindex ${count(done)}/${count(total)} · ${count(done / Math.max(seconds, 0.001))} docs/s`,
      )
    },
  })
  context.progress.clear()
  const seconds = (performance.now() - startedAt) / 1000
  return { indexed, seconds, docsPerSecond: indexed / seconds }
}

/** A bulk price change on `SYNC_PRODUCTS` products, announced in the outbox as the catalog store does, then synced. */
/** The products the sync case reprices: the first `SYNC_PRODUCTS` active ones by id. */
async function syncedProducts(url: string): Promise<string[]> {
  const { rows } = await withPgClient(url, (client) =>
    client.query<{ id: string }>(
      `SELECT p.id FROM ${SCHEMA}.products p JOIN ${SCHEMA}.product_prices x ON x.product_id = p.id AND x.currency = 'USD'
       WHERE p.status = 'active' ORDER BY p.id LIMIT ${SYNC_PRODUCTS}`,
    ),
  )
  return rows.map((r) => r.id)
}

/**
 * A bulk price change of `delta` cents on `ids`, announced in the outbox as the catalog store does,
 * then synced until the outbox is empty. Run with `+100` then `-100`, so a kept catalog ends as it was.
 */
async function syncAfterPriceUpdate(
  context: BenchmarkContext,
  url: string,
  commerce: Commerce,
  ids: readonly string[],
  delta: number,
) {
  await withPgClient(url, async (client) => {
    await client.query('BEGIN')
    await client.query(
      `UPDATE ${SCHEMA}.variant_prices vp SET amount = amount + $2
       FROM ${SCHEMA}.product_variants v WHERE v.id = vp.variant_id AND v.product_id = ANY($1::text[])`,
      [ids, delta],
    )
    await client.query(
      `UPDATE ${SCHEMA}.product_prices SET min_amount = min_amount + $2 WHERE product_id = ANY($1::text[])`,
      [ids, delta],
    )
    await client.query(
      `INSERT INTO ${SCHEMA}.outbox (topic, key, payload, created_at, available_at)
       SELECT 'search.product', id, '{}'::jsonb, now(), now() FROM unnest($1::text[]) AS id`,
      [ids],
    )
    await client.query('COMMIT')
  })
  const startedAt = performance.now()
  let messages = 0
  for (;;) {
    const report = await commerce.search.sync()
    messages += report.messages
    context.progress.update(`search · sync ${count(messages)}/${count(ids.length)} outbox rows`)
    if (report.messages === 0) break
  }
  context.progress.clear()
  const seconds = (performance.now() - startedAt) / 1000
  return { messages, seconds, rowsPerSecond: messages / seconds }
}

async function checkTypo(commerce: Commerce): Promise<CheckResult> {
  const result = await commerce.search.query({ q: 'wireless headphnes', limit: 5 })
  const names = result.hits.map((h) => h.document.name)
  const ok = result.total > 0 && names.every((n) => /wireless/i.test(n) && /headphones/i.test(n))
  return {
    name: 'typo query',
    ok,
    detail: `"wireless headphnes" → corrected to ${JSON.stringify(result.correctedQuery ?? null)}, ${count(result.total)} hits, first: ${names.slice(0, 2).join('; ') || 'none'}`,
  }
}

async function checkSyncedPrice(url: string, id: string): Promise<CheckResult> {
  const {
    rows: [row],
  } = await withPgClient(url, (client) =>
    client.query<{ min_amount: string }>(
      `SELECT min_amount FROM ${SCHEMA}.product_prices WHERE product_id = $1 AND currency = 'USD'`,
      [id],
    ),
  )
  const indexed = await withPgClient(url, (client) =>
    client.query<{ price: string }>(`SELECT price FROM ${SCHEMA}.search_documents WHERE id = $1`, [id]),
  )
  const price = indexed.rows[0]?.price
  return {
    name: 'index after sync',
    ok: price !== undefined && row !== undefined && String(price) === String(row.min_amount),
    detail: `${id}: catalog lowest price ${row?.min_amount ?? 'none'}, indexed price ${price ?? 'none'}`,
  }
}

/** Documents in the index and products it should hold (active, priced in USD). */
async function indexCoverage(url: string): Promise<{ documents: number; searchable: number }> {
  const { rows } = await withPgClient(url, (client) =>
    client.query<{ documents: number; searchable: number }>(
      `SELECT (SELECT count(*)::int FROM ${SCHEMA}.search_documents) AS documents,
              (SELECT count(*)::int FROM ${SCHEMA}.products p JOIN ${SCHEMA}.product_prices x
                 ON x.product_id = p.id AND x.currency = 'USD' WHERE p.status = 'active') AS searchable`,
    ),
  )
  return rows[0] ?? { documents: 0, searchable: 0 }
}

const SEARCH_TABLES = ['search_documents', 'search_terms', 'search_suggest_terms', 'search_categories']

export const searchQueries: Benchmark = {
  name: 'search',
  get title() {
    return `${catalogTitle('Search')} (Postgres full-text)`
  },
  async run(context) {
    const { settings, progress } = context
    const catalog = await openCatalogDatabase(context, 'search')
    const commerce = createCommerce({
      storage: postgresStorage({ connectionString: catalog.url, poolSize: MAX_CALLERS + SPARE_CONNECTIONS }),
    })
    try {
      // The synthetic catalog has no index yet; a demo catalog's was built by its seed, and is
      // rebuilt only when it does not cover the catalog.
      const coverage = await indexCoverage(catalog.url)
      const built =
        catalog.kind === 'synthetic' || coverage.documents !== coverage.searchable
          ? await reindex(context, commerce)
          : null
      if (built) {
        context.log(
          `reindex: ${count(built.indexed)} documents in ${built.seconds.toFixed(1)} s, ${count(built.docsPerSecond)} docs/s`,
        )
      }
      await withPgClient(catalog.url, (client) =>
        client.query(
          `ANALYZE ${SCHEMA}.search_documents, ${SCHEMA}.search_terms, ${SCHEMA}.search_suggest_terms`,
        ),
      )
      const words = catalog.kind === 'synthetic' ? SYNTHETIC_WORDS : DEMO_WORDS
      const rare = await rareWords(catalog.url)
      const cases: CaseResult[] = []
      for (const searchCase of searchCases(words, rare)) {
        const run = await runTimed({
          callers: searchCase.callers,
          seconds: settings.seconds,
          warmupSeconds: settings.warmupSeconds,
          async op() {
            await searchCase.run(commerce)
          },
          onStatus({ phase, elapsedSeconds, ops }) {
            const total = phase === 'warm-up' ? settings.warmupSeconds : settings.seconds
            progress.update(
              `search · ${searchCase.name} ×${searchCase.callers} · ${phase} ${elapsedSeconds.toFixed(1)}/${total} s · ${count(ops)} ops`,
            )
          },
        })
        progress.clear()
        const result = caseResult(searchCase.name, searchCase.callers, run)
        cases.push(result)
        context.log(describeCase(result))
      }
      const ids = await syncedProducts(catalog.url)
      const sync = await syncAfterPriceUpdate(context, catalog.url, commerce, ids, 100)
      context.log(
        `sync: ${count(sync.messages)} outbox rows in ${sync.seconds.toFixed(1)} s, ${count(sync.rowsPerSecond)} rows/s`,
      )
      const checks = [await checkTypo(commerce), await checkSyncedPrice(catalog.url, ids[0] ?? '')]
      // Back as it was, for a kept catalog.
      await syncAfterPriceUpdate(context, catalog.url, commerce, ids, -100)
      const sizes = await relationSizes(catalog.url)
      const single = cases.filter((c) => c.callers === 1)
      const worst = Math.max(...single.map((c) => c.latencyMs.p95))
      const seedSearchMs = catalog.seed?.stageMs.search
      const indexNote = built
        ? `indexed by \`commerce.search.reindex()\` (batches of 200): ${count(built.indexed)} documents in ${built.seconds.toFixed(1)} s, **${count(built.docsPerSecond)} docs/s**.`
        : `indexed by the seed's \`commerce.search.reindex({ batchSize: 1000 })\`: ${count(coverage.documents)} documents${seedSearchMs ? ` in ${(seedSearchMs / 1000).toFixed(0)} s, **${count(coverage.documents / (seedSearchMs / 1000))} docs/s**` : ''}.`
      return {
        cases,
        checks,
        notes: [
          ...catalogNotes(catalog),
          `Search index: ${indexNote}`,
          `Index sync: a bulk price update of ${count(ids.length)} products with one outbox row each (as the catalog store writes them), applied by \`commerce.search.sync()\` until the outbox was empty: ${count(sync.messages)} rows in ${sync.seconds.toFixed(1)} s, **${count(sync.rowsPerSecond)} rows/s** (then undone the same way).`,
          `Queries are drawn at random per call: a common word (${words.common.slice(0, 3).join(', ')}, ...), two words of one kind of product (e.g. "${words.exact[0]}") and their misspelt twins (e.g. "${words.misspelt[0]}"), a rare word (${catalog.kind === 'synthetic' ? 'the number in a name, held by about 0.1 % of products' : "a product's model number, held by one product"}); default limit 20, relevance sort; "+ 4 facets" asks for category, price, inStock and tags counts. Suggest completes a begun word (e.g. "${words.prefixes[0]}") or one begun with a typo (e.g. "${words.typoPrefixes[0]}"), default limit. Each caller loops for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up.`,
          `SPEC.md target (100k products): p95 < ${TARGET_P95_MS} ms. Single-caller worst p95 here: ${worst.toFixed(1)} ms, ${worst < TARGET_P95_MS ? 'within it' : 'over it'}.`,
          ...describeSizes(sizes, SEARCH_TABLES),
          'No ceiling applies (ceiling n/a).',
        ],
      }
    } finally {
      await commerce.close()
    }
  },
}
