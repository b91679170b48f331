import { describe, expect, it } from 'vitest'
import { createMemoryCache } from '../cache/memory-cache.js'
import { createManualClock } from '../clock/clock.js'
import { silentLogger } from '../logger/logger.js'
import { createMemoryOutboxStore } from '../outbox/memory-outbox-store.js'
import { createCatalogCache } from './catalog-cache.js'
import { createStockStatusApplier, STOCK_STATUS_TOPIC } from './stock-status-applier.js'

function harness() {
  const clock = createManualClock(new Date('2026-05-01T00:00:00Z'))
  const outbox = createMemoryOutboxStore()
  const cache = createMemoryCache()
  const catalogCache = createCatalogCache(cache, silentLogger)
  const applier = createStockStatusApplier({ outbox, cache, clock, logger: silentLogger })
  const flip = (productId: string, inStock: boolean) =>
    outbox.enqueue({
      messages: [{ topic: STOCK_STATUS_TOPIC, key: productId, payload: { inStock } }],
      now: clock.now(),
    })
  const pending = () => outbox.rows().filter((r) => r.topic === STOCK_STATUS_TOPIC && r.processedAt === null)
  return { clock, outbox, cache, catalogCache, applier, flip, pending }
}

describe('stock status applier', () => {
  it('bumps the listing generation once per batch and acks every message', async () => {
    const h = harness()
    const before = await h.catalogCache.listingGeneration()
    await h.flip('prod_a', false)
    await h.flip('prod_b', false)
    await h.flip('prod_a', true)
    await h.outbox.enqueue({
      messages: [{ topic: 'search.product', key: 'prod_a', payload: {} }],
      now: h.clock.now(),
    })

    expect(await h.applier.sync()).toEqual({ applied: 3 })
    expect(await h.catalogCache.listingGeneration()).toBe(before! + 1)
    expect(h.pending()).toEqual([])
    // Other topics are not its business.
    expect(
      h.outbox
        .rows()
        .filter((r) => r.processedAt === null)
        .map((r) => r.topic),
    ).toEqual(['search.product'])
  })

  it('leaves the cache alone when nothing flipped', async () => {
    const h = harness()
    const before = await h.catalogCache.listingGeneration()
    expect(await h.applier.sync()).toEqual({ applied: 0 })
    expect(await h.catalogCache.listingGeneration()).toBe(before)
  })

  it('works through a backlog in batches, up to maxBatches', async () => {
    const h = harness()
    for (let i = 0; i < 7; i++) await h.flip(`prod_${i}`, false)
    expect(await h.applier.sync({ batchSize: 2, maxBatches: 2 })).toEqual({ applied: 4 })
    expect(h.pending()).toHaveLength(3)
    expect(await h.applier.sync({ batchSize: 2 })).toEqual({ applied: 3 })
    expect(h.pending()).toHaveLength(0)
  })

  it('gives a batch back when its ack fails, and applies it on a later sync', async () => {
    const h = harness()
    let failAck = true
    const outbox = {
      ...h.outbox,
      async ack(input: { messageIds: readonly string[]; now: Date }) {
        if (failAck) throw new Error('database went away')
        return h.outbox.ack(input)
      },
    }
    const applier = createStockStatusApplier({ outbox, cache: h.cache, clock: h.clock, logger: silentLogger })
    await h.flip('prod_a', false)
    await expect(applier.sync()).rejects.toThrow('database went away')
    expect(h.pending()).toHaveLength(1)
    failAck = false
    // Retried after its backoff (1 s for a first failure).
    expect(await applier.sync()).toEqual({ applied: 0 })
    h.clock.advance(1000)
    expect(await applier.sync()).toEqual({ applied: 1 })
  })

  it('validates its options', async () => {
    const h = harness()
    await expect(h.applier.sync({ batchSize: 0 })).rejects.toMatchObject({ code: 'validation.failed' })
    expect(() => h.applier.start({ intervalMs: 0 })).toThrow()
  })
})
