import { performance } from 'node:perf_hooks'
import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'
import {
  eventually,
  forgetfulCache,
  type ReplicaPair,
  sleep,
  startReplicaPair,
  tableScans,
} from './replica-support.js'

// Scale test (issue 12): a streaming replica stopped while many reads are in flight, and started
// again; and the replica's lag measured under a write load. `SOUK_SCALE_HEAVY=1` runs longer with
// more readers and writers.

const HEAVY = process.env.SOUK_SCALE_HEAVY === '1'
const READERS = HEAVY ? 32 : 12
const WRITERS = HEAVY ? 8 : 4
/** How long each phase of the stop/start run lasts, and how long the lag load runs. */
const PHASE_MS = HEAVY ? 5_000 : 1_500
const LOAD_MS = HEAVY ? 15_000 : 3_000
const PRODUCTS = 6
const TABLES = ['products', 'reviews', 'search_documents'] as const

let pair: ReplicaPair
let writer: Commerce
const productIds: string[] = []

beforeAll(async () => {
  pair = await startReplicaPair()
  writer = createCommerce({
    storage: postgresStorage({ connectionString: pair.primary.url, poolSize: WRITERS + 2 }),
    logger: silentLogger,
  })
  for (let i = 0; i < PRODUCTS; i++) {
    const product = await writer.catalog.createProduct({
      slug: `kettle-${i}`,
      name: `Enamel kettle ${i}`,
      status: 'active',
      tags: ['kitchen'],
      variants: [{ sku: `KETTLE-${i}`, prices: [{ amount: 3900 + i * 100, currency: 'USD' }] }],
    })
    productIds.push(product.id)
    await writer.inventory.setStock({ sku: `KETTLE-${i}`, onHand: 1_000_000 })
  }
  await writer.search.sync()
  await pair.replica.catchUp()
})

afterAll(async () => {
  await writer?.close()
  await pair?.destroy()
})

/** Runs `step` in `count` loops until `stop()` is called; collects what they threw. */
function loops(count: number, step: (worker: number, round: number) => Promise<unknown>) {
  let running = true
  const errors: unknown[] = []
  let done = 0
  const workers = Array.from({ length: count }, async (_, worker) => {
    for (let round = 0; running; round++) {
      try {
        await step(worker, round)
        done++
      } catch (error) {
        errors.push(error)
      }
    }
  })
  return {
    errors,
    done: () => done,
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

function catalogRead(commerce: Commerce, worker: number, round: number): Promise<unknown> {
  const productId = productIds[(worker + round) % PRODUCTS]!
  switch (round % 4) {
    case 0:
      return commerce.catalog.getProduct({ productId })
    case 1:
      return commerce.catalog.listProducts({ sort: 'newest', limit: 10 })
    case 2:
      return commerce.catalog.listReviews({ productId })
    default:
      return commerce.search.query({ q: 'enamel kettle' })
  }
}

describe('a replica that goes away', () => {
  it('keeps reads going from the primary while it is stopped, and returns to it once it is back', async () => {
    const storage: PostgresStorage = postgresStorage({
      connectionString: pair.primary.url,
      poolSize: 8,
      readConnectionString: pair.replica.url,
      readPoolSize: 8,
      // Generous, so on a busy machine the only bypass is the stop itself.
      maxReplicaLagMs: 5_000,
      replicaRetryMs: 300,
    })
    const commerce = createCommerce({ storage, cache: forgetfulCache(), logger: silentLogger })
    const status = () => storage.readReplica!.status()
    // Writes keep the WAL moving, so every read's fence is fresh.
    const writes = loops(1, (_, round) =>
      round % 2 === 0
        ? writer.catalog.updateProduct({
            productId: productIds[round % PRODUCTS]!,
            name: `Enamel kettle, batch ${round}`,
          })
        : writer.catalog.addReview({
            productId: productIds[round % PRODUCTS]!,
            customerId: `cus_${round}`,
            rating: 4,
          }),
    )
    const reads = loops(READERS, (worker, round) => catalogRead(commerce, worker, round))
    try {
      await sleep(PHASE_MS)
      const before = status()
      expect(before.state).toBe('serving')
      expect(before.replicaReads).toBeGreaterThan(0)

      // Stopped with reads in flight: their sessions end (57P01), new ones are refused.
      await pair.replica.stop()
      const readsAtStop = reads.done()
      await sleep(PHASE_MS)
      const during = status()
      expect(during).toMatchObject({ state: 'bypassed', reason: 'down' })
      expect(during.primaryReads).toBeGreaterThan(before.primaryReads)
      expect(reads.done()).toBeGreaterThan(readsAtStop)

      await pair.replica.start()
      const scansAtStart = await tableScans(pair.replica.url, TABLES)
      const servedAtStart = status().replicaReads
      await eventually('the restarted replica to serve reads again', async () => {
        const now = status()
        return now.state === 'serving' && now.replicaReads > servedAtStart + READERS * 4
      })
      await reads.stop()
      await writes.stop()
      // No read failed: not during the stop, not while it was down, not on the way back.
      expect(reads.errors).toEqual([])
      expect(writes.errors).toEqual([])
      const { replicaReads, primaryReads } = status()
      console.log(
        `[read replica] ${replicaReads + primaryReads} reads over stop/start: ${replicaReads} from the replica, ${primaryReads} from the primary, 0 failed`,
      )

      // The replica's own statistics: it answered catalog reads again after its restart.
      await commerce.close()
      await eventually('the replica to count the scans it served after its restart', async () => {
        const after = await tableScans(pair.replica.url, TABLES)
        return TABLES.every((t) => after[t]! > scansAtStart[t]!)
      })
    } finally {
      await reads.stop()
      await writes.stop()
      await commerce.close().catch(() => undefined)
    }
  })
})

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

describe('replica lag', () => {
  it('is measured under a write load: the time until the replica has replayed a write', async () => {
    const primary = new pg.Client({ connectionString: pair.primary.url })
    const sampler = new pg.Client({ connectionString: pair.primary.url })
    const replica = new pg.Client({ connectionString: pair.replica.url })
    for (const client of [primary, sampler, replica]) {
      client.on('error', () => undefined)
      await client.connect()
    }
    try {
      await primary.query(
        'create table if not exists public.lag_probe (id int primary key, n bigint not null)',
      )
      await primary.query('insert into public.lag_probe values (1, 0) on conflict do nothing')
      await pair.replica.catchUp()

      // The load: carts, stock and catalog writes from several writers at once.
      const load = loops(WRITERS, async (worker, round) => {
        const sku = `KETTLE-${(worker + round) % PRODUCTS}`
        switch (round % 3) {
          case 0: {
            const cart = await writer.cart.create({ currency: 'USD' })
            await writer.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
            return
          }
          case 1:
            return writer.inventory.setStock({ sku, onHand: 1_000_000 - round })
          default:
            return writer.catalog.updateProduct({
              productId: productIds[(worker + round) % PRODUCTS]!,
              description: `Batch ${worker}-${round}`,
            })
        }
      })

      const bytes: number[] = []
      const replayLag: number[] = []
      let sampling = true
      const samples = (async () => {
        while (sampling) {
          const { rows } = await sampler.query<{ bytes: string | null; replay_ms: string | null }>(
            `select pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text as bytes,
                    (extract(epoch from replay_lag) * 1000)::text as replay_ms
               from pg_stat_replication`,
          )
          if (rows[0]?.bytes != null) bytes.push(Number(rows[0].bytes))
          if (rows[0]?.replay_ms != null) replayLag.push(Number(rows[0].replay_ms))
          await sleep(25)
        }
      })()

      // Visibility: a committed write, then the time until the replica's replay has passed it.
      const visible: number[] = []
      const until = Date.now() + LOAD_MS
      for (let n = 1; Date.now() < until; n++) {
        await primary.query('update public.lag_probe set n = $1 where id = 1', [n])
        const started = performance.now()
        const { rows } = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')
        for (;;) {
          const seen = await replica.query<{ done: boolean }>(
            'select pg_last_wal_replay_lsn() >= $1::pg_lsn as done',
            [rows[0]!.lsn],
          )
          if (seen.rows[0]!.done) break
        }
        visible.push(performance.now() - started)
        const { rows: probe } = await replica.query<{ n: string }>(
          'select n from public.lag_probe where id = 1',
        )
        expect(Number(probe[0]!.n)).toBe(n)
      }
      await load.stop()
      sampling = false
      await samples
      expect(load.errors).toEqual([])
      expect(visible.length).toBeGreaterThan(10)
      expect(bytes.length).toBeGreaterThan(10)

      const ms = [...visible].sort((a, b) => a - b)
      const sortedBytes = [...bytes].sort((a, b) => a - b)
      const figures = {
        writers: WRITERS,
        loadWritesPerSecond: Math.round(load.done() / (LOAD_MS / 1000)),
        visibilityMs: {
          samples: ms.length,
          p50: +percentile(ms, 50).toFixed(2),
          p95: +percentile(ms, 95).toFixed(2),
          max: +ms.at(-1)!.toFixed(2),
        },
        lagBytes: {
          p50: percentile(sortedBytes, 50),
          p95: percentile(sortedBytes, 95),
          max: sortedBytes.at(-1),
        },
        replayLagMsMax: replayLag.length > 0 ? +Math.max(...replayLag).toFixed(2) : null,
      }
      console.log(`[read replica] lag under load: ${JSON.stringify(figures)}`)
    } finally {
      for (const client of [primary, sampler, replica]) await client.end().catch(() => undefined)
    }
  })
})
