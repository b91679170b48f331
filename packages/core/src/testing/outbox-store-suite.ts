import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import type { OutboxStore } from '../ports/outbox-store.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** Reads an outbox row as stored, without going through the store under test. */
export interface OutboxInspector {
  row(id: string): Promise<{
    readonly attempts: number
    readonly processedAt: Date | null
    readonly lastError: string | null
    readonly availableAt: Date
  } | null>
}

export interface OutboxStoreHarness {
  readonly store: OutboxStore
  readonly inspect: OutboxInspector
}

/**
 * The outbox store contract: ordered claims under a lease, acks, retries, at-least-once
 * redelivery after a lost lease, and exclusive keys under concurrent claims. Every test uses its
 * own random topic, so one store may serve all.
 * @param makeHarness called once per test.
 * @param options `concurrency`: parallel claimers in the race test (default 50; 1 for PGlite).
 */
export function outboxStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<OutboxStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 50
  const ids = createIdGenerator()
  const topicFor = (name: string) => `test.${name}.${ids('t').slice(-12)}`
  const T0 = Date.parse('2030-01-01T00:00:00.000Z')
  const at = (ms: number) => new Date(T0 + ms)

  describe('outbox store contract', () => {
    it('claims oldest first, with payload, key and attempt count; other topics are untouched', async () => {
      const { store, inspect } = await makeHarness()
      const topic = topicFor('order')
      const other = topicFor('other')
      const written = await store.enqueue({
        messages: [
          { topic, key: 'a', payload: { n: 1, nested: { list: [1, 'x'] } } },
          { topic: other, key: 'a', payload: {} },
          { topic, key: 'b', payload: {} },
        ],
        now: at(0),
      })
      assert.equal(written.length, 3)
      assert.equal(new Set(written).size, 3)
      const claimed = await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(0) })
      assert.deepEqual(
        claimed.map((m) => [m.id, m.key, m.topic, m.attempts]),
        [
          [written[0], 'a', topic, 1],
          [written[2], 'b', topic, 1],
        ],
      )
      assert.deepEqual(claimed[0]?.payload, { n: 1, nested: { list: [1, 'x'] } })
      assert.equal((await inspect.row(written[1] as string))?.attempts, 0)
      assert.deepEqual(
        await store.claim({ topic: topicFor('empty'), limit: 10, leaseMs: 1000, now: at(0) }),
        [],
      )
    })

    it('respects the limit and hands out the rest to the next claim', async () => {
      const { store } = await makeHarness()
      const topic = topicFor('limit')
      const written = await store.enqueue({
        messages: Array.from({ length: 5 }, (_, i) => ({ topic, key: `k${i}`, payload: {} })),
        now: at(0),
      })
      const first = await store.claim({ topic, limit: 2, leaseMs: 1000, now: at(0) })
      const second = await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(0) })
      assert.deepEqual(
        first.map((m) => m.id),
        written.slice(0, 2),
      )
      assert.deepEqual(
        second.map((m) => m.id),
        written.slice(2),
      )
      assert.deepEqual(await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(0) }), [])
    })

    it('does not hand out a message before it is available', async () => {
      const { store } = await makeHarness()
      const topic = topicFor('future')
      await store.enqueue({ messages: [{ topic, key: 'a', payload: {} }], now: at(5000) })
      assert.deepEqual(await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(4999) }), [])
      assert.equal((await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(5000) })).length, 1)
    })

    it('redelivers a message whose lease ran out without an ack (at least once)', async () => {
      const { store, inspect } = await makeHarness()
      const topic = topicFor('lease')
      const [id] = await store.enqueue({ messages: [{ topic, key: 'a', payload: {} }], now: at(0) })
      assert.equal((await store.claim({ topic, limit: 10, leaseMs: 30_000, now: at(0) })).length, 1)
      // The worker "crashes": no ack, no fail. Within the lease nobody else gets it.
      assert.deepEqual(await store.claim({ topic, limit: 10, leaseMs: 30_000, now: at(29_999) }), [])
      const again = await store.claim({ topic, limit: 10, leaseMs: 30_000, now: at(30_000) })
      assert.deepEqual(
        again.map((m) => [m.id, m.attempts]),
        [[id, 2]],
      )
      assert.equal((await inspect.row(id as string))?.attempts, 2)
    })

    it('ack marks messages done for good; unknown ids are ignored', async () => {
      const { store, inspect } = await makeHarness()
      const topic = topicFor('ack')
      const [a, b] = await store.enqueue({
        messages: [
          { topic, key: 'a', payload: {} },
          { topic, key: 'b', payload: {} },
        ],
        now: at(0),
      })
      await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(0) })
      // The count says what this call marked done, so a late second ack can tell it came second.
      assert.equal(await store.ack({ messageIds: [a as string, a as string], now: at(10) }), 1)
      assert.equal(await store.ack({ messageIds: [a as string], now: at(11) }), 0)
      assert.equal(await store.ack({ messageIds: [], now: at(10) }), 0)
      assert.equal(await store.ack({ messageIds: ['999999999999'], now: at(10) }), 0)
      const row = await inspect.row(a as string)
      assert.equal(row?.processedAt?.getTime(), at(10).getTime())
      const later = await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(60_000) })
      assert.deepEqual(
        later.map((m) => m.id),
        [b],
      )
      await store.ack({ messageIds: [b as string], now: at(60_001) })
      assert.deepEqual(await store.claim({ topic, limit: 10, leaseMs: 1000, now: at(600_000) }), [])
    })

    it('fail gives messages back from retryAt and keeps the error', async () => {
      const { store, inspect } = await makeHarness()
      const topic = topicFor('fail')
      const [id] = await store.enqueue({ messages: [{ topic, key: 'a', payload: {} }], now: at(0) })
      await store.claim({ topic, limit: 10, leaseMs: 60_000, now: at(0) })
      await store.fail({ messageIds: [id as string], error: 'index down', retryAt: at(5000) })
      const row = await inspect.row(id as string)
      assert.equal(row?.lastError, 'index down')
      assert.equal(row?.availableAt.getTime(), at(5000).getTime())
      assert.equal(row?.processedAt, null)
      // Failing ended the lease: the message comes back at retryAt, not when the lease would end.
      assert.deepEqual(await store.claim({ topic, limit: 10, leaseMs: 60_000, now: at(4999) }), [])
      const again = await store.claim({ topic, limit: 10, leaseMs: 60_000, now: at(5000) })
      assert.deepEqual(
        again.map((m) => [m.id, m.attempts]),
        [[id, 2]],
      )
      await store.ack({ messageIds: [id as string], now: at(5001) })
      await store.fail({ messageIds: [id as string], error: 'late', retryAt: at(6000) })
      assert.equal((await inspect.row(id as string))?.processedAt?.getTime(), at(5001).getTime())
    })

    it('purge deletes acked messages and log topics past retention, nothing else', async () => {
      const { store, inspect } = await makeHarness()
      // Long before every other test's times, so a shared store loses none of their rows.
      const past = (ms: number) => new Date(T0 - 10_000_000_000 + ms)
      const work = topicFor('purge-work')
      const log = topicFor('purge-log')
      const [acked, open] = await store.enqueue({
        messages: [
          { topic: work, key: 'a', payload: 1 },
          { topic: work, key: 'b', payload: 2 },
        ],
        now: past(0),
      })
      const [oldEvent] = await store.enqueue({
        messages: [{ topic: log, key: 'e', payload: 3 }],
        now: past(0),
      })
      const [newEvent] = await store.enqueue({
        messages: [{ topic: log, key: 'f', payload: 4 }],
        now: past(5000),
      })
      await store.claim({ topic: work, limit: 1, leaseMs: 1000, now: past(1) })
      assert.equal(await store.ack({ messageIds: [acked!], now: past(2) }), 1)
      const purged = await store.purge({ before: past(3000), logTopics: [log], limit: 100 })
      assert.equal(purged, 2)
      assert.equal(await inspect.row(acked!), null)
      assert.equal(await inspect.row(oldEvent!), null)
      assert.notEqual(await inspect.row(open!), null, 'an unacked message of another topic stays')
      assert.notEqual(await inspect.row(newEvent!), null, 'a log message inside the window stays')
    })

    it('holds back a key while another claim leases it', async () => {
      const { store } = await makeHarness()
      const topic = topicFor('keys')
      const [first, second, other] = await store.enqueue({
        messages: [
          { topic, key: 'p1', payload: {} },
          { topic, key: 'p2', payload: {} },
          { topic, key: 'p1', payload: {} },
        ],
        now: at(0),
      })
      const a = await store.claim({ topic, limit: 1, leaseMs: 10_000, now: at(0) })
      assert.deepEqual(
        a.map((m) => m.id),
        [first],
      )
      // The second p1 message waits until the first worker is done with p1.
      const b = await store.claim({ topic, limit: 10, leaseMs: 10_000, now: at(1) })
      assert.deepEqual(
        b.map((m) => m.id),
        [second],
      )
      await store.ack({ messageIds: [first as string], now: at(2) })
      const c = await store.claim({ topic, limit: 10, leaseMs: 10_000, now: at(3) })
      assert.deepEqual(
        c.map((m) => m.id),
        [other],
      )
    })

    it('concurrent claims never hand out one message or one key twice', async () => {
      const { store } = await makeHarness()
      const topic = topicFor('race')
      const keys = 40
      const written = await store.enqueue({
        messages: Array.from({ length: keys * 3 }, (_, i) => ({
          topic,
          key: `k${i % keys}`,
          payload: { i },
        })),
        now: at(0),
      })
      const claims = await Promise.all(
        Array.from({ length: concurrency }, () =>
          store.claim({ topic, limit: 7, leaseMs: 60_000, now: at(0) }),
        ),
      )
      const seen = new Set<string>()
      const keyOwner = new Map<string, number>()
      claims.forEach((claimed, worker) => {
        for (const message of claimed) {
          assert.ok(!seen.has(message.id), `message ${message.id} claimed twice`)
          seen.add(message.id)
          const owner = keyOwner.get(message.key)
          assert.ok(owner === undefined || owner === worker, `key ${message.key} held by two claims`)
          keyOwner.set(message.key, worker)
        }
      })
      assert.ok(seen.size > 0)
      // Acking everything drains the topic through later claims.
      await store.ack({ messageIds: [...seen], now: at(1) })
      let rounds = 0
      while (seen.size < written.length && rounds++ < 100) {
        const next = await store.claim({ topic, limit: 50, leaseMs: 60_000, now: at(2 + rounds) })
        for (const m of next) seen.add(m.id)
        await store.ack({ messageIds: next.map((m) => m.id), now: at(2 + rounds) })
      }
      assert.equal(seen.size, written.length)
    })
  })
}
