// A separate OS process that races for stock through its own pool; spawned by inventory-races.pg.test.ts.
import { createCommerce, isCommerceError, silentLogger } from '@souk/core'
import { postgresStorage } from '../src/postgres-storage.js'

const [url, sku, attemptsText] = process.argv.slice(2)
const attempts = Number(attemptsText)
const storage = postgresStorage({ connectionString: url!, poolSize: 10 })
const commerce = createCommerce({ storage, logger: silentLogger })
let won = 0
let lost = 0
const failures: string[] = []
await Promise.all(
  Array.from({ length: attempts }, async () => {
    try {
      await commerce.inventory.reserve({
        lines: [{ sku: sku!, quantity: 1 }],
        reference: `pid-${process.pid}`,
      })
      won++
    } catch (error) {
      if (isCommerceError(error, 'inventory.insufficient_stock')) lost++
      else failures.push(String(error))
    }
  }),
)
await commerce.close()
process.stdout.write(JSON.stringify({ won, lost, failures }))
