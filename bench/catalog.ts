import { postgresStorage } from '@souk/adapters-postgres'
import { type Cache, type Commerce, createCommerce, createMemoryCache } from '@souk/core'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase } from './lib/case-result.js'
import {
  type CatalogDatabase,
  catalogNotes,
  catalogTitle,
  openCatalogDatabase,
  sizeLabel,
} from './lib/catalog-database.js'
import { type CatalogSample, listingCursor, pick, sampleCatalog } from './lib/catalog-sample.js'
import { CATALOG_CURRENCY } from './lib/catalog-seed.js'
import { noOpCache } from './lib/no-op-cache.js'
import { withPgClient } from './lib/pg-client.js'
import { describeSizes, relationSizes } from './lib/relation-sizes.js'
import { runTimed } from './lib/timed-run.js'
import { totalsOnlyCache } from './lib/totals-only-cache.js'

/** Products the cached case reads: a popular set that fits the default 10,000-entry memory cache. */
const HOT_PRODUCTS = 1_000
/** Pool size is callers + this, so a caller never waits for a connection. */
const SPARE_CONNECTIONS = 4
const MAX_CALLERS = 16
/** Stock flips timed by the freshness case: out of stock and back, alternately. */
const FRESHNESS_FLIPS = 6
/** A flip not shown after this long fails the freshness check. */
const FRESHNESS_LIMIT_MS = 30_000
/** The tables whose sizes the notes list: the catalog's. */
const CATALOG_TABLES = [
  'products',
  'product_variants',
  'variant_prices',
  'product_prices',
  'product_images',
  'inventory_items',
  'stock_levels',
  'categories',
]

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))
/** A $50-wide price window inside the middle 90 % of the catalog's prices. */
const randomPriceRange = (sample: CatalogSample) => {
  const [low, high] = sample.priceRange
  const min =
    randomInt(Math.floor(low / 100), Math.max(Math.floor(low / 100), Math.floor(high / 100) - 50)) * 100
  return {
    priceMin: { amount: min, currency: CATALOG_CURRENCY },
    priceMax: { amount: min + 5_000, currency: CATALOG_CURRENCY },
  }
}

/**
 * `none`: a cache that remembers nothing (every read runs its SQL, a listing counts its total each
 * time); `memory`: createCommerce's default in-process cache; `totals`: listing totals only.
 */
type CaseCache = 'none' | 'memory' | 'totals'

interface CatalogCase {
  readonly name: string
  readonly callers: number
  readonly cache: CaseCache
  readonly op: (commerce: Commerce, sample: CatalogSample) => Promise<unknown>
}

const randomProduct = (c: Commerce, s: CatalogSample) =>
  c.catalog.getProduct({ productId: pick(s.productIds), currency: CATALOG_CURRENCY })
const hotProduct = (c: Commerce, s: CatalogSample) =>
  c.catalog.getProduct({ productId: pick(s.hotIds), currency: CATALOG_CURRENCY })
const leafPriceAsc = (c: Commerce, s: CatalogSample) =>
  c.catalog.listProducts({ categoryId: pick(s.leaves), ...randomPriceRange(s), sort: 'price_asc' })
const deepNewest = (c: Commerce, s: CatalogSample) =>
  c.catalog.listProducts({ cursor: listingCursor('newest', pick(s.newestPositions)) })
const deepPriceAsc = (c: Commerce, s: CatalogSample) =>
  c.catalog.listProducts({
    sort: 'price_asc',
    currency: CATALOG_CURRENCY,
    cursor: listingCursor('price_asc', pick(s.pricePositions)),
  })

function catalogCases(products: string): readonly CatalogCase[] {
  return [
    { name: `getProduct, uncached, random of ${products}`, callers: 1, cache: 'none', op: randomProduct },
    {
      name: `getProduct, uncached, random of ${products}`,
      callers: MAX_CALLERS,
      cache: 'none',
      op: randomProduct,
    },
    {
      name: `getProduct, cached, random of ${HOT_PRODUCTS.toLocaleString('en-US')} hot`,
      callers: 1,
      cache: 'memory',
      op: hotProduct,
    },
    {
      name: `getProduct, cached, random of ${HOT_PRODUCTS.toLocaleString('en-US')} hot`,
      callers: MAX_CALLERS,
      cache: 'memory',
      op: hotProduct,
    },
    {
      name: 'listProducts, first page, newest (page + total)',
      callers: 1,
      cache: 'none',
      op: (c) => c.catalog.listProducts({}),
    },
    {
      name: 'listProducts, root category (with descendants), newest',
      callers: 1,
      cache: 'none',
      op: (c, s) => c.catalog.listProducts({ categoryId: pick(s.roots) }),
    },
    {
      name: 'listProducts, root category, newest, total cached',
      callers: 1,
      cache: 'totals',
      op: (c, s) => c.catalog.listProducts({ categoryId: pick(s.roots) }),
    },
    {
      name: 'listProducts, leaf category, popular',
      callers: 1,
      cache: 'none',
      op: (c, s) => c.catalog.listProducts({ categoryId: pick(s.leaves), sort: 'popular' }),
    },
    {
      name: 'listProducts, first page, price_asc (USD)',
      callers: 1,
      cache: 'none',
      op: (c) => c.catalog.listProducts({ sort: 'price_asc', currency: CATALOG_CURRENCY }),
    },
    {
      name: 'listProducts, leaf category + $50 price range, price_asc',
      callers: 1,
      cache: 'none',
      op: leafPriceAsc,
    },
    {
      name: 'listProducts, inStock, popular',
      callers: 1,
      cache: 'none',
      op: (c) => c.catalog.listProducts({ inStock: true, sort: 'popular' }),
    },
    {
      name: 'listProducts, root category + price range + inStock, popular',
      callers: 1,
      cache: 'none',
      op: (c, s) =>
        c.catalog.listProducts({
          categoryId: pick(s.roots),
          ...randomPriceRange(s),
          inStock: true,
          sort: 'popular',
        }),
    },
    {
      name: 'listProducts, $50 price range + inStock, price_asc',
      callers: 1,
      cache: 'none',
      op: (c, s) => c.catalog.listProducts({ ...randomPriceRange(s), inStock: true, sort: 'price_asc' }),
    },
    {
      name: 'listProducts, deep keyset page (random depth), newest, total cached',
      callers: 1,
      cache: 'totals',
      op: deepNewest,
    },
    {
      name: 'listProducts, deep keyset page (random depth), price_asc, total cached',
      callers: 1,
      cache: 'totals',
      op: deepPriceAsc,
    },
    {
      name: 'listProducts, leaf category + $50 price range, price_asc',
      callers: MAX_CALLERS,
      cache: 'none',
      op: leafPriceAsc,
    },
    {
      name: 'listProducts, deep keyset page (random depth), newest, total cached',
      callers: MAX_CALLERS,
      cache: 'totals',
      op: deepNewest,
    },
  ]
}

const CACHES: Record<CaseCache, () => Cache> = {
  none: noOpCache,
  memory: () => createMemoryCache(),
  totals: totalsOnlyCache,
}

async function runCase(
  context: BenchmarkContext,
  catalog: CatalogDatabase,
  sample: CatalogSample,
  catalogCase: CatalogCase,
): Promise<CaseResult> {
  const { settings, progress } = context
  const { name, callers, cache, op } = catalogCase
  const commerce = createCommerce({
    storage: postgresStorage({ connectionString: catalog.url, poolSize: callers + SPARE_CONNECTIONS }),
    cache: CACHES[cache](),
  })
  try {
    if (cache === 'memory') {
      // Filled before timing, so the measured window reads a warm cache, as a shop's would be.
      for (const [n, productId] of sample.hotIds.entries()) {
        await commerce.catalog.getProduct({ productId, currency: CATALOG_CURRENCY })
        if ((n + 1) % 100 === 0)
          progress.update(`catalog · warming the cache ${n + 1}/${sample.hotIds.length}`)
      }
    }
    const run = await runTimed({
      callers,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      async op() {
        await op(commerce, sample)
      },
      onStatus({ phase, elapsedSeconds, ops }) {
        const total = phase === 'warm-up' ? settings.warmupSeconds : settings.seconds
        const done = phase === 'warm-up' ? '' : ` · ${ops.toLocaleString('en-US')} ops`
        progress.update(
          `catalog · ${name} ×${callers} · ${phase} ${elapsedSeconds.toFixed(1)}/${total} s${done}`,
        )
      },
    })
    progress.clear()
    return caseResult(name, callers, run)
  } finally {
    await commerce.close()
  }
}

/**
 * How long a stock flip takes to reach a cached listing: the newest product (first on the default
 * in-stock listing) is sold out and restocked through `inventory.setStock`, and a loop reads the
 * cached listing until it agrees. The path is migration 011's trigger, the `catalog.stock_status`
 * outbox row, and createCommerce's stock-status applier on its default 1 s interval.
 */
async function measureFreshness(
  context: BenchmarkContext,
  catalog: CatalogDatabase,
): Promise<{ result: CaseResult; check: CheckResult }> {
  const name = 'in-stock flip → cached listing (applier every 1 s)'
  const commerce = createCommerce({
    storage: postgresStorage({ connectionString: catalog.url, poolSize: 2 + SPARE_CONNECTIONS }),
    unitsSold: false,
    relay: false,
  })
  let restore: { sku: string; onHand: number }[] = []
  try {
    // Starts the applier, as an app's start-up does.
    await commerce.migrate()
    const newest = (await commerce.catalog.listProducts({ inStock: true, limit: 1 })).items[0]
    if (!newest)
      return { result: caseResult(name, 1, { ops: 0, seconds: 1, latenciesMs: [0] }), check: failed(0) }
    const productId = newest.id
    const skus = (await commerce.catalog.getProduct({ productId })).variants.map((v) => v.sku)
    // A kept catalog gets its stock back afterwards.
    restore = await withPgClient(catalog.url, async (client) => {
      const { rows } = await client.query<{ sku: string; on_hand: string }>(
        `SELECT sku, on_hand FROM souk.stock_levels WHERE sku = ANY($1::text[]) AND location_id = 'default'`,
        [skus],
      )
      return rows.map((r) => ({ sku: r.sku, onHand: Number(r.on_hand) }))
    })
    const listed = async () =>
      (await commerce.catalog.listProducts({ inStock: true })).items.some((p) => p.id === productId)
    const latenciesMs: number[] = []
    const startedAt = performance.now()
    for (let flip = 0; flip < FRESHNESS_FLIPS; flip++) {
      const goingOut = flip % 2 === 0
      context.progress.update(`catalog · ${name} · flip ${flip + 1}/${FRESHNESS_FLIPS}`)
      if ((await listed()) !== goingOut) {
        return { result: caseResult(name, 1, { ops: 0, seconds: 1, latenciesMs: [0] }), check: failed(flip) }
      }
      for (const sku of skus) await commerce.inventory.setStock({ sku, onHand: goingOut ? 0 : 50 })
      const committed = performance.now()
      while ((await listed()) === goingOut) {
        if (performance.now() - committed > FRESHNESS_LIMIT_MS) {
          return {
            result: caseResult(name, 1, { ops: 0, seconds: 1, latenciesMs: [0] }),
            check: failed(flip),
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      latenciesMs.push(performance.now() - committed)
    }
    context.progress.clear()
    const seconds = (performance.now() - startedAt) / 1000
    return {
      result: caseResult(name, 1, { ops: latenciesMs.length, seconds, latenciesMs }),
      check: {
        name: 'in-stock freshness',
        ok: true,
        detail: `${FRESHNESS_FLIPS} flips each shown in the cached listing, slowest after ${Math.round(Math.max(...latenciesMs))} ms`,
      },
    }
  } finally {
    for (const level of restore) await commerce.inventory.setStock(level)
    await commerce.close()
  }

  function failed(flip: number): CheckResult {
    return {
      name: 'in-stock freshness',
      ok: false,
      detail: `flip ${flip + 1}: the cached in-stock listing did not follow within ${FRESHNESS_LIMIT_MS / 1000} s`,
    }
  }
}

export const catalogReads: Benchmark = {
  name: 'catalog',
  get title() {
    return catalogTitle('Catalog reads')
  },
  async run(context) {
    const { settings } = context
    const catalog = await openCatalogDatabase(context, 'catalog')
    // A shop's tables have been through autovacuum; right after a bulk load they have not, so the
    // listings' totals (index-only counts) would read the heap until autovacuum comes round, mid-run.
    context.progress.update('catalog · VACUUM (ANALYZE) products')
    await withPgClient(catalog.url, (client) =>
      client.query('VACUUM (ANALYZE) souk.products, souk.product_prices'),
    )
    context.progress.update('catalog · sampling the catalog')
    const sample = await sampleCatalog(catalog.url, HOT_PRODUCTS)
    context.progress.clear()
    const cases: CaseResult[] = []
    for (const catalogCase of catalogCases(sizeLabel(catalog.products))) {
      const result = await runCase(context, catalog, sample, catalogCase)
      cases.push(result)
      context.log(describeCase(result))
    }
    const freshness = await measureFreshness(context, catalog)
    cases.push(freshness.result)
    context.log(describeCase(freshness.result))
    const sizes = await relationSizes(catalog.url)
    return {
      cases,
      checks: [freshness.check],
      notes: [
        ...catalogNotes(catalog),
        `Each caller loops the call for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up, on a node-postgres pool of callers + ${SPARE_CONNECTIONS}; the filters are drawn at random per call (category, a $50-wide price window inside the middle 90 % of USD prices, one of ${sample.newestPositions.length} random products as the deep page's cursor position).`,
        `Caches: "uncached" getProduct and plain listing cases pass a cache that remembers nothing, so every read runs its SQL and every listing counts its total (a cache miss on a first page); "total cached" cases keep listing totals only, so the total is counted once per filter set and every page is read from Postgres (paging on, with pages never served from the cache); cached getProduct cases use createCommerce's default in-process memory cache, filled with the ${HOT_PRODUCTS.toLocaleString('en-US')} most sold products before timing. getProduct asks for USD prices, so each read also loads per-variant availability.`,
        `The in-stock filter reads products.in_stock, kept by migration 011's triggers when stock crosses zero. The freshness case times ${FRESHNESS_FLIPS} such flips (sold out, restocked, alternately; the newest in-stock product, its stock restored afterwards) from the committed stock change until the cached listing agrees: its latencies are that delay, its ops/s means nothing.`,
        ...describeSizes(sizes, CATALOG_TABLES),
        'No ceiling applies to reads (ceiling n/a).',
      ],
    }
  },
}
