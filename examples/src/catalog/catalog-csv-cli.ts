/**
 * `pnpm catalog:import <file.csv> [--dry-run]` and `pnpm catalog:export <file.csv>`: products with
 * their variants, prices and stock, as CSV (the format is in docs/catalog.md). Without
 * --database-url (or DATABASE_URL) they work on the embedded PGlite database `pnpm start` uses.
 */

import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  exportProductsCsv,
  importProductsCsv,
  isCommerceError,
  silentLogger,
  type ValidationError,
} from '@souk/core'
import { openCommerce } from '../wiring/open-commerce.js'
import { loadStorefrontConfig } from '../wiring/storefront-config.js'
import { csvProgressPrinter } from './csv-progress.js'

const USAGE = `Usage: pnpm catalog:import <file.csv> [--dry-run] [--database-url URL]
       pnpm catalog:export <file.csv> [--database-url URL]
  --dry-run           check the file against the catalog and write nothing
  --database-url URL  PostgreSQL to use (default: DATABASE_URL, else the embedded database in .souk-data/)`

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      'dry-run': { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const file = positionals[0]
  if ((command !== 'import' && command !== 'export') || !file || positionals.length > 1) {
    console.error(USAGE)
    return 2
  }
  const env = { ...process.env, ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : {}) }
  const opened = await openCommerce(loadStorefrontConfig(env), silentLogger)
  try {
    const { commerce } = opened
    console.log(opened.description[0])
    await commerce.migrate()
    if (command === 'import') {
      const bytes = (await stat(file)).size
      console.log(
        `Importing ${file} (${(bytes / 1024).toFixed(0)} KB)${values['dry-run'] ? ', dry run' : ''}`,
      )
      const started = performance.now()
      const report = await importProductsCsv(commerce, {
        // Opened twice: once to check the whole file, once to write.
        source: () => createReadStream(file),
        dryRun: values['dry-run'],
        onProgress: csvProgressPrinter('importing', 'rows'),
      })
      for (const e of report.errors) {
        console.log(
          `  line ${e.line}${e.column ? ` [${e.column}]` : ''}${e.handle ? ` ${e.handle}` : ''}: ${e.message}`,
        )
      }
      if (report.errorCount > report.errors.length) {
        console.log(`  ... and ${report.errorCount - report.errors.length} more problems`)
      }
      console.log(
        `${values['dry-run'] ? 'Checked' : 'Done'} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
          `${report.rows} rows, ${report.products} products: ${report.created} created, ${report.updated} updated, ` +
          `${report.unchanged} unchanged, ${report.failed} refused; ${report.stockLevels} stock levels set`,
      )
      if (!values['dry-run']) await commerce.search.sync({ maxBatches: 10_000 })
      return report.errorCount > 0 ? 1 : 0
    }
    console.log(`Exporting to ${file}`)
    const out = createWriteStream(file)
    let products = 0
    for await (const chunk of exportProductsCsv(commerce, {
      onProgress: (p) => {
        products = p.done
        progress(p)
      },
    })) {
      if (!out.write(chunk)) await once(out, 'drain')
    }
    out.end()
    await once(out, 'finish')
    console.log(`Done: ${products} products written to ${file}`)
    return 0
  } finally {
    await opened.close()
  }
}

const progress = csvProgressPrinter('exporting', 'products')

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isCommerceError(error, 'validation.failed')) {
      console.error(error.message)
      for (const issue of (error as ValidationError).details.issues.slice(1, 20))
        console.error(`  ${issue.path}: ${issue.message}`)
    } else console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
