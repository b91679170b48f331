import { postgresStorage } from '@souk/adapters-postgres'
import { type Cache, type Commerce, createCommerce, createMemoryCache } from '@souk/core'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase } from './lib/case-result.js'
import {
  CATALOG_CURRENCY,
  CATALOG_PRODUCTS,
  catalogProductId,
  LEAVES_PER_ROOT,
  leafCategoryId,
  ROOT_CATEGORIES,
  rootCategoryId,
  seedCatalog,
} from './lib/catalog-seed.js'
import { noOpCache } from './lib/no-op-cache.js'
import { withPgClient } from './lib/pg-client.js'
import { runTimed } from './lib/timed-run.js'

/** Products the cached case reads: a popular set that fits the default 10,000-entry memory cache. */
const HOT_PRODUCTS = 1_000
/** Pool size is callers + this, so a caller never waits for a connection. */
const SPARE_CONNECTIONS = 4
const MAX_CALLERS = 16
/** Stock flips timed by the freshness case: out of stock and back, alternately. */
const FRESHNESS_FLIPS = 6
/** A flip not shown after this long fails the freshness check. */
const FRESHNESS_LIMIT_MS = 30_000

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))
const randomProduct = () => catalogProductId(randomInt(1, CATALOG_PRODUCTS))
const randomRoot = () => rootCategoryId(randomInt(1, ROOT_CATEGORIES))
const randomLeaf = () => leafCategoryId(randomInt(1, ROOT_CATEGORIES), randomInt(1, LEAVES_PER_ROOT))
/** A $50-wide price window somewhere in the seeded $5-$500 range. */
const randomPriceRange = () => {
  const min = randomInt(5, 450) * 100
  return {
    priceMin: { amount: min, currency: CATALOG_CURRENCY },
    priceMax: { amount: min + 5_000, currency: CATALOG_CURRENCY },
  }
}

interface CatalogCase {
  readonly name: string
  readonly callers: number
  /** `cached`: createCommerce's default memory cache; otherwise a cache that remembers nothing. */
  readonly cached: boolean
  readonly op: (commerce: Commerce) => Promise<unknown>
}

const CASES: readonly CatalogCase[] = [
  {
    name: 'getProduct, uncached, random of 100k',
    callers: 1,
    cached: false,
    op: (c) => c.catalog.getProduct({ productId: randomProduct(), currency: CATALOG_CURRENCY }),
  },
  {
    name: 'getProduct, uncached, random of 100k',
    callers: MAX_CALLERS,
    cached: false,
    op: (c) => c.catalog.getProduct({ productId: randomProduct(), currency: CATALOG_CURRENCY }),
  },
  {
    name: `getProduct, cached, random of ${HOT_PRODUCTS.toLocaleString('en-US')} hot`,
    callers: 1,
    cached: true,
    op: (c) =>
      c.catalog.getProduct({
        productId: catalogProductId(randomInt(1, HOT_PRODUCTS)),
        currency: CATALOG_CURRENCY,
      }),
  },
  {
    name: `getProduct, cached, random of ${HOT_PRODUCTS.toLocaleString('en-US')} hot`,
    callers: MAX_CALLERS,
    cached: true,
    op: (c) =>
      c.catalog.getProduct({
        productId: catalogProductId(randomInt(1, HOT_PRODUCTS)),
        currency: CATALOG_CURRENCY,
      }),
  },
  {
    name: 'listProducts, root category (with descendants), newest',
    callers: 1,
    cached: false,
    op: (c) => c.catalog.listProducts({ categoryId: randomRoot() }),
  },
  {
    name: 'listProducts, leaf category + $50 price range, price_asc',
    callers: 1,
    cached: false,
    op: (c) => c.catalog.listProducts({ categoryId: randomLeaf(), ...randomPriceRange(), sort: 'price_asc' }),
  },
  {
    name: 'listProducts, inStock, popular',
    callers: 1,
    cached: false,
    op: (c) => c.catalog.listProducts({ inStock: true, sort: 'popular' }),
  },
  {
    name: 'listProducts, root category + price range + inStock, popular',
    callers: 1,
    cached: false,
    op: (c) =>
      c.catalog.listProducts({
        categoryId: randomRoot(),
        ...randomPriceRange(),
        inStock: true,
        sort: 'popular',
      }),
  },
  {
    name: 'listProducts, $50 price range + inStock, price_asc',
    callers: 1,
    cached: false,
    op: (c) => c.catalog.listProducts({ ...randomPriceRange(), inStock: true, sort: 'price_asc' }),
  },
  {
    name: 'listProducts, leaf category + $50 price range, price_asc',
    callers: MAX_CALLERS,
    cached: false,
    op: (c) => c.catalog.listProducts({ categoryId: randomLeaf(), ...randomPriceRange(), sort: 'price_asc' }),
  },
]

async function runCase(context: BenchmarkContext, catalogCase: CatalogCase): Promise<CaseResult> {
  const { settings, databaseUrl, progress } = context
  const { name, callers, cached, op } = catalogCase
  const cache: Cache = cached ? createMemoryCache() : noOpCache()
  const commerce = createCommerce({
    storage: postgresStorage({ connectionString: databaseUrl, poolSize: callers + SPARE_CONNECTIONS }),
    cache,
  })
  try {
    if (cached) {
      // Filled before timing, so the measured window reads a warm cache, as a shop's would be.
      for (let n = 1; n <= HOT_PRODUCTS; n++) {
        await commerce.catalog.getProduct({ productId: catalogProductId(n), currency: CATALOG_CURRENCY })
        if (n % 100 === 0) progress.update(`catalog · warming the cache ${n}/${HOT_PRODUCTS}`)
      }
    }
    const run = await runTimed({
      callers,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      async op() {
        await op(commerce)
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
): Promise<{ result: CaseResult; check: CheckResult }> {
  const name = 'in-stock flip → cached listing (applier every 1 s)'
  const commerce = createCommerce({
    storage: postgresStorage({ connectionString: context.databaseUrl, poolSize: 2 + SPARE_CONNECTIONS }),
    unitsSold: false,
    relay: false,
  })
  try {
    // Starts the applier, as an app's start-up does.
    await commerce.migrate()
    const productId = catalogProductId(1)
    const skus = (await commerce.catalog.getProduct({ productId })).variants.map((v) => v.sku)
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
  title: 'Catalog reads on a 100k-product catalog',
  async run(context) {
    const { databaseUrl, settings } = context
    await seedCatalog(databaseUrl, context.progress, 'catalog')
    // A shop's tables have been through autovacuum; right after a bulk load they have not, so the
    // listings' totals (index-only counts) would read the heap until autovacuum comes round, mid-run.
    context.progress.update('catalog · VACUUM (ANALYZE) products')
    await withPgClient(databaseUrl, (client) =>
      client.query('VACUUM (ANALYZE) souk.products, souk.product_prices'),
    )
    context.progress.clear()
    const cases: CaseResult[] = []
    for (const catalogCase of CASES) {
      const result = await runCase(context, catalogCase)
      cases.push(result)
      context.log(describeCase(result))
    }
    const freshness = await measureFreshness(context)
    cases.push(freshness.result)
    context.log(describeCase(freshness.result))
    return {
      cases,
      checks: [freshness.check],
      notes: [
        `Catalog: ${CATALOG_PRODUCTS.toLocaleString('en-US')} active products seeded in bulk SQL (1-3 variants each, USD prices $5-$500, every tenth product sold out, 10 root categories × 5 leaves, names from small word lists), then VACUUM (ANALYZE) of products and product_prices, as autovacuum would have done.`,
        `Each caller loops the call for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up, on a node-postgres pool of callers + ${SPARE_CONNECTIONS}; the filters are drawn at random per call (category, a $50-wide price window).`,
        `Uncached cases pass a cache that remembers nothing, so every read runs its SQL; cached cases use createCommerce's default in-process memory cache, filled with the ${HOT_PRODUCTS.toLocaleString('en-US')} products they read before timing. getProduct asks for USD prices, so each read also loads per-variant availability.`,
        `The in-stock filter reads products.in_stock, kept by migration 011's triggers when stock crosses zero. The freshness case times ${FRESHNESS_FLIPS} such flips (sold out, restocked, alternately) from the committed stock change until the cached listing agrees: its latencies are that delay, its ops/s means nothing.`,
        'No ceiling applies to reads (ceiling n/a).',
      ],
    }
  },
}
