import { afterEach, describe, expect, it, vi } from 'vitest'
import { createManualClock } from '../clock/clock.js'
import { silentLogger } from '../logger/logger.js'
import { createMemoryOutboxStore } from '../outbox/memory-outbox-store.js'
import type { StorageStores } from '../ports/storage.js'
import type { UnitsSoldLine } from './catalog-types.js'
import { UNITS_SOLD_TOPIC, unitsSoldMessage } from './units-sold.js'
import { createUnitsSoldApplier } from './units-sold-applier.js'

/**
 * A memory outbox and a catalog that records each addUnitsSold call. A "transaction" holds its acks
 * back until its work resolves, so a failed one acks nothing, as a database would roll it back.
 */
function harness(options: { failApply?: () => boolean } = {}) {
  const clock = createManualClock(new Date('2026-05-01T00:00:00Z'))
  const outbox = createMemoryOutboxStore()
  const calls: UnitsSoldLine[][] = []
  const catalog = {
    async addUnitsSold(lines: readonly UnitsSoldLine[]) {
      if (options.failApply?.()) throw new Error('database went away')
      calls.push([...lines])
    },
  }
  const storage = {
    outbox,
    async transaction<T>(work: (stores: StorageStores) => Promise<T>): Promise<T> {
      const acks: { messageIds: readonly string[]; now: Date }[] = []
      const open = (ids: readonly string[]) =>
        new Set(ids).size - outbox.rows().filter((r) => ids.includes(r.id) && r.processedAt !== null).length
      const trxOutbox = {
        ...outbox,
        async ack(input: { messageIds: readonly string[]; now: Date }) {
          acks.push(input)
          return open(input.messageIds)
        },
      }
      const result = await work({ outbox: trxOutbox, catalog } as unknown as StorageStores)
      for (const ack of acks) await outbox.ack(ack)
      return result
    },
  }
  const applier = createUnitsSoldApplier({ storage, clock, logger: silentLogger })
  const sale = (key: string, lines: { sku: string; quantity: number }[]) =>
    outbox.enqueue({ messages: [{ topic: UNITS_SOLD_TOPIC, key, payload: { lines } }], now: clock.now() })
  return { clock, outbox, calls, applier, sale }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('units sold applier', () => {
  it('sums a batch per SKU into one call, drops zero sums, and acks', async () => {
    const h = harness()
    await h.sale('ord_1', [
      { sku: 'B', quantity: 2 },
      { sku: 'A', quantity: 1 },
    ])
    await h.sale('ord_2', [{ sku: 'A', quantity: 4 }])
    await h.sale('ord_3', [
      { sku: 'B', quantity: -2 },
      { sku: 'C', quantity: -1 },
    ])
    expect(await h.applier.sync()).toEqual({ applied: 3 })
    expect(h.calls).toEqual([
      [
        { sku: 'A', quantity: 5 },
        { sku: 'C', quantity: -1 },
      ],
    ])
    expect(h.outbox.rows().every((r) => r.processedAt !== null)).toBe(true)
    expect(await h.applier.sync()).toEqual({ applied: 0 })
    expect(h.calls).toHaveLength(1)
  })

  it('claims in batches of batchSize until the topic is empty', async () => {
    const h = harness()
    for (let i = 0; i < 5; i++) await h.sale(`ord_${i}`, [{ sku: 'A', quantity: 1 }])
    expect(await h.applier.sync({ batchSize: 2 })).toEqual({ applied: 5 })
    expect(h.calls.map((c) => c[0]!.quantity)).toEqual([2, 2, 1])
    for (let i = 0; i < 5; i++) await h.sale(`ord_more_${i}`, [{ sku: 'A', quantity: 1 }])
    expect(await h.applier.sync({ batchSize: 2, maxBatches: 1 })).toEqual({ applied: 2 })
  })

  it('gives a failed batch back with a doubling delay and rethrows', async () => {
    let failing = true
    const h = harness({ failApply: () => failing })
    await h.sale('ord_1', [{ sku: 'A', quantity: 1 }])
    await expect(h.applier.sync()).rejects.toThrow('database went away')
    const [row] = h.outbox.rows()
    expect(row!.processedAt).toBeNull()
    expect(row!.lastError).toMatch(/database went away/)
    expect(row!.availableAt.getTime() - h.clock.now().getTime()).toBe(1000)
    h.clock.advance(1000)
    await expect(h.applier.sync()).rejects.toThrow()
    expect(h.outbox.rows()[0]!.availableAt.getTime() - h.clock.now().getTime()).toBe(2000)
    failing = false
    expect(await h.applier.sync()).toEqual({ applied: 0 })
    h.clock.advance(2000)
    expect(await h.applier.sync()).toEqual({ applied: 1 })
    expect(h.calls).toEqual([[{ sku: 'A', quantity: 1 }]])
  })

  it('sets a malformed message aside and applies the rest', async () => {
    const h = harness()
    await h.outbox.enqueue({
      messages: [{ topic: UNITS_SOLD_TOPIC, key: 'ord_bad', payload: { lines: 'nope' } }],
      now: h.clock.now(),
    })
    await h.sale('ord_good', [{ sku: 'A', quantity: 3 }])
    expect(await h.applier.sync()).toEqual({ applied: 1 })
    expect(h.calls).toEqual([[{ sku: 'A', quantity: 3 }]])
    const bad = h.outbox.rows().find((r) => r.key === 'ord_bad')!
    expect(bad.processedAt).toBeNull()
    expect(bad.lastError).toMatch(/malformed catalog\.units_sold payload/)
  })

  it('builds messages keyed by order, summed per SKU, and none when nothing is left', () => {
    expect(
      unitsSoldMessage('ord_1', [
        { sku: 'A', quantity: -1 },
        { sku: 'B', quantity: -2 },
        { sku: 'A', quantity: -1 },
      ]),
    ).toEqual({
      topic: 'catalog.units_sold',
      key: 'ord_1',
      payload: {
        lines: [
          { sku: 'A', quantity: -2 },
          { sku: 'B', quantity: -2 },
        ],
      },
    })
    expect(unitsSoldMessage('ord_1', [{ sku: 'A', quantity: 0 }])).toBeNull()
  })

  it('polls after each interval once started, and not after stop', async () => {
    vi.useFakeTimers()
    const h = harness()
    await h.sale('ord_1', [{ sku: 'A', quantity: 1 }])
    h.applier.start({ intervalMs: 100 })
    // The first poll waits a full interval (createCommerce starts it before migrate()).
    await vi.advanceTimersByTimeAsync(50)
    expect(h.calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(60)
    expect(h.calls).toHaveLength(1)
    await h.applier.stop()
    await h.sale('ord_2', [{ sku: 'A', quantity: 1 }])
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.calls).toHaveLength(1)
  })
})
