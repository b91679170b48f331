import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { postgresStorage } from '@souk/adapters-postgres'
import { BenchError } from './bench-error.js'
import type { BenchmarkContext } from './benchmark.js'
import { CATALOG_PRODUCTS, seedCatalog } from './catalog-seed.js'
import { withPgClient } from './pg-client.js'

/** postgresStorage's default schema. */
const SCHEMA = 'souk'
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The seed's own upper bound. */
const MAX_PRODUCTS = 5_000_000

/** What `pnpm seed` recorded in `souk.demo_seed` (examples/src/seed/seed-demo.ts `SeedReport`). */
export interface DemoSeedRecord {
  readonly seed: string
  readonly seededAt: string
  readonly products: number
  readonly variants: number
  readonly orders: number
  readonly reviews: number
  readonly indexed: number
  readonly rows: number
  readonly ms: number
  readonly stageMs: Readonly<Record<string, number>>
}

/** The database the catalog and search benchmarks read, and how its catalog was made. */
export interface CatalogDatabase {
  readonly url: string
  /** `synthetic`: the 100k catalog of catalog-seed.ts in the run's own database; `demo`: `pnpm seed`'s. */
  readonly kind: 'synthetic' | 'demo'
  /** The database's name, for the notes. */
  readonly name: string
  /** Products in the catalog (active or not). */
  readonly products: number
  /** True when the database outlives the run (a seeded `souk_bench_<size>` or one named in the env). */
  readonly kept: boolean
  /** The seed's record (demo catalogs), and whether this run made it. */
  readonly seed: (DemoSeedRecord & { readonly thisRun: boolean }) | null
  /** Migrations this run applied to a kept database, and how long they took (0 when none). */
  readonly migrated: { readonly count: number; readonly ms: number }
}

/**
 * Which catalog the environment asks for:
 * - `BENCH_CATALOG_DATABASE_URL`: a database filled by `pnpm seed` (any size), read as it is;
 * - `BENCH_CATALOG_PRODUCTS=N`: the demo catalog of N products in `souk_bench_<N>` (e.g.
 *   `souk_bench_1m`) on the bench server, seeded once with `pnpm seed --products N` and kept;
 * - neither: the 100k synthetic catalog, seeded into the run's own database (dropped after).
 */
export function readCatalogEnv(env: NodeJS.ProcessEnv = process.env): {
  readonly url: string | null
  readonly products: number | null
} {
  const url = env.BENCH_CATALOG_DATABASE_URL?.trim() || null
  const raw = env.BENCH_CATALOG_PRODUCTS?.trim().replaceAll('_', '')
  if (raw === undefined || raw === '') return { url, products: null }
  const products = Number(raw)
  if (!Number.isSafeInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new BenchError(
      `BENCH_CATALOG_PRODUCTS must be a whole number from 1 to ${MAX_PRODUCTS.toLocaleString('en-US')}; got "${env.BENCH_CATALOG_PRODUCTS}"`,
    )
  }
  return { url, products }
}

/** `1000000` → `1m`, `250000` → `250k`. */
export function sizeLabel(products: number): string {
  if (products % 1_000_000 === 0) return `${products / 1_000_000}m`
  if (products % 1_000 === 0) return `${products / 1_000}k`
  return String(products)
}

const databaseUrl = (adminUrl: string, name: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function productCount(url: string): Promise<number> {
  return withPgClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.products`)
    return rows[0]?.n ?? 0
  })
}

/** The latest `souk.demo_seed` row, or null (a database `pnpm seed` did not fill). */
async function seedRecord(url: string): Promise<DemoSeedRecord | null> {
  return withPgClient(url, async (client) => {
    const { rows: exists } = await client.query<{ found: boolean }>(
      `SELECT to_regclass('${SCHEMA}.demo_seed') IS NOT NULL AS found`,
    )
    if (!exists[0]?.found) return null
    const { rows } = await client.query<{
      seed: string
      seeded_at: Date
      report: Omit<DemoSeedRecord, 'seed' | 'seededAt'>
    }>(`SELECT seed, seeded_at, report FROM ${SCHEMA}.demo_seed ORDER BY seeded_at DESC LIMIT 1`)
    const row = rows[0]
    return row ? { ...row.report, seed: row.seed, seededAt: row.seeded_at.toISOString() } : null
  })
}

/** Applies pending migrations (a kept database may predate some) and says what that took. */
async function migrate(url: string): Promise<{ count: number; ms: number }> {
  const applied = () =>
    withPgClient(url, async (client) => {
      const { rows } = await client.query<{ found: boolean }>(
        `SELECT to_regclass('${SCHEMA}.migrations') IS NOT NULL AS found`,
      )
      if (!rows[0]?.found) return 0
      const counted = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.migrations`)
      return counted.rows[0]?.n ?? 0
    })
  const before = await applied()
  const startedAt = performance.now()
  const storage = postgresStorage({ connectionString: url, poolSize: 1 })
  try {
    await storage.migrate()
  } finally {
    await storage.close()
  }
  const ms = performance.now() - startedAt
  return { count: (await applied()) - before, ms }
}

/** Runs `pnpm seed`, its progress going straight to this terminal. */
function runSeed(url: string, products: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', 'seed', '--products', String(products), '--database-url', url], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      signal,
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new BenchError(`pnpm seed --products ${products} exited with ${code}`)),
    )
  })
}

/**
 * Opens the catalog the environment asks for (see {@link readCatalogEnv}), seeding it first when
 * needed. A kept database is migrated to Souk's latest schema before it is read.
 */
export async function openCatalogDatabase(
  context: BenchmarkContext,
  label: string,
): Promise<CatalogDatabase> {
  const wanted = readCatalogEnv()
  if (wanted.url === null && wanted.products === null) {
    await seedCatalog(context.databaseUrl, context.progress, label)
    return {
      url: context.databaseUrl,
      kind: 'synthetic',
      name: new URL(context.databaseUrl).pathname.slice(1),
      products: CATALOG_PRODUCTS,
      kept: false,
      seed: null,
      migrated: { count: 0, ms: 0 },
    }
  }

  let url = wanted.url
  let thisRun = false
  if (url === null) {
    const products = wanted.products as number
    const name = `souk_bench_${sizeLabel(products)}`
    const adminUrl = context.settings.adminUrl
    url = databaseUrl(adminUrl, name)
    const exists = await withPgClient(adminUrl, async (admin) => {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
        [name],
      )
      return (rows[0]?.n ?? 0) > 0
    })
    if (!exists) {
      context.progress.update(`${label} · creating ${name}`)
      await withPgClient(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`))
    }
    const migrated = await migrate(url)
    const record = await seedRecord(url)
    if (record === null || record.products !== products) {
      if ((await productCount(url)) > 0) {
        throw new BenchError(
          `${name} holds a catalog that is not ${products.toLocaleString('en-US')} products from pnpm seed; drop it (DROP DATABASE ${name}) to have it seeded again`,
        )
      }
      context.progress.clear()
      console.log(
        `${label}: seeding ${products.toLocaleString('en-US')} demo products into ${name} (kept for later runs)`,
      )
      await runSeed(url, products, context.signal)
      thisRun = true
    }
    return described(url, name, thisRun, migrated)
  }
  const migrated = await migrate(url)
  return described(url, new URL(url).pathname.slice(1), false, migrated)

  async function described(
    url: string,
    name: string,
    seededNow: boolean,
    migrated: { count: number; ms: number },
  ): Promise<CatalogDatabase> {
    const record = await seedRecord(url)
    if (record === null && (await productCount(url)) === 0) {
      throw new BenchError(`${name} has no products: fill it with pnpm seed --database-url first`)
    }
    return {
      url,
      kind: 'demo',
      name,
      products: record?.products ?? (await productCount(url)),
      kept: true,
      seed: record && { ...record, thisRun: seededNow },
      migrated,
    }
  }
}

/** The notes that say which catalog the figures come from and what making it took. */
export function catalogNotes(catalog: CatalogDatabase): string[] {
  const count = (n: number) => Math.round(n).toLocaleString('en-US')
  if (catalog.kind === 'synthetic') {
    return [
      `Catalog: ${count(catalog.products)} active products seeded in bulk SQL (1-3 variants each, USD prices $5-$500, every tenth product sold out, 10 root categories × 5 leaves, names from small word lists), then VACUUM (ANALYZE) of products and product_prices, as autovacuum would have done.`,
    ]
  }
  const seed = catalog.seed
  const made = seed
    ? `made by \`pnpm seed --products ${count(seed.products)}\` (seed "${seed.seed}", ${seed.seededAt.slice(0, 16).replace('T', ' ')} UTC${seed.thisRun ? ', in this run' : ''}): ${count(seed.products)} products, ${count(seed.variants)} variants, ${count(seed.orders)} past orders, ${count(seed.reviews)} reviews, ${count(seed.rows)} rows written in bulk, ${count(seed.indexed)} search documents, in **${(seed.ms / 60_000).toFixed(1)} min** (${stagesInOrder(
        seed.stageMs,
      )
        .map(([stage, ms]) => `${stage} ${(ms / 1000).toFixed(0)} s`)
        .join(', ')})`
    : 'filled by `pnpm seed` (no seed record found)'
  const migrated =
    catalog.migrated.count > 0 && !seed?.thisRun
      ? ` This run applied ${catalog.migrated.count} pending migration(s) to it first, in ${(catalog.migrated.ms / 1000).toFixed(1)} s.`
      : ''
  return [
    `Catalog: the demo catalog in the kept database \`${catalog.name}\`, ${made}, then VACUUM (ANALYZE) of products and product_prices before the cases.${migrated}`,
  ]
}

/** `Catalog reads on a 100k-product catalog`, or the size of the demo catalog the environment names. */
export function catalogTitle(what: string): string {
  const wanted = readCatalogEnv()
  if (wanted.products !== null) return `${what} on a ${sizeLabel(wanted.products)}-product demo catalog`
  if (wanted.url !== null) return `${what} on a \`pnpm seed\` catalog`
  return `${what} on a ${sizeLabel(CATALOG_PRODUCTS)}-product catalog`
}

/** The seed's stages in the order they run (a jsonb object keeps its keys in its own order). */
const SEED_STAGES = ['catalog', 'stock', 'orders', 'reviews', 'totals', 'shipping', 'search', 'vacuum']
function stagesInOrder(stageMs: Readonly<Record<string, number>>): [string, number][] {
  const rank = (stage: string) =>
    SEED_STAGES.includes(stage) ? SEED_STAGES.indexOf(stage) : SEED_STAGES.length
  return Object.entries(stageMs).sort(([a], [b]) => rank(a) - rank(b))
}
