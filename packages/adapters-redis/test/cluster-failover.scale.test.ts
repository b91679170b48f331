import { type RedisCache, type RedisCartStore, redisCache, redisCartStore } from '@souk/adapters-redis'
import { type Commerce, CommerceError, createCommerce, isCommerceError, silentLogger } from '@souk/core'
import type { RedisFailoverOptions } from '@souk/test-harness'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CartDatabase, cartDatabase } from './cart-support.js'
import { type ClusterFixture, clusterFixture } from './cluster-support.js'
import { recordingLogger } from './recording-logger.js'

// A master of a real 3-master, 3-replica Redis Cluster fails over in the middle of concurrent cart
// edits made through the write-through cart store over Postgres: once by hand (CLUSTER FAILOVER,
// which loses nothing), once by SIGKILL (its replica is elected; writes it had not received are
// gone). Afterwards no cart is lost or stale: every edit that was answered is in Postgres, and
// every cart reads back through Redis (in this process and in a fresh one) equal to Postgres.

const HEAVY = process.env.SOUK_SCALE_HEAVY === '1'
const WORKERS = HEAVY ? 32 : 16
const CARTS_PER_WORKER = HEAVY ? 8 : 4
/** Answered edits before the failover starts, and after it ends, per run. */
const EDITS_AROUND = HEAVY ? 600 : 150
const SKUS = Array.from({ length: 8 }, (_, i) => `CF-${i}`)

let fixture: ClusterFixture
let database: CartDatabase
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  ;[fixture, database] = await Promise.all([clusterFixture(), cartDatabase('redis_cluster_failover')])
  const seeding = createCommerce({ storage: database.storage, logger: silentLogger })
  for (const sku of SKUS) {
    await seeding.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Item ${sku}`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 700, currency: 'EUR' }] }],
    })
    await seeding.inventory.setStock({ sku, onHand: 1_000_000 })
  }
})

afterAll(async () => {
  await fixture?.close()
  await database?.close()
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

/**
 * A client as docs/redis.md configures one (auto-pipelining; the contract suites run without it),
 * listening for errors as the app that owns it would.
 */
function appClient(): Cluster {
  const client = fixture.client({ enableAutoPipelining: true })
  client.on('error', () => undefined)
  return client
}

/** The quantities per SKU of a cart's lines, sorted by SKU. */
function quantities(lines: readonly { sku: string; quantity: number }[]): [string, number][] {
  return lines.map((l): [string, number] => [l.sku, l.quantity]).sort(([a], [b]) => a.localeCompare(b))
}

interface Run {
  /** cartId -> sku -> quantity every answered addItem adds up to. */
  readonly expected: Map<string, Map<string, number>>
  /** Every error an edit or a read threw (there must be none: Postgres stays up). */
  readonly errors: unknown[]
  /** Reads that served a cart other than what the answered edits add up to. */
  readonly stale: string[]
  readonly editsBefore: number
  readonly editsAfter: number
  readonly edits: number
  readonly failoverMs: number
  readonly maxPendingRepairs: number
}

/**
 * WORKERS workers, each editing its own carts (addItem, then a get that must show every edit
 * answered so far), while `disrupt` runs once EDITS_AROUND edits were answered; they stop
 * EDITS_AROUND edits after it ends. `alsoDuring` runs beside the workers until they stop.
 */
async function editThroughFailover(
  commerce: Commerce,
  carts: RedisCartStore,
  disrupt: () => Promise<void>,
  alsoDuring: (stopped: () => boolean) => Promise<void> = async () => {},
): Promise<Run> {
  const expected = new Map<string, Map<string, number>>()
  const errors: unknown[] = []
  const stale: string[] = []
  let edits = 0
  let stop = false
  let editsBefore = -1
  let editsAfter = -1
  let failoverMs = 0
  let maxPendingRepairs = 0

  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    const mine: string[] = []
    for (let c = 0; c < CARTS_PER_WORKER; c++) {
      const cart = await commerce.cart.create({ currency: 'EUR' })
      mine.push(cart.id)
      expected.set(cart.id, new Map())
    }
    for (let i = 0; !stop; i++) {
      const cartId = mine[i % mine.length] as string
      const sku = SKUS[(i + w) % SKUS.length] as string
      const want = expected.get(cartId) as Map<string, number>
      try {
        await commerce.cart.addItem({ cartId, sku, quantity: 1 })
        want.set(sku, (want.get(sku) ?? 0) + 1)
        edits++
        const view = await commerce.cart.get({ cartId })
        if (
          JSON.stringify(quantities(view.lines)) !==
          JSON.stringify(quantities([...want].map(([s, q]) => ({ sku: s, quantity: q }))))
        )
          stale.push(cartId)
      } catch (error) {
        errors.push(error)
      }
      maxPendingRepairs = Math.max(maxPendingRepairs, carts.pendingRepairs())
    }
  })

  const driver = (async () => {
    while (edits < EDITS_AROUND && errors.length === 0) await sleep(5)
    editsBefore = edits
    const started = performance.now()
    await disrupt()
    failoverMs = Math.round(performance.now() - started)
    const after = edits
    while (edits < after + EDITS_AROUND && errors.length === 0) await sleep(5)
    editsAfter = edits - after
    stop = true
  })()

  await Promise.all([driver, alsoDuring(() => stop), ...workers])
  return { expected, errors, stale, editsBefore, editsAfter, edits, failoverMs, maxPendingRepairs }
}

/** Every cart reads back equal to the answered edits: through `commerce`, from Postgres, and through a fresh store. */
async function expectNoCartLost(run: Run, commerce: Commerce, carts: RedisCartStore, prefix: string) {
  // Pending repairs (writes whose Redis update failed) are fenced on the next Redis call that succeeds.
  for (let i = 0; i < 50 && carts.pendingRepairs() > 0; i++) {
    await commerce.cart.get({ cartId: run.expected.keys().next().value as string })
    await sleep(20)
  }
  expect(carts.pendingRepairs(), 'every failed write-through was fenced once Redis answered').toBe(0)

  // A second process: a new client and store, without this one's memory of failed writes.
  const fresh = redisCartStore({
    redis: appClient(),
    durable: database.storage.carts,
    prefix,
    logger: silentLogger,
  })
  const other = createCommerce({ storage: database.storage, carts: fresh, logger: silentLogger })
  for (const [cartId, want] of run.expected) {
    const truth = quantities([...want].map(([sku, quantity]) => ({ sku, quantity })))
    const durable = await database.storage.carts.get(cartId)
    expect(quantities(durable?.lines ?? []), `Postgres cart ${cartId}`).toEqual(truth)
    expect(quantities((await commerce.cart.get({ cartId })).lines), `cart ${cartId}, this process`).toEqual(
      truth,
    )
    expect(quantities((await other.cart.get({ cartId })).lines), `cart ${cartId}, a fresh process`).toEqual(
      truth,
    )
    // The fresh store's read came from Redis (or was copied in): Redis now holds Postgres's version.
    expect((await fresh.get(cartId))?.version, `cart ${cartId} version`).toBe(durable?.version)
  }
}

describe('Redis Cluster failover in the middle of cart writes', () => {
  for (const [kind, waitForReplicas] of [
    ['manual', 0],
    ['kill', 1],
  ] as const satisfies readonly [RedisFailoverOptions['kind'], number][]) {
    it(`${kind} failover (waitForReplicas ${waitForReplicas}): no cart lost, none served stale`, async () => {
      const prefix = fixture.prefix()
      const log = recordingLogger()
      const redis = appClient()
      const carts = redisCartStore({
        redis,
        durable: database.storage.carts,
        prefix,
        waitForReplicas,
        logger: log,
      })
      const cache = redisCache({ redis, prefix, waitForReplicas, logger: silentLogger })
      const commerce = createCommerce({ storage: database.storage, carts, logger: silentLogger })
      const counters = counterLoad(cache)

      const run = await editThroughFailover(
        commerce,
        carts,
        async () => {
          const { from } = await fixture.cluster.failover({ kind })
          // A killed master comes back (empty) as a replica, so its shard has a replica to wait for again.
          if (kind === 'kill') await fixture.cluster.restart(from.port)
        },
        counters.run,
      )

      expect(uncaught, 'no unhandled error reached the process').toEqual([])
      expect(run.errors, 'no edit or read failed: Postgres answered every one').toEqual([])
      expect(run.stale, 'no read served a cart older than the answered edits').toEqual([])
      expect(run.editsBefore).toBeGreaterThanOrEqual(EDITS_AROUND)
      expect(run.editsAfter).toBeGreaterThanOrEqual(EDITS_AROUND)
      await expectNoCartLost(run, commerce, carts, prefix)
      await counters.check()

      const fallbacks = log.entries.filter((e) => e.level === 'warn').length
      console.info(
        `[cluster failover] ${kind}: ${run.edits} edits on ${run.expected.size} carts, failover ${run.failoverMs} ms,` +
          ` ${fallbacks} Redis calls fell back to Postgres, at most ${run.maxPendingRepairs} pending repairs,` +
          ` ${counters.increments()} counter increments, cache errors ${JSON.stringify(counters.errorCodes())}`,
      )
      // Not closed: it would close the shared storage, which afterAll closes.
    })
  }
})

/**
 * Catalog-style generation counters on the same cluster during the failover: an `increment` that
 * answered must never be undone (that would make stale cache entries current again), and an
 * invalidation that fails must fail with `storage.unavailable` only; `get`/`set` never throw.
 */
function counterLoad(cache: RedisCache) {
  const keys = Array.from({ length: 32 }, (_, i) => `gen:${i}`)
  const highest = new Map<string, number>()
  const codes = new Map<string, number>()
  const unexpected: unknown[] = []
  let increments = 0
  return {
    async run(stopped: () => boolean) {
      for (let i = 0; !stopped(); i++) {
        const key = keys[i % keys.length] as string
        try {
          const value = await cache.increment(key)
          if (value <= (highest.get(key) ?? 0)) unexpected.push(new Error(`${key} went back to ${value}`))
          highest.set(key, value)
          increments++
          await cache.set(`entry:${key}:${value}`, { value })
          await cache.get(`entry:${key}:${value}`)
        } catch (error) {
          const code = error instanceof CommerceError ? error.code : 'not a CommerceError'
          codes.set(code, (codes.get(code) ?? 0) + 1)
          if (!isCommerceError(error, 'storage.unavailable')) unexpected.push(error)
          await sleep(20)
        }
      }
    },
    async check() {
      expect(
        unexpected,
        'counters only ever went up; invalidations failed only as storage.unavailable',
      ).toEqual([])
      for (const [key, value] of highest) {
        expect(
          await cache.get<number>(key),
          `counter ${key} kept every answered increment`,
        ).toBeGreaterThanOrEqual(value)
        // Its script runs on whichever node now masters the key (EVAL again on a new node).
        expect(await cache.increment(key), `counter ${key} after the failover`).toBeGreaterThan(value)
      }
    },
    increments: () => increments,
    errorCodes: () => Object.fromEntries(codes),
  }
}
