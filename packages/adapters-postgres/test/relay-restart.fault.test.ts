import {
  type Commerce,
  type CommerceEvent,
  createCommerce,
  isCommerceError,
  type Logger,
  outboxEvent,
} from '@souk/core'
import { type PrivatePostgres, startPrivatePostgres } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'

// Fault test: the relay of a durable subscriber on a Postgres of its own that restarts while
// events are being delivered. The process must stay up, the relay must log its failed rounds and
// carry on once the server is back, and every event must reach the subscriber, in order per
// aggregate, none lost (a redelivery of the batch in flight is allowed: at least once).

const AGGREGATES = 50
const BEFORE = 2_000
const AFTER = 1_000

let server: PrivatePostgres
let storage: PostgresStorage
let commerce: Commerce
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)
const relayErrors: string[] = []
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message) => void relayErrors.push(message),
}
/** Per aggregate, the sequence numbers of the events as they were delivered. */
const delivered = new Map<string, number[]>()
const seen = new Set<string>()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes `count` events numbered from `from`, round robin over the aggregates, retrying outages. */
async function write(from: number, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const batch = Array.from({ length: Math.min(250, count - done) }, (_, i) => {
      const n = from + done + i
      const aggregateId = `prod_restart_${n % AGGREGATES}`
      const event = { type: 'product.updated', productId: aggregateId, n, occurredAt: new Date() }
      return outboxEvent(event as unknown as CommerceEvent, `evt_restart_${n}`, aggregateId)
    })
    try {
      await storage.outbox.enqueue({ messages: batch, now: new Date() })
      done += batch.length
    } catch (error) {
      if (!isCommerceError(error, 'storage.unavailable')) throw error
      await sleep(100)
    }
  }
}

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  server = await startPrivatePostgres()
  storage = postgresStorage({ connectionString: server.url, poolSize: 6 })
  commerce = createCommerce({
    storage,
    logger,
    unitsSold: false,
    stockStatus: false,
    relay: { intervalMs: 20, leaseMs: 1_000, retryDelayMs: 50, batchSize: 50 },
    subscribers: [
      {
        name: 'restart-feed',
        events: ['product.updated'],
        from: 'beginning',
        partitions: 4,
        handle: async (e) => {
          const { n } = e.data as unknown as { n: number }
          delivered.set(e.aggregateId, [...(delivered.get(e.aggregateId) ?? []), n])
          seen.add(e.id)
          await sleep(0)
        },
      },
    ],
  })
  await commerce.migrate()
}, 120_000)

afterAll(async () => {
  await commerce?.close()
  await server?.destroy()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

describe('the relay across a Postgres restart', () => {
  it('logs the failed rounds, resumes when the server is back, and delivers every event in order per aggregate', async () => {
    await write(0, BEFORE)
    // Restart once the relay is part way through the log.
    const started = Date.now()
    while (seen.size < BEFORE / 4 && Date.now() - started < 30_000) await sleep(10)
    expect(seen.size).toBeGreaterThan(0)
    expect(seen.size).toBeLessThan(BEFORE)
    await server.restart()
    await write(BEFORE, AFTER)

    const deadline = Date.now() + 60_000
    while (seen.size < BEFORE + AFTER && Date.now() < deadline) await sleep(50)
    expect(seen.size).toBe(BEFORE + AFTER)
    expect(relayErrors).toContain('event relay round failed')
    expect(uncaught).toEqual([])
    // In order per aggregate: redeliveries of the batch in flight may repeat a run, never reorder.
    for (const [aggregate, numbers] of delivered) {
      const firsts = numbers.filter((n, i) => numbers.indexOf(n) === i)
      expect(firsts, aggregate).toEqual([...firsts].sort((a, b) => a - b))
      expect(firsts.length, aggregate).toBe((BEFORE + AFTER) / AGGREGATES)
    }
    // Caught up: the cursors stand at the end of the log. A drain may hand over again at most the
    // batch (50) per partition (4) whose ack a background round still had in flight: delivery is
    // at least once.
    expect((await commerce.subscribers.drain()).delivered).toBeLessThanOrEqual(4 * 50)
  }, 150_000)
})
