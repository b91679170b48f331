/**
 * `pnpm seed [--products N] [--seed S] [--database-url URL] [--reset]`: fills a Souk database with
 * the deterministic demo catalog. Without --database-url (or DATABASE_URL) it seeds the embedded
 * PGlite database `pnpm start` uses.
 */
import { parseArgs } from 'node:util'
import { silentLogger } from '@souk/core'
import { sql } from 'kysely'
import { progressPrinter } from '../seed-progress.js'
import { openCommerce } from '../wiring/open-commerce.js'
import { loadStorefrontConfig } from '../wiring/storefront-config.js'
import { DEFAULT_DEMO_PRODUCTS, DEFAULT_DEMO_SEED, seedDemo } from './seed-demo.js'

const USAGE = `Usage: pnpm seed [--products N] [--seed TEXT] [--database-url URL] [--reset]
  --products N        products to create (default ${DEFAULT_DEMO_PRODUCTS})
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
  const opened = await openCommerce(loadStorefrontConfig(env), silentLogger)
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
    const report = await seedDemo(commerce, storage, { products, seed, onProgress: progressPrinter() })
    console.log(
      `Done in ${(report.ms / 1000).toFixed(1)} s: ${report.products.toLocaleString('en-US')} products, ` +
        `${report.variants.toLocaleString('en-US')} variants, ${report.categories} categories, ${report.sellers} sellers, ` +
        `${report.orders.toLocaleString('en-US')} past orders, ${report.reviews.toLocaleString('en-US')} reviews, ` +
        `${report.indexed.toLocaleString('en-US')} search documents; ` +
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
