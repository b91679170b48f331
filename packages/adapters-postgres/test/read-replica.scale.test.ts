import { type Commerce, createCommerce, createMemoryCache, silentLogger } from '@souk/core'
import { expectConfigError } from '@souk/core/testing'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStorage, postgresStorage } from '../src/postgres-storage.js'
import {
  eventually,
  forgetfulCache,
  queryOnce,
  type ReplicaPair,
  recordingCache,
  sleep,
  startReplicaPair,
  tableScans,
} from './replica-support.js'
import { countingPool } from './statement-counter.js'

// Scale test (issue 12): Souk's catalog, search and listing reads on a real streaming replica
// (pg_basebackup -R of a private primary), proved by the replica's own statistics; read-your-writes
// after review and cart writes; a replica held behind (replay paused) is waited for, then bypassed,
// and the catalog cache never stores what the lagging replica would have returned.

const TABLES = ['products', 'reviews', 'categories', 'search_documents'] as const
const PRODUCTS = 8
const ROUNDS = 6

let pair: ReplicaPair
/** Writes on the primary only, like another app process without a replica. */
let writer: Commerce
let categoryId: string
const productIds: string[] = []
const opened: { close(): Promise<void> }[] = []

/** A storage on the pair: the primary, and the replica for the reads that may go there. */
function replicated(options: { maxReplicaLagMs?: number; replicaRetryMs?: number } = {}): PostgresStorage {
  const storage = postgresStorage({
    connectionString: pair.primary.url,
    poolSize: 4,
    readConnectionString: pair.replica.url,
    readPoolSize: 4,
    ...options,
  })
  opened.push(storage)
  return storage
}

beforeAll(async () => {
  pair = await startReplicaPair()
  writer = createCommerce({
    storage: postgresStorage({ connectionString: pair.primary.url, poolSize: 4 }),
    logger: silentLogger,
  })
  const category = await writer.catalog.createCategory({ slug: 'lamps', name: 'Lamps' })
  categoryId = category.id
  for (let i = 0; i < PRODUCTS; i++) {
    const product = await writer.catalog.createProduct({
      slug: `desk-lamp-${i}`,
      name: `Brass desk lamp ${i}`,
      description: 'A lamp with a heavy brass foot',
      status: 'active',
      categoryId,
      tags: ['lighting'],
      variants: [
        { sku: `LAMP-${i}`, prices: [{ amount: 4900 + i * 100, currency: 'USD' }], weightGrams: 900 },
      ],
    })
    productIds.push(product.id)
    await writer.inventory.setStock({ sku: `LAMP-${i}`, onHand: 20 })
    await writer.catalog.addReview({
      productId: product.id,
      customerId: 'cus_seed',
      rating: 4,
      title: 'Good',
    })
  }
  await writer.search.sync()
  await pair.replica.catchUp()
})

afterAll(async () => {
  for (const storage of opened) await storage.close().catch(() => undefined)
  await writer?.close()
  await pair?.destroy()
})

describe('read replica config', () => {
  const url = 'postgres://postgres@127.0.0.1:1/postgres'

  it('refuses a read replica with PGlite, two read sources, and replica options without a replica', async () => {
    // Refused at construction, so the instance is never used (as in postgres-storage.test.ts).
    expectConfigError(
      () => postgresStorage({ pglite: { query() {} } as never, readConnectionString: url }),
      'postgresStorage config',
      'readConnectionString',
    )
    const readPool = new pg.Pool({ connectionString: url })
    try {
      const both = expectConfigError(
        () => postgresStorage({ connectionString: url, readConnectionString: url, readPool }),
        'postgresStorage config',
      )
      expect(both.message).toContain('at most one of readConnectionString, readPool or readDb')
      expectConfigError(
        () => postgresStorage({ connectionString: url, readPool, readPoolSize: 3 }),
        'postgresStorage config',
        'readPoolSize',
      )
    } finally {
      await readPool.end()
    }
    expectConfigError(
      () => postgresStorage({ connectionString: url, maxReplicaLagMs: 100 }),
      'postgresStorage config',
      'maxReplicaLagMs',
    )
    expectConfigError(
      () => postgresStorage({ connectionString: url, readConnectionString: url, replicaRetryMs: 0 }),
      'postgresStorage config',
      'replicaRetryMs',
    )
  })

  it('names only the scheme of a foreign read URL, never its password', () => {
    const error = expectConfigError(
      () => postgresStorage({ connectionString: url, readConnectionString: 'mysql://shop:hunter2@db/shop' }),
      'postgresStorage config',
      'readConnectionString',
    )
    expect(error.message).toContain('not mysql://')
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })

  it('has no readReplica without a read source', () => {
    const storage = postgresStorage({ connectionString: url })
    expect(storage.readReplica).toBeUndefined()
    return storage.close()
  })
})

describe('reads on a streaming replica', () => {
  it('serves catalog, search and listing reads from the replica, as its own statistics show', async () => {
    const counting = countingPool({ connectionString: pair.primary.url, max: 4 })
    const storage = postgresStorage({
      pool: counting.pool,
      readConnectionString: pair.replica.url,
      readPoolSize: 4,
      // Generous, so a busy machine cannot turn a slow look at the replica into a bypass.
      maxReplicaLagMs: 10_000,
    })
    // Nothing is cached, so every read reaches storage.
    const commerce = createCommerce({ storage, cache: forgetfulCache(), logger: silentLogger })
    const before = await tableScans(pair.replica.url, TABLES)
    counting.reset()

    for (let round = 0; round < ROUNDS; round++) {
      const productId = productIds[round % PRODUCTS]!
      const product = await commerce.catalog.getProduct({ productId, currency: 'USD' })
      expect(product.variants[0]!.availability.available).toBe(20)
      const page = await commerce.catalog.listProducts({
        categoryId,
        sort: 'price_asc',
        currency: 'USD',
        limit: 5,
      })
      expect(page.total).toBe(PRODUCTS)
      expect(await commerce.catalog.listCategories()).toHaveLength(1)
      expect((await commerce.catalog.listReviews({ productId })).items).toHaveLength(1)
      await commerce.catalog.recommendations({ productId })
      expect((await commerce.search.query({ q: 'brass lamp' })).total).toBe(PRODUCTS)
      expect((await commerce.search.suggest({ q: 'bras' })).products.length).toBeGreaterThan(0)
    }

    const routed = storage.readReplica!.status()
    expect(routed).toMatchObject({ state: 'serving', primaryReads: 0 })
    expect(routed.replicaReads).toBeGreaterThanOrEqual(ROUNDS * 8)
    // What the primary was sent: fences (pg_current_wal_lsn) and the live availability reads of
    // product pages (inventory), never a catalog, review or search table.
    const sent = counting.trace().statements
    expect(sent.filter((s) => /"(products|reviews|categories|search_documents)"/.test(s))).toEqual([])
    expect(sent.some((s) => s.includes('pg_current_wal_lsn'))).toBe(true)
    expect(sent.some((s) => /stock_levels|inventory_items/.test(s))).toBe(true)

    // Ending the sessions flushes their statistics on the replica.
    await commerce.close()
    await counting.pool.end()
    await eventually('the replica to count the scans it served', async () => {
      const after = await tableScans(pair.replica.url, TABLES)
      return TABLES.every((t) => after[t]! - before[t]! >= ROUNDS)
    })
  })

  it('takes the replica as a pool or a Kysely of yours, and leaves it open on close', async () => {
    const readPool = new pg.Pool({ connectionString: pair.replica.url, max: 2 })
    const readDb = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pair.replica.url, max: 2 }) }),
    })
    try {
      for (const read of [{ readPool }, { readDb }]) {
        const storage = postgresStorage({
          connectionString: pair.primary.url,
          poolSize: 2,
          maxReplicaLagMs: 10_000,
          ...read,
        })
        const product = await storage.catalog.getProduct({ idOrSlug: productIds[0]! })
        expect(product?.name).toBe('Brass desk lamp 0')
        expect(storage.readReplica!.status()).toMatchObject({ replicaReads: 1, primaryReads: 0 })
        await storage.close()
      }
      const { rows } = await readPool.query('select pg_is_in_recovery() as standby')
      expect(rows[0].standby).toBe(true)
      const { rows: viaKysely } = await sql<{
        standby: boolean
      }>`select pg_is_in_recovery() as standby`.execute(readDb)
      expect(viaKysely[0]!.standby).toBe(true)
    } finally {
      await readPool.end()
      await readDb.destroy()
    }
  })

  it('reads a review back right after writing it, through the replica', async () => {
    const storage = replicated()
    const commerce = createCommerce({ storage, logger: silentLogger })
    const productId = productIds[1]!
    const start = storage.readReplica!.status()
    for (let i = 0; i < 12; i++) {
      // Cached first, so the write's invalidation is what makes the next read see it.
      const before = await commerce.catalog.getProduct({ productId })
      // Every other round the replica is held behind the write and let go 100 ms later: a read
      // that did not wait for it would miss the review.
      const held = i % 2 === 1
      if (held) await pair.replica.pauseReplay()
      const review = await commerce.catalog.addReview({
        productId,
        customerId: `cus_ryw_${i}`,
        rating: 5,
        title: `Review ${i}`,
      })
      const resumed = held ? sleep(100).then(() => pair.replica.resumeReplay()) : Promise.resolve()
      try {
        const page = await commerce.catalog.listReviews({ productId, limit: 5 })
        expect(page.items[0]!.id).toBe(review.id)
        const after = await commerce.catalog.getProduct({ productId })
        expect(after.rating.count).toBe(before.rating.count + 1)
      } finally {
        await resumed
      }
    }
    const end = storage.readReplica!.status()
    expect(end.replicaReads - start.replicaReads).toBeGreaterThan(0)
    await commerce.close()
  })

  it('reads carts, cart pricing and availability on the primary, even with the replica held behind', async () => {
    const storage = replicated({ maxReplicaLagMs: 200 })
    const commerce = createCommerce({ storage, logger: silentLogger })
    const productId = productIds[2]!
    await commerce.catalog.getProduct({ productId }) // cached
    await pair.replica.pauseReplay()
    try {
      // A product the replica has not seen: carts price it from the primary.
      await writer.catalog.createProduct({
        slug: 'floor-lamp-new',
        name: 'Floor lamp',
        status: 'active',
        variants: [{ sku: 'FLOOR-NEW', prices: [{ amount: 12_900, currency: 'USD' }] }],
      })
      await writer.inventory.setStock({ sku: 'FLOOR-NEW', onHand: 3 })
      const cart = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: cart.id, sku: 'FLOOR-NEW', quantity: 2 })
      const read = await commerce.cart.get({ cartId: cart.id })
      expect(read.lines.map((l) => [l.sku, l.quantity])).toEqual([['FLOOR-NEW', 2]])
      expect(read.unavailableSkus).toEqual([])
      await commerce.cart.updateItem({ cartId: cart.id, sku: 'FLOOR-NEW', quantity: 3 })
      expect((await commerce.cart.get({ cartId: cart.id })).lines[0]!.quantity).toBe(3)

      // Stock moves on the primary; the product page reads availability live from there.
      await writer.inventory.setStock({ sku: 'LAMP-2', onHand: 5 })
      const product = await commerce.catalog.getProduct({ productId })
      expect(product.variants[0]!.availability.available).toBe(5)
      const replicaSees = await queryOnce<{ n: string }>(
        pair.replica.url,
        `select count(*)::text as n from souk.product_variants where sku = 'FLOOR-NEW'`,
      )
      expect(replicaSees[0]!.n).toBe('0')
    } finally {
      await pair.replica.resumeReplay()
      await pair.replica.catchUp()
      await writer.inventory.setStock({ sku: 'LAMP-2', onHand: 20 })
    }
    await commerce.close()
  })

  it('waits for a replica that is behind a write, then serves the read from it', async () => {
    const storage = replicated({ maxReplicaLagMs: 30_000 })
    const productId = productIds[3]!
    expect((await storage.catalog.getProduct({ idOrSlug: productId }))!.name).toBe('Brass desk lamp 3')
    await pair.replica.pauseReplay()
    let settled = false
    let pending: Promise<string | undefined> | undefined
    try {
      await writer.catalog.updateProduct({ productId, name: 'Brass desk lamp 3, polished' })
      pending = storage.catalog.getProduct({ idOrSlug: productId }).then((p) => {
        settled = true
        return p?.name
      })
      // Replay is paused, so the read can only be waiting: the replica lacks the write and the
      // primary is asked only after 30 s.
      await sleep(300)
      expect(settled).toBe(false)
    } finally {
      await pair.replica.resumeReplay()
    }
    expect(await pending).toBe('Brass desk lamp 3, polished')
    expect(storage.readReplica!.status()).toMatchObject({ state: 'serving', primaryReads: 0 })
  })

  it('bypasses a replica lagging past the bound, and never caches what it would have returned', async () => {
    // Two processes share one cache: `reader` reads through the replica, `writer` writes.
    const cache = recordingCache(createMemoryCache())
    const sharedWriter = createCommerce({
      storage: postgresStorage({ connectionString: pair.primary.url, poolSize: 2 }),
      cache,
      logger: silentLogger,
    })
    const storage = replicated({ maxReplicaLagMs: 250, replicaRetryMs: 200 })
    const reader = createCommerce({ storage, cache, logger: silentLogger })
    const productId = productIds[4]!
    const listing = { categoryId, sort: 'price_asc' as const, currency: 'USD' as const, limit: 20 }
    expect((await reader.catalog.getProduct({ productId })).name).toBe('Brass desk lamp 4')
    expect((await reader.catalog.listProducts(listing)).items.map((p) => p.name)).toContain(
      'Brass desk lamp 4',
    )

    await pair.replica.pauseReplay()
    try {
      await sharedWriter.catalog.updateProduct({ productId, name: 'Brass desk lamp 4, renamed' })
      // The replica really is behind the write that invalidated the cache.
      const onReplica = await queryOnce<{ name: string }>(
        pair.replica.url,
        'select name from souk.products where id = $1',
        [productId],
      )
      expect(onReplica[0]!.name).toBe('Brass desk lamp 4')

      const storedBefore = cache.stored.length
      const product = await reader.catalog.getProduct({ productId })
      expect(product.name).toBe('Brass desk lamp 4, renamed')
      const names = (await reader.catalog.listProducts(listing)).items.map((p) => p.name)
      expect(names).toContain('Brass desk lamp 4, renamed')
      expect(names).not.toContain('Brass desk lamp 4')
      // Read twice more: now from the cache, which holds the primary's answer.
      expect((await reader.catalog.getProduct({ productId })).name).toBe('Brass desk lamp 4, renamed')

      const stored = cache.stored.slice(storedBefore).map((s) => JSON.stringify(s.value))
      expect(stored.some((v) => v.includes('Brass desk lamp 4, renamed'))).toBe(true)
      expect(stored.filter((v) => v.includes('"Brass desk lamp 4"'))).toEqual([])
      expect(storage.readReplica!.status()).toMatchObject({ state: 'bypassed', reason: 'lagging' })
      expect(storage.readReplica!.status().primaryReads).toBeGreaterThan(0)
    } finally {
      await pair.replica.resumeReplay()
    }

    // Once the replica has caught up, a probe puts it back in service.
    const servedBefore = storage.readReplica!.status().replicaReads
    await eventually('the replica to serve reads again', async () => {
      await storage.catalog.listCategories()
      const status = storage.readReplica!.status()
      return status.state === 'serving' && status.replicaReads > servedBefore
    })
    await sharedWriter.close()
    await reader.close()
  })
})
