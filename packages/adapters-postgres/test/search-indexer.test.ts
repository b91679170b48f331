import {
  createIdGenerator,
  createManualClock,
  createSearchIndexer,
  type ManualClock,
  type SearchDocument,
  type SearchIndex,
  type SearchIndexer,
  type SearchIndexerDeps,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { sql } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import { outboxInspector } from './search-support.js'
import { describeOnDrivers, type StorageDriver } from './support.js'

/** Indexers racing over one outbox: PGlite has one connection, so only node-postgres races them. */
const INDEXERS: Record<StorageDriver, number> = { 'node-postgres': 6, PGlite: 1 }

/**
 * The indexer against a real outbox and a real index. The catalog is a map in the test (the
 * catalog service wires its own loader); writing a product sets it there and enqueues an outbox
 * message, as the catalog store does in its transaction.
 */
describeOnDrivers('search_indexer', (getFixture, driver) => {
  const ids = createIdGenerator()
  const T0 = new Date('2030-01-01T00:00:00.000Z')

  function world(overrides: Partial<SearchIndexerDeps> = {}) {
    const { storage } = getFixture()
    const topic = `search.test.${ids('t').slice(-12)}`
    const categoryId = ids('cat')
    const catalog = new Map<string, SearchDocument>()
    const loads: string[][] = []
    const clock: ManualClock = createManualClock(T0)
    const deps: SearchIndexerDeps = {
      outbox: storage.outbox,
      index: storage.search,
      feed: {
        searchDocuments: async ({ ids: wanted }) => {
          loads.push([...wanted])
          return wanted.flatMap((id) => {
            const doc = catalog.get(id)
            return doc ? [doc] : []
          })
        },
        listSearchableProductIds: async ({ after, limit }) => {
          const rest = [...catalog.keys()].filter((id) => after === undefined || id > after.id).sort()
          const items = rest.slice(0, limit)
          const last = items.at(-1)
          return { items, next: rest.length > limit && last ? { sort: 'id', key: last, id: last } : null }
        },
        countSearchableProducts: async () => catalog.size,
      },
      currency: 'USD',
      clock,
      logger: silentLogger,
      topic,
      leaseMs: 30_000,
      ...overrides,
    }
    let n = 0
    const make = (over: Partial<SearchDocument> = {}): SearchDocument => ({
      id: ids('prod'),
      slug: `p-${++n}-${categoryId.slice(-6).toLowerCase()}`,
      name: `Enamel kettle ${n}`,
      description: 'Boils water.',
      tags: [],
      categoryIds: [categoryId],
      sellerId: null,
      price: { amount: 1000 + n, currency: 'USD' },
      inStock: true,
      popularity: n,
      rating: null,
      createdAt: new Date(T0.getTime() + n),
      ...over,
    })
    const write = async (doc: SearchDocument) => {
      catalog.set(doc.id, doc)
      await storage.outbox.enqueue({ messages: [{ topic, key: doc.id, payload: {} }], now: clock.now() })
    }
    const remove = async (id: string) => {
      catalog.delete(id)
      await storage.outbox.enqueue({ messages: [{ topic, key: id, payload: {} }], now: clock.now() })
    }
    const indexed = async () => {
      const result = await storage.search.search({ filters: { categoryId }, limit: 100, sort: 'popular' })
      return new Map(result.hits.map((h) => [h.id, h.document]))
    }
    const pending = async () => {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM souk.outbox WHERE topic = ${topic} AND processed_at IS NULL`.execute(
        storage.db,
      )
      return Number(rows[0]?.n)
    }
    const indexer = createSearchIndexer(deps)
    return { storage, topic, catalog, loads, clock, deps, make, write, remove, indexed, pending, indexer }
  }

  describe('search indexer', () => {
    it('applies upserts and deletes once per product, acks, and then has nothing to do', async () => {
      const w = world()
      const [a, b, c] = [w.make(), w.make(), w.make()]
      for (const doc of [a, b, c]) await w.write(doc)
      await w.write({ ...a, price: { amount: 5555, currency: 'USD' } })
      await w.write({ ...a, price: { amount: 7777, currency: 'USD' } })
      await w.remove(c.id)
      const report = await w.indexer.sync({ batchSize: 100 })
      expect(report).toEqual({ messages: 6, upserted: 2, deleted: 1, batches: 1 })
      expect(w.loads).toEqual([[a.id, b.id, c.id]])
      const index = await w.indexed()
      expect([...index.keys()].sort()).toEqual([a.id, b.id].sort())
      expect(index.get(a.id)?.price.amount).toBe(7777)
      expect(await w.pending()).toBe(0)
      expect(await w.indexer.sync()).toEqual({ messages: 0, upserted: 0, deleted: 0, batches: 0 })
    })

    it('is idempotent: the same messages applied again leave the same index', async () => {
      const w = world()
      const docs = [w.make(), w.make()]
      for (const doc of docs) await w.write(doc)
      await w.indexer.sync()
      const before = await w.indexed()
      for (const doc of docs) await w.write(doc)
      await w.indexer.sync()
      await w.indexer.sync()
      expect(await w.indexed()).toEqual(before)
    })

    it('after sync no search serves the old price', async () => {
      const w = world()
      const doc = w.make({ price: { amount: 1999, currency: 'USD' } })
      await w.write(doc)
      await w.indexer.sync()
      await w.write({ ...doc, price: { amount: 2499, currency: 'USD' } })
      await w.indexer.sync()
      const result = await w.storage.search.search({
        q: 'enamel kettle',
        filters: { categoryId: doc.categoryIds[0] as string, priceMin: 1999, priceMax: 1999 },
      })
      expect(result.total).toBe(0)
      expect((await w.indexed()).get(doc.id)?.price.amount).toBe(2499)
    })

    it('works through batches until the outbox is drained', async () => {
      const w = world()
      const docs = Array.from({ length: 23 }, () => w.make())
      for (const doc of docs) await w.write(doc)
      const report = await w.indexer.sync({ batchSize: 5 })
      expect(report.messages).toBe(23)
      expect(report.batches).toBe(5)
      expect((await w.indexed()).size).toBe(23)
      const capped = world()
      for (const doc of Array.from({ length: 6 }, () => capped.make())) await capped.write(doc)
      expect((await capped.indexer.sync({ batchSize: 2, maxBatches: 2 })).messages).toBe(4)
      expect(await capped.pending()).toBe(2)
    })

    it('survives a crash between read and ack: the lease runs out and the messages are applied again', async () => {
      const w = world()
      const doc = w.make()
      await w.write(doc)
      // A worker claims, reads the catalog, then "crashes": it never writes and never acks.
      let resume: (() => void) | undefined
      const crashed = createSearchIndexer({
        ...w.deps,
        feed: {
          ...w.deps.feed,
          searchDocuments: (query) =>
            new Promise<SearchDocument[]>((resolve) => {
              resume = () => resolve(w.deps.feed.searchDocuments(query))
            }),
        },
      })
      const stuck = crashed.sync()
      await vi.waitFor(async () => expect(resume).toBeTypeOf('function'))
      // Within the lease the message is held: another worker finds nothing to do.
      expect((await w.indexer.sync()).messages).toBe(0)
      expect((await w.indexed()).size).toBe(0)
      w.clock.advance(30_000)
      const report = await w.indexer.sync()
      expect(report).toMatchObject({ messages: 1, upserted: 1 })
      expect((await w.indexed()).get(doc.id)).toEqual(doc)
      const { rows } = await sql<{ id: string }>`
        SELECT id::text AS id FROM souk.outbox WHERE topic = ${w.topic}`.execute(w.storage.db)
      const row = await outboxInspector(w.storage.db).row(rows[0]?.id as string)
      expect(row?.attempts).toBe(2)
      expect(row?.processedAt).not.toBeNull()
      // The stalled worker wakes up and repeats the same work: harmless, the upsert is idempotent.
      resume?.()
      expect(await stuck).toMatchObject({ messages: 1, upserted: 1 })
      expect((await w.indexed()).get(doc.id)).toEqual(doc)
    })

    it('a claim that is never acked is claimed again once its lease passes (at least once)', async () => {
      const w = world()
      const doc = w.make()
      await w.write(doc)
      const lost = await w.storage.outbox.claim({
        topic: w.topic,
        limit: 10,
        leaseMs: 30_000,
        now: w.clock.now(),
      })
      expect(lost).toHaveLength(1)
      w.clock.advance(29_999)
      expect((await w.indexer.sync()).messages).toBe(0)
      w.clock.advance(1)
      expect((await w.indexer.sync()).messages).toBe(1)
      expect((await w.indexed()).has(doc.id)).toBe(true)
    })

    it('gives a failed batch back with a backoff and rethrows; the retry succeeds', async () => {
      let failures = 1
      const real = getFixture().storage.search
      const flaky: SearchIndex = {
        ...real,
        upsert: async (docs) => {
          if (failures-- > 0) throw new Error('search engine down')
          return real.upsert(docs)
        },
      }
      const w = world({ index: flaky, retryDelayMs: 2000 })
      const doc = w.make()
      await w.write(doc)
      await expect(w.indexer.sync()).rejects.toThrow('search engine down')
      const { rows } = await sql<{ last_error: string; available_at: Date }>`
        SELECT last_error, available_at FROM souk.outbox WHERE topic = ${w.topic}`.execute(w.storage.db)
      expect(rows[0]?.last_error).toContain('search engine down')
      expect(new Date(rows[0]?.available_at as Date).getTime()).toBe(T0.getTime() + 2000)
      expect((await w.indexer.sync()).messages).toBe(0)
      w.clock.advance(2000)
      expect((await w.indexer.sync()).upserted).toBe(1)
      expect((await w.indexed()).has(doc.id)).toBe(true)
    })

    it('refuses a document the loader got wrong, and bad options', async () => {
      const w = world()
      const doc = w.make()
      w.catalog.set(doc.id, { ...doc, price: { amount: 10.5, currency: 'USD' } })
      await w.storage.outbox.enqueue({
        messages: [{ topic: w.topic, key: doc.id, payload: {} }],
        now: w.clock.now(),
      })
      await expectCommerceError(w.indexer.sync(), 'validation.failed')
      expect(await w.pending()).toBe(1)
      for (const bad of [{ batchSize: 0 }, { batchSize: 1.5 }, { maxBatches: -1 }, { other: 1 }]) {
        await expectCommerceError(w.indexer.sync(bad as never), 'validation.failed')
      }
    })

    it('reindex rebuilds the whole index in batches and reports progress', async () => {
      const w = world()
      const docs = Array.from({ length: 25 }, () => w.make())
      for (const doc of docs) w.catalog.set(doc.id, doc)
      const stale = w.make()
      await w.storage.search.upsert([stale])
      const progress: { done: number; total: number }[] = []
      const result = await w.indexer.reindex({ batchSize: 10, onProgress: (p) => progress.push(p) })
      expect(result).toEqual({ indexed: 25, total: 25 })
      expect(progress).toEqual([
        { done: 0, total: 25 },
        { done: 10, total: 25 },
        { done: 20, total: 25 },
        { done: 25, total: 25 },
      ])
      const index = await w.indexed()
      expect(index.size).toBe(25)
      expect(index.has(stale.id)).toBe(false)
    })

    it('the poller keeps the index in step until stopped', async () => {
      const w = world()
      w.indexer.start({ intervalMs: 10, batchSize: 50 })
      w.indexer.start({ intervalMs: 10 })
      try {
        const docs = Array.from({ length: 5 }, () => w.make())
        for (const doc of docs) await w.write(doc)
        await vi.waitFor(async () => expect((await w.indexed()).size).toBe(5), {
          timeout: 20_000,
          interval: 20,
        })
        await w.remove(docs[0]?.id as string)
        await vi.waitFor(async () => expect((await w.indexed()).size).toBe(4), {
          timeout: 20_000,
          interval: 20,
        })
      } finally {
        await w.indexer.stop()
      }
      await w.indexer.stop()
      expect(await w.pending()).toBe(0)
    })

    if (INDEXERS[driver] > 1) {
      it('racing indexers and writers converge on the catalog, every message applied', async () => {
        const w = world()
        const indexers: SearchIndexer[] = Array.from({ length: INDEXERS[driver] }, () =>
          createSearchIndexer(w.deps),
        )
        const docs = Array.from({ length: 40 }, () => w.make())
        const writing = (async () => {
          for (const [i, doc] of docs.entries()) {
            await w.write(doc)
            if (i % 3 === 0) await w.write({ ...doc, popularity: doc.popularity + 100 })
            if (i % 7 === 0) await w.remove(doc.id)
          }
        })()
        const syncing = Promise.all(indexers.map((indexer) => indexer.sync({ batchSize: 4 })))
        await Promise.all([writing, syncing])
        await Promise.all(indexers.map((indexer) => indexer.sync({ batchSize: 4 })))
        await w.indexer.sync()
        const index = await w.indexed()
        expect(new Map([...index].sort())).toEqual(new Map([...w.catalog].sort()))
        expect(await w.pending()).toBe(0)
      })
    }
  })
})
