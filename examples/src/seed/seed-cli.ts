/**
 * `pnpm seed [--products N] [--seed S] [--database-url URL] [--reset]`: fills a Souk database with
 * the deterministic demo catalog. Without --database-url (or DATABASE_URL) it seeds the embedded
 * PGlite database `pnpm start` uses, up to {@link PGLITE_MAX_PRODUCTS} products; larger catalogs
 * (a million products is 22 million rows, 8 GB) need a real PostgreSQL.
 */
import { parseArgs } from 'node:util'
import { silentLogger } from '@souk/core'
import { sql } from 'kysely'
import { loadStorefrontConfig } from '../wiring/storefront-config.js'
import { DEFAULT_DEMO_PRODUCTS, DEFAULT_DEMO_SEED, seedDemo } from './seed-demo.js'
import { formatDuration, seedProgressLine } from './seed-progress-line.js'

/**
 * Most products the embedded PGlite database is seeded with: one connection serialises everything
 * and 100,000 products already take three and a half minutes there (examples/README.md); larger
 * catalogs belong on a PostgreSQL server.
 */
const PGLITE_MAX_PRODUCTS = 100_000

const USAGE = `Usage: pnpm seed [--products N] [--seed TEXT] [--database-url URL] [--reset]
  --products N        products to create (default ${DEFAULT_DEMO_PRODUCTS}; at most ${PGLITE_MAX_PRODUCTS.toLocaleString('en-US')} on the
                      embedded database, up to 5,000,000 on PostgreSQL, e.g. --products 1_000_000)
  --seed TEXT         the same seed makes the same catalog (default "${DEFAULT_DEMO_SEED}")
  --database-url URL  PostgreSQL to seed (default: DATABASE_URL, else the embedded database in .souk-data/)
  --reset             drop Souk's schema first (deletes every Souk table and row in that database)`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      products: { type: 'string' },
      seed: { type: 'string' },
      'database-url': { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const products =
    values.products === undefined ? DEFAULT_DEMO_PRODUCTS : Number(values.products.replaceAll('_', ''))
  if (!Number.isSafeInteger(products) || products < 1) {
    console.error(`--products must be a positive whole number\n\n${USAGE}`)
    return 2
  }
  const env = { ...process.env, ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : {}) }
  const config = loadStorefrontConfig(env)
  if (config.databaseUrl === null && products > PGLITE_MAX_PRODUCTS) {
    console.error(
      `--products ${products.toLocaleString('en-US')} is too many for the embedded PGlite database ` +
        `(at most ${PGLITE_MAX_PRODUCTS.toLocaleString('en-US')}): set DATABASE_URL or pass --database-url ` +
        'to seed a PostgreSQL server',
    )
    return 2
  }
  // Loaded only now: it pulls in every client the storefront can use, which a refusal never needs.
  const { openCommerce } = await import('../wiring/open-commerce.js')
  const opened = await openCommerce(config, silentLogger)
  try {
    const { commerce, storage } = opened
    console.log(opened.description[0])
    if (values.reset) {
      console.log(`Dropping schema ${storage.schema}`)
      await sql`drop schema if exists ${sql.id(storage.schema)} cascade`.execute(storage.db)
    }
    await commerce.migrate()
    const seed = values.seed ?? DEFAULT_DEMO_SEED
    console.log(`Seeding ${products.toLocaleString('en-US')} products with seed "${seed}"`)
    const report = await seedDemo(commerce, storage, { products, seed, onProgress: seedProgressLine() })
    console.log(
      `Done in ${formatDuration(report.ms)} (${(report.ms / 1000).toFixed(1)} s): ${report.products.toLocaleString('en-US')} products, ` +
        `${report.variants.toLocaleString('en-US')} variants, ${report.categories} categories, ${report.sellers} sellers, ` +
        `${report.orders.toLocaleString('en-US')} past orders, ${report.reviews.toLocaleString('en-US')} reviews, ` +
        `${report.indexed.toLocaleString('en-US')} search documents ` +
        `(${report.rows.toLocaleString('en-US')} rows written in bulk); ` +
        `promo codes ${report.promoCodes.join(', ')}`,
    )
    return 0
  } finally {
    await opened.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
