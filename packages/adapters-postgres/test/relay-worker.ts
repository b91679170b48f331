// A relay in its own OS process: delivers a durable subscriber's events into the `delivered` table
// until told to stop (or SIGKILLed); spawned by durable-subscribers.fault.test.ts.
// argv: url subscriber partitions leaseMs batchSize. Prints `ready`, starts on a `go` line on
// stdin, and on `stop` stops its relay and prints a JSON summary.
import { createInterface } from 'node:readline'
import { createCommerce, defineSubscriber, type Logger } from '@souk/core'
import pg from 'pg'
import { postgresStorage } from '../src/postgres-storage.js'

const [url, name, partitions, leaseMs, batchSize] = process.argv.slice(2)
const lines = createInterface({ input: process.stdin })
const next = (word: string) =>
  new Promise<void>((resolve) => {
    const listener = (line: string) => {
      if (line.trim() !== word) return
      lines.off('line', listener)
      resolve()
    }
    lines.on('line', listener)
  })

const out = new pg.Client({ connectionString: url! })
await out.connect()
const warnings: string[] = []
// Warnings (a lost lease, a failed delivery) go to stderr and into the summary.
const logger: Logger = {
  debug() {},
  info() {},
  warn(message, fields) {
    warnings.push(message)
    process.stderr.write(`[relay ${process.pid}] ${message} ${JSON.stringify(fields)}\n`)
  },
  error(message, fields) {
    warnings.push(message)
    process.stderr.write(`[relay ${process.pid}] ERROR ${message} ${JSON.stringify(fields)}\n`)
  },
}
let handled = 0
const subscriber = defineSubscriber({
  name: name!,
  events: '*',
  partitions: Number(partitions),
  from: 'beginning',
  async handle(event) {
    const seq = (event.data as unknown as { seq: number }).seq
    await out.query(
      'insert into delivered (subscriber, event_id, aggregate_id, seq, pid, attempt) values ($1, $2, $3, $4, $5, $6)',
      [name, event.id, event.aggregateId, seq, process.pid, event.delivery.attempt],
    )
    handled++
  },
})

process.stdout.write('ready\n')
await next('go')
const commerce = createCommerce({
  storage: postgresStorage({ connectionString: url!, poolSize: 4 }),
  logger,
  unitsSold: false,
  subscribers: [subscriber],
  relay: { intervalMs: 20, leaseMs: Number(leaseMs), batchSize: Number(batchSize) },
})
// The relay starts once the schema is known to be there.
await commerce.migrate()
process.stdout.write('started\n')
await next('stop')
await commerce.close()
await out.end()
process.stdout.write(`${JSON.stringify({ pid: process.pid, handled, warnings })}\n`)
lines.close()
