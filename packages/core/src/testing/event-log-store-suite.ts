import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { DOMAIN_EVENT_TOPIC, EVENT_SCHEMA_VERSION } from '../events/outbox-event.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type {
  EventLogStore,
  LeaseSettlement,
  LoggedEvent,
  SubscriberLease,
} from '../ports/event-log-store.js'
import type { NewOutboxMessage, OutboxStore } from '../ports/outbox-store.js'
import type { Storage } from '../ports/storage.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface EventLogStoreHarness {
  readonly store: EventLogStore
  /** The outbox the event log reads: the suite writes its events here, one transaction per call. */
  readonly outbox: OutboxStore
  /** The storage's `transaction`, to hold an event's transaction open (see `concurrentTransactions`). */
  readonly transaction: Storage['transaction']
}

export interface EventLogStoreSuiteOptions extends SuiteOptions {
  /**
   * Whether a transaction can stay open while other calls run on other connections (node-postgres
   * yes, single-connection PGlite no). Enables the test of an event whose transaction commits late.
   */
  readonly concurrentTransactions?: boolean
}

/** An event as the suite writes it, with the envelope id it is recognised by. */
interface TestEvent {
  readonly id: string
  readonly aggregateId: string
  readonly message: NewOutboxMessage
}

/**
 * The event log store contract: subscriber registration, exclusive partition leases, reads after a
 * cursor in log order, settlements (progress, retries, dead letters, replays), partition routing,
 * retention, and a cursor never passing an event whose transaction commits late. Every test uses
 * its own random subscribers, so one store may serve all; the log itself is shared, so tests only
 * look at their own events, and reads are retried briefly because a store may hold events back
 * while any older transaction (of any client of the server) is still running.
 * @param makeHarness called once per test.
 * @param options `concurrency`: parallel callers in the race tests (default 20; 1 to 4 for PGlite).
 *   `concurrentTransactions`: see {@link EventLogStoreSuiteOptions}.
 */
export function eventLogStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<EventLogStoreHarness>,
  options: EventLogStoreSuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const subscriberFor = (name: string) => `test.${name}.${ids('s').slice(-12)}`
  const T0 = Date.parse('2030-01-01T00:00:00.000Z')
  const at = (ms: number) => new Date(T0 + ms)
  const LEASE_MS = 60_000
  const SLOW_MS = 30_000
  /** Every subscriber the suite registered: the purge test removes them, since purge sees them all. */
  const registered = new Set<string>()

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

  function event(aggregateId: string, type = 'order.created'): TestEvent {
    const id = ids('evt')
    const payload = {
      id,
      type,
      aggregateId,
      schemaVersion: EVENT_SCHEMA_VERSION,
      occurredAt: new Date(T0).toISOString(),
      data: { type, orderId: aggregateId, note: 'é ✓ "quoted"' },
    }
    return { id, aggregateId, message: { topic: DOMAIN_EVENT_TOPIC, key: aggregateId, payload } }
  }

  async function write(outbox: OutboxStore, events: readonly TestEvent[], now = at(0)): Promise<void> {
    await outbox.enqueue({ messages: events.map((e) => e.message), now })
  }

  async function register(
    store: EventLogStore,
    input: { subscriber: string; partitions: number; from: 'now' | 'beginning' },
    now: Date,
  ): Promise<void> {
    registered.add(input.subscriber)
    await store.register({ ...input, now })
  }

  /** The envelope without the `sequence` the store numbered it with. */
  const asWritten = (e: { readonly payload: unknown } | undefined) => {
    const { sequence: _sequence, ...rest } = (e?.payload ?? {}) as Record<string, unknown>
    return rest
  }
  const eventIdOf = (e: LoggedEvent) => (e.payload as { id?: unknown } | null)?.id as string | undefined
  const idsOf = (events: readonly LoggedEvent[]) => events.map(eventIdOf)
  const ownOf = (events: readonly LoggedEvent[], mine: readonly TestEvent[]) => {
    const set = new Set(mine.map((e) => e.id))
    return events.filter((e) => set.has(eventIdOf(e) as string))
  }

  /**
   * Reads the lease's partition until every `expected` event shows up (or a few seconds pass) and
   * returns the events of `mine` (default `expected`) among what was read, in read order.
   */
  async function readUntil(
    store: EventLogStore,
    lease: SubscriberLease,
    expected: readonly TestEvent[],
    mine: readonly TestEvent[] = expected,
  ): Promise<LoggedEvent[]> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const own = ownOf(await store.read({ lease, limit: 10_000 }), mine)
      const seen = new Set(idsOf(own))
      if (expected.every((e) => seen.has(e.id)) || Date.now() > deadline) return own
      await sleep(25)
    }
  }

  /** A subscriber's dead letters, all on one page. */
  async function deadLettersOf(store: EventLogStore, subscriber: string) {
    const page = await store.listDeadLetters({ subscriber, limit: 100 })
    assert.equal(page.next, null)
    return page.items
  }

  const lease = (store: EventLogStore, subscribers: readonly string[], now: Date, leaseMs = LEASE_MS) =>
    store.lease({ subscribers, leaseMs, token: ids('lease'), now })

  async function leaseOf(store: EventLogStore, subscriber: string, now: Date, leaseMs = LEASE_MS) {
    const got = await lease(store, [subscriber], now, leaseMs)
    assert.ok(got, `a partition of ${subscriber} is due at ${now.toISOString()}`)
    return got
  }

  /** A settlement that moves the cursor to `cursor` with nothing failed. */
  const progress = (cursor: string, now: Date, over: Partial<LeaseSettlement> = {}): LeaseSettlement => ({
    cursor,
    attempts: 0,
    nextAt: now,
    lastError: null,
    deadLetters: [],
    replayed: [],
    ...over,
  })

  /** Position of the event with this id among `events`. */
  const positionOf = (events: readonly LoggedEvent[], e: TestEvent) => {
    const found = events.find((l) => eventIdOf(l) === e.id)
    assert.ok(found, `event ${e.id} was read`)
    return found.position
  }

  describe('event log store contract', () => {
    it(
      "starts a subscriber registered from 'now' after the events already written",
      async () => {
        const { store, outbox } = await makeHarness()
        // The probe reading the early events proves no transaction that could still write before
        // them is running, so 'now' is past them from then on.
        const probe = subscriberFor('probe')
        await register(store, { subscriber: probe, partitions: 1, from: 'now' }, at(0))
        const early = [event('ord_a'), event('ord_b')]
        await write(outbox, early)
        const probed = await readUntil(store, await leaseOf(store, probe, at(0)), early)
        assert.deepEqual(
          idsOf(probed),
          early.map((e) => e.id),
        )

        const subscriber = subscriberFor('now')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        const late = [event('ord_a'), event('ord_c', 'order.paid'), event('ord_a', 'order.paid')]
        await write(outbox, late.slice(0, 1))
        await write(outbox, late.slice(1))
        const got = await leaseOf(store, subscriber, at(0))
        assert.equal(got.subscriber, subscriber)
        assert.equal(got.partition, 0)
        assert.equal(got.partitions, 1)
        assert.equal(got.attempts, 0)
        const read = await readUntil(store, got, late, [...early, ...late])
        assert.deepEqual(
          idsOf(read),
          late.map((e) => e.id),
          'only the later events, in write order',
        )
        assert.deepEqual(asWritten(read[1]), late[1]?.message.payload, 'the envelope comes back as written')
        assert.equal(new Set(read.map((e) => e.position)).size, 3)
      },
      SLOW_MS,
    )

    it(
      'numbers the events of each aggregate 1, 2, 3, … as they are written',
      async () => {
        const { store, outbox } = await makeHarness()
        const a = `ord_${ids('seq').slice(-16)}`
        const b = `ord_${ids('seq').slice(-16)}`
        const events = [event(a), event(b), event(a)]
        await write(outbox, events.slice(0, 2))
        await write(outbox, events.slice(2))
        const subscriber = subscriberFor('sequence')
        await register(store, { subscriber, partitions: 1, from: 'beginning' }, at(0))
        const read = await readUntil(store, await leaseOf(store, subscriber, at(0)), events)
        const sequenceOf = (e: LoggedEvent) => (e.payload as { sequence?: unknown }).sequence
        assert.deepEqual(
          read.map((e) => [eventIdOf(e), sequenceOf(e)]),
          [
            [events[0]!.id, 1],
            [events[1]!.id, 1],
            [events[2]!.id, 2],
          ],
        )
      },
      SLOW_MS,
    )

    it(
      "starts a subscriber registered from 'beginning' before the events already written",
      async () => {
        const { store, outbox } = await makeHarness()
        const early = [event('ord_a'), event('ord_b'), event('ord_a')]
        await write(outbox, early)
        const subscriber = subscriberFor('beginning')
        await register(store, { subscriber, partitions: 1, from: 'beginning' }, at(0))
        const late = [event('ord_c')]
        await write(outbox, late)
        const read = await readUntil(store, await leaseOf(store, subscriber, at(0)), [...early, ...late])
        assert.deepEqual(
          idsOf(read),
          [...early, ...late].map((e) => e.id),
        )
      },
      SLOW_MS,
    )

    it(
      'keeps the cursor of a subscriber registered again, whatever its start',
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('again')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a'), event('ord_b')]
        await write(outbox, events)
        const first = await leaseOf(store, subscriber, at(0))
        const read = await readUntil(store, first, events)
        assert.equal(
          await store.settle({
            lease: first,
            settlement: progress(positionOf(read, events[0]!), at(1)),
            now: at(1),
          }),
          true,
        )

        await register(store, { subscriber, partitions: 1, from: 'beginning' }, at(2))
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(3))
        const again = await leaseOf(store, subscriber, at(3))
        assert.equal(again.cursor, positionOf(read, events[0]!))
        assert.deepEqual(idsOf(ownOf(await store.read({ lease: again, limit: 100 }), events)), [
          events[1]!.id,
        ])
      },
      SLOW_MS,
    )

    it('refuses to register a known subscriber with another partition count', async () => {
      const { store } = await makeHarness()
      const subscriber = subscriberFor('conflict')
      await register(store, { subscriber, partitions: 2, from: 'now' }, at(0))
      await assert.rejects(
        register(store, { subscriber, partitions: 3, from: 'now' }, at(1)),
        (error: unknown) =>
          isCommerceError(error, 'conflict') && error.details.reason === 'partitions_changed',
      )
      // The refusal changed nothing: still two partitions.
      const a = await leaseOf(store, subscriber, at(2))
      const b = await leaseOf(store, subscriber, at(2))
      assert.deepEqual([a.partition, b.partition].sort(), [0, 1])
      assert.deepEqual([a.partitions, b.partitions], [2, 2])
      assert.equal(await lease(store, [subscriber], at(2)), null)
    })

    it(`settles ${Math.max(2, concurrency)} concurrent registrations of a new subscriber on one partition count`, async () => {
      const { store } = await makeHarness()
      const subscriber = subscriberFor('register-race')
      const callers = Math.max(2, concurrency)
      const outcomes = await Promise.allSettled(
        Array.from({ length: callers }, (_, i) =>
          register(store, { subscriber, partitions: 2 + (i % 2), from: 'now' }, at(0)),
        ),
      )
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          assert.ok(
            isCommerceError(o.reason, 'conflict'),
            `a refusal is a ConflictError: ${String(o.reason)}`,
          )
        }
      }
      const partitions: number[] = []
      const counts = new Set<number>()
      for (
        let next = await lease(store, [subscriber], at(0));
        next;
        next = await lease(store, [subscriber], at(0))
      ) {
        partitions.push(next.partition)
        counts.add(next.partitions)
        assert.ok(partitions.length <= 3, 'at most three partitions')
      }
      assert.equal(counts.size, 1, 'every partition has the same count')
      const [count] = [...counts]
      assert.deepEqual(
        partitions.sort(),
        Array.from({ length: count! }, (_, i) => i),
      )
      const accepted = outcomes.map((o, i) => [o.status, 2 + (i % 2)] as const)
      for (const [status, asked] of accepted) assert.equal(status === 'fulfilled', asked === count)
    })

    it('leases nothing when no partition is due or all are leased, longest due first', async () => {
      const { store } = await makeHarness()
      assert.equal(await lease(store, [], at(0)), null)
      assert.equal(await lease(store, [subscriberFor('unknown')], at(0)), null)
      const a = subscriberFor('due-a')
      const b = subscriberFor('due-b')
      await register(store, { subscriber: b, partitions: 1, from: 'now' }, at(100))
      await register(store, { subscriber: a, partitions: 1, from: 'now' }, at(50))
      assert.equal(await lease(store, [a, b], at(49)), null, 'nothing is due yet')
      const first = await lease(store, [b, a], at(50))
      assert.equal(first?.subscriber, a)
      assert.equal(await lease(store, [a, b], at(99)), null, 'a is leased and b not due')
      const second = await lease(store, [a, b], at(150))
      assert.equal(second?.subscriber, b)
      assert.notEqual(second?.token, first?.token)
      assert.equal(await lease(store, [a, b], at(150)), null, 'all are leased')
      // Both were due: the one due longest comes first.
      assert.equal(
        await store.settle({ lease: first!, settlement: progress(first!.cursor, at(300)), now: at(160) }),
        true,
      )
      assert.equal(
        await store.settle({ lease: second!, settlement: progress(second!.cursor, at(200)), now: at(160) }),
        true,
      )
      assert.equal((await lease(store, [a, b], at(400)))?.subscriber, b)
      assert.equal((await lease(store, [a, b], at(400)))?.subscriber, a)
    })

    it(`${concurrency} concurrent leases never hold one partition twice`, async () => {
      const { store } = await makeHarness()
      const subscriber = subscriberFor('race')
      const partitions = 8
      await register(store, { subscriber, partitions, from: 'now' }, at(0))
      const tokens = Array.from({ length: concurrency }, (_, i) => `race-${i}-${ids('t')}`)
      const raced = await Promise.all(
        tokens.map((token) =>
          store.lease({ subscribers: [subscriber], leaseMs: LEASE_MS, token, now: at(0) }),
        ),
      )
      const held = new Map<number, string>()
      raced.forEach((got, i) => {
        if (!got) return
        assert.equal(got.token, tokens[i])
        assert.ok(!held.has(got.partition), `partition ${got.partition} leased twice`)
        held.set(got.partition, got.token)
      })
      assert.ok(held.size > 0)
      for (
        let next = await lease(store, [subscriber], at(0));
        next;
        next = await lease(store, [subscriber], at(0))
      ) {
        assert.ok(!held.has(next.partition), `partition ${next.partition} leased twice`)
        held.set(next.partition, next.token)
      }
      assert.deepEqual(
        [...held.keys()].sort((x, y) => x - y),
        Array.from({ length: partitions }, (_, i) => i),
      )
    })

    it(
      'reads after the cursor in log order, up to the limit, and moves on after settle',
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('cursor')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a'), event('ord_b'), event('ord_a')]
        await write(outbox, events)
        const first = await leaseOf(store, subscriber, at(0))
        const read = await readUntil(store, first, events)
        assert.deepEqual(
          idsOf(read),
          events.map((e) => e.id),
        )
        assert.deepEqual(idsOf(await store.read({ lease: first, limit: 0 })), [])
        // Reading does not move the cursor: only settle does.
        assert.deepEqual(
          idsOf(ownOf(await store.read({ lease: first, limit: 100 }), events)),
          events.map((e) => e.id),
        )
        assert.equal(
          await store.settle({ lease: first, settlement: progress(read[0]!.position, at(1)), now: at(1) }),
          true,
        )

        const second = await leaseOf(store, subscriber, at(1))
        assert.equal(second.cursor, read[0]!.position)
        assert.equal(second.attempts, 0)
        assert.deepEqual(idsOf(await store.read({ lease: second, limit: 1 })), [events[1]!.id])
        assert.deepEqual(idsOf(await store.read({ lease: second, limit: 100 })), [
          events[1]!.id,
          events[2]!.id,
        ])
        assert.equal(
          await store.settle({ lease: second, settlement: progress(read[2]!.position, at(2)), now: at(2) }),
          true,
        )
        // A settled lease is over: it cannot settle again.
        assert.equal(
          await store.settle({ lease: second, settlement: progress(read[0]!.position, at(2)), now: at(2) }),
          false,
        )

        const third = await leaseOf(store, subscriber, at(2))
        assert.equal(third.cursor, read[2]!.position)
        assert.deepEqual(await store.read({ lease: third, limit: 100 }), [])
      },
      SLOW_MS,
    )

    it(
      'writes nothing when a lease is settled with a wrong or stale token',
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('stale')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a')]
        await write(outbox, events)
        const first = await leaseOf(store, subscriber, at(0), 1000)
        const read = await readUntil(store, first, events)
        const settlement = progress(read[0]!.position, at(10), {
          deadLetters: [{ event: read[0]!, attempts: 3, error: 'nope' }],
        })
        assert.equal(
          await store.settle({ lease: { ...first, token: 'not-the-token' }, settlement, now: at(10) }),
          false,
        )
        assert.equal(await lease(store, [subscriber], at(999)), null, 'the lease still holds')

        const second = await leaseOf(store, subscriber, at(1000))
        assert.notEqual(second.token, first.token)
        assert.equal(second.cursor, first.cursor)
        assert.equal(second.attempts, 0)
        assert.equal(
          await store.settle({ lease: first, settlement, now: at(1001) }),
          false,
          'the lease was lost',
        )
        assert.deepEqual(await deadLettersOf(store, subscriber), [])
        assert.deepEqual(idsOf(ownOf(await store.read({ lease: second, limit: 100 }), events)), [
          events[0]!.id,
        ])
        assert.equal(
          await store.settle({
            lease: second,
            settlement: progress(read[0]!.position, at(1002)),
            now: at(1002),
          }),
          true,
        )
        assert.equal((await leaseOf(store, subscriber, at(1002))).cursor, read[0]!.position)
      },
      SLOW_MS,
    )

    it(
      'holds a failed partition back until nextAt, with its attempts and the same event',
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('retry')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a'), event('ord_a')]
        await write(outbox, events)
        const first = await leaseOf(store, subscriber, at(0))
        const read = await readUntil(store, first, events)
        const failed = progress(first.cursor, at(5000), { attempts: 1, lastError: 'handler down' })
        assert.equal(await store.settle({ lease: first, settlement: failed, now: at(10) }), true)
        assert.equal(await lease(store, [subscriber], at(4999)), null, 'not due before nextAt')

        const second = await leaseOf(store, subscriber, at(5000))
        assert.equal(second.attempts, 1)
        assert.equal(second.cursor, first.cursor)
        assert.deepEqual(
          idsOf(ownOf(await store.read({ lease: second, limit: 100 }), events)),
          events.map((e) => e.id),
        )
        // The first event went through, the second failed twice.
        const again = progress(read[0]!.position, at(9000), { attempts: 2, lastError: 'still down' })
        assert.equal(await store.settle({ lease: second, settlement: again, now: at(5010) }), true)
        assert.equal(await lease(store, [subscriber], at(8999)), null)
        const third = await leaseOf(store, subscriber, at(9000))
        assert.equal(third.attempts, 2)
        assert.equal(third.cursor, read[0]!.position)
        assert.equal(
          await store.settle({
            lease: third,
            settlement: progress(read[1]!.position, at(9001)),
            now: at(9001),
          }),
          true,
        )
        const fourth = await leaseOf(store, subscriber, at(9001))
        assert.equal(fourth.attempts, 0)
        assert.deepEqual(ownOf(await store.read({ lease: fourth, limit: 100 }), events), [])
      },
      SLOW_MS,
    )

    it(
      'keeps dead letters, pages them, and replays them until delivered',
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('dead')
        const other = subscriberFor('dead-other')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        await register(store, { subscriber: other, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a'), event('ord_b', 'order.paid'), event('ord_c', 'order.cancelled')]
        const [a, b, c] = events as [TestEvent, TestEvent, TestEvent]
        await write(outbox, events)
        const first = await leaseOf(store, subscriber, at(0))
        const read = await readUntil(store, first, events)
        const settlement = progress(read[2]!.position, at(10), {
          deadLetters: read.map((e, i) => ({ event: e, attempts: 5, error: `failed ${i}` })),
        })
        assert.equal(await store.settle({ lease: first, settlement, now: at(10) }), true)

        const letters = await deadLettersOf(store, subscriber)
        assert.deepEqual(
          letters.map((l) => [l.subscriber, l.eventId, l.type, l.aggregateId, l.attempts, l.lastError]),
          [
            [subscriber, a.id, 'order.created', 'ord_a', 5, 'failed 0'],
            [subscriber, b.id, 'order.paid', 'ord_b', 5, 'failed 1'],
            [subscriber, c.id, 'order.cancelled', 'ord_c', 5, 'failed 2'],
          ],
        )
        assert.deepEqual(asWritten(letters[1]), b.message.payload)
        assert.equal(letters[0]?.deadAt.getTime(), at(10).getTime())
        assert.equal(letters[0]?.replayRequestedAt, null)
        assert.deepEqual(await deadLettersOf(store, other), [])
        // The cursor moved past them.
        const next = await leaseOf(store, subscriber, at(10))
        assert.equal(next.cursor, read[2]!.position)
        assert.deepEqual(await store.readReplays({ lease: next, limit: 10 }), [], 'no replay was asked for')
        assert.equal(
          await store.settle({ lease: next, settlement: progress(next.cursor, at(10)), now: at(10) }),
          true,
        )

        for (const limit of [1, 2, 3]) {
          const paged = await pageThrough((after) => store.listDeadLetters({ subscriber, after, limit }), {
            sort: 'dead_letters',
            limit,
            key: (l) => l.eventId,
          })
          assert.deepEqual(
            paged.map((l) => l.eventId),
            [a.id, b.id, c.id],
          )
        }
        const bad = { sort: 'dead_letters', key: 'évt', id: c.id }
        await assert.rejects(store.listDeadLetters({ subscriber, after: bad, limit: 2 }), (e: unknown) =>
          isCommerceError(e, 'validation.failed'),
        )

        // Replay one: delivered, it is gone.
        assert.equal(
          await store.replayDeadLetters({ subscriber, eventIds: [a.id, 'evt_unknown'], now: at(20) }),
          1,
        )
        const replayed = (await deadLettersOf(store, subscriber)).find((l) => l.eventId === a.id)
        assert.equal(replayed?.replayRequestedAt?.getTime(), at(20).getTime())
        const one = await leaseOf(store, subscriber, at(20))
        const replays = await store.readReplays({ lease: one, limit: 10 })
        assert.deepEqual(
          replays.map((l) => [l.eventId, l.attempts]),
          [[a.id, 5]],
        )
        assert.deepEqual(asWritten(replays[0]), a.message.payload)
        assert.equal(
          await store.settle({
            lease: one,
            settlement: progress(one.cursor, at(21), { replayed: [{ eventId: a.id, error: null }] }),
            now: at(21),
          }),
          true,
        )
        assert.deepEqual(
          (await deadLettersOf(store, subscriber)).map((l) => l.eventId),
          [b.id, c.id],
        )

        // Replay all: the failed one stays dead, one attempt more, no longer asked for.
        assert.equal(await store.replayDeadLetters({ subscriber, now: at(30) }), 2)
        const two = await leaseOf(store, subscriber, at(30))
        assert.deepEqual(
          (await store.readReplays({ lease: two, limit: 10 })).map((l) => l.eventId),
          [b.id, c.id],
        )
        assert.deepEqual(
          (await store.readReplays({ lease: two, limit: 1 })).map((l) => l.eventId),
          [b.id],
        )
        const outcome = progress(two.cursor, at(31), {
          replayed: [
            { eventId: b.id, error: 'still failing' },
            { eventId: c.id, error: null },
          ],
        })
        assert.equal(await store.settle({ lease: two, settlement: outcome, now: at(31) }), true)
        const left = await deadLettersOf(store, subscriber)
        assert.deepEqual(
          left.map((l) => [l.eventId, l.attempts, l.lastError, l.replayRequestedAt]),
          [[b.id, 6, 'still failing', null]],
        )
        const three = await leaseOf(store, subscriber, at(31))
        assert.deepEqual(await store.readReplays({ lease: three, limit: 10 }), [])
      },
      SLOW_MS,
    )

    it(
      "discards dead letters, and remove deletes a subscriber's cursors and dead letters",
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('discard')
        const other = subscriberFor('discard-other')
        await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
        await register(store, { subscriber: other, partitions: 1, from: 'now' }, at(0))
        const events = [event('ord_a'), event('ord_b'), event('ord_c')]
        await write(outbox, events)
        for (const name of [subscriber, other]) {
          const got = await leaseOf(store, name, at(0))
          const read = await readUntil(store, got, events)
          const deadLetters = read.map((e) => ({ event: e, attempts: 1, error: 'no' }))
          assert.equal(
            await store.settle({
              lease: got,
              settlement: progress(read[2]!.position, at(1), { deadLetters }),
              now: at(1),
            }),
            true,
          )
        }
        assert.equal(
          await store.discardDeadLetters({ subscriber, eventIds: [events[1]!.id, 'evt_unknown'] }),
          1,
        )
        assert.deepEqual(
          (await deadLettersOf(store, subscriber)).map((l) => l.eventId),
          [events[0]!.id, events[2]!.id],
        )
        assert.equal(await store.discardDeadLetters({ subscriber }), 2)
        assert.equal(await store.discardDeadLetters({ subscriber }), 0)
        assert.equal(await store.replayDeadLetters({ subscriber, now: at(2) }), 0)
        assert.deepEqual(await deadLettersOf(store, subscriber), [])
        assert.equal((await deadLettersOf(store, other)).length, 3)

        await store.remove(other)
        assert.deepEqual(await deadLettersOf(store, other), [])
        assert.equal(await lease(store, [other], at(10)), null)
        await store.remove(other)
        // Registered again, it starts afresh.
        await register(store, { subscriber: other, partitions: 3, from: 'now' }, at(10))
        assert.equal((await leaseOf(store, other, at(10))).partitions, 3)
      },
      SLOW_MS,
    )

    it(
      "routes one aggregate's events to one partition and every event to exactly one",
      async () => {
        const { store, outbox } = await makeHarness()
        const subscriber = subscriberFor('partitions')
        const partitions = 4
        await register(store, { subscriber, partitions, from: 'now' }, at(0))
        const aggregates = Array.from({ length: 16 }, (_, i) => `ord_${i}_${ids('o').slice(-6)}`)
        const events = [0, 1, 2].flatMap(() => aggregates.map((aggregate) => event(aggregate)))
        await write(outbox, events.slice(0, 20))
        await write(outbox, events.slice(20))
        const leases: SubscriberLease[] = []
        for (
          let next = await lease(store, [subscriber], at(0));
          next;
          next = await lease(store, [subscriber], at(0))
        ) {
          leases.push(next)
        }
        assert.deepEqual(leases.map((l) => l.partition).sort(), [0, 1, 2, 3])
        const deadline = Date.now() + 10_000
        let byPartition: LoggedEvent[][] = []
        for (;;) {
          byPartition = await Promise.all(
            leases.map(async (l) => ownOf(await store.read({ lease: l, limit: 10_000 }), events)),
          )
          if (byPartition.flat().length >= events.length || Date.now() > deadline) break
          await sleep(25)
        }

        const partitionOf = new Map<string, number>()
        byPartition.forEach((read, i) => {
          for (const e of read) {
            const id = eventIdOf(e) as string
            assert.ok(!partitionOf.has(id), `event ${id} is in two partitions`)
            partitionOf.set(id, leases[i]!.partition)
          }
        })
        assert.equal(partitionOf.size, events.length, 'every event is in a partition')
        for (const aggregate of aggregates) {
          const mine = events.filter((e) => e.aggregateId === aggregate)
          const where = new Set(mine.map((e) => partitionOf.get(e.id)))
          assert.equal(where.size, 1, `the events of ${aggregate} share a partition`)
          const read = byPartition[leases.findIndex((l) => l.partition === [...where][0])]!
          assert.deepEqual(
            idsOf(ownOf(read, mine)),
            mine.map((e) => e.id),
            'in write order',
          )
        }
        assert.ok(new Set(partitionOf.values()).size > 1, '16 aggregates do not all land in one partition')
      },
      SLOW_MS,
    )

    it(
      'purges old events every cursor has passed, and only those',
      async () => {
        const { store, outbox } = await makeHarness()
        // Purge looks at every subscriber: the ones earlier tests left would hold the log back.
        for (const name of registered) await store.remove(name)
        registered.clear()
        // Long before every other test's times, so no other test's event is old enough.
        const past = (ms: number) => new Date(T0 - 10_000_000_000 + ms)
        const ahead = subscriberFor('purge-ahead')
        const behind = subscriberFor('purge-behind')
        await register(store, { subscriber: ahead, partitions: 1, from: 'now' }, past(0))
        await register(store, { subscriber: behind, partitions: 1, from: 'now' }, past(0))
        const events = [event('ord_a'), event('ord_b'), event('ord_c')]
        const [e1, e2, e3] = events as [TestEvent, TestEvent, TestEvent]
        await write(outbox, [e1, e2], past(0))
        await write(outbox, [e3], past(5000))

        const leadLease = await leaseOf(store, ahead, past(10))
        const read = await readUntil(store, leadLease, events)
        assert.equal(
          await store.settle({
            lease: leadLease,
            settlement: progress(positionOf(read, e3), past(10)),
            now: past(10),
          }),
          true,
        )
        const lagLease = await leaseOf(store, behind, past(10))
        await readUntil(store, lagLease, events)
        assert.equal(
          await store.settle({
            lease: lagLease,
            settlement: progress(positionOf(read, e1), past(10)),
            now: past(10),
          }),
          true,
        )

        assert.equal(await store.purge({ before: past(10_000), limit: 100 }), 1, 'only e1 was passed by all')
        const lagging = await leaseOf(store, behind, past(20))
        assert.deepEqual(
          idsOf(ownOf(await store.read({ lease: lagging, limit: 100 }), events)),
          [e2.id, e3.id],
          'e2 and e3 stay',
        )
        assert.equal(
          await store.settle({
            lease: lagging,
            settlement: progress(lagging.cursor, past(20)),
            now: past(20),
          }),
          true,
        )

        await store.remove(behind)
        assert.equal(await store.purge({ before: past(3000), limit: 100 }), 1, 'e2; e3 is too recent')
        assert.equal(await store.purge({ before: past(10_000), limit: 1 }), 1, 'e3')
        assert.equal(await store.purge({ before: past(10_000), limit: 100 }), 0)

        const check = subscriberFor('purge-check')
        await register(store, { subscriber: check, partitions: 1, from: 'beginning' }, past(30))
        const all = await store.read({ lease: await leaseOf(store, check, past(30)), limit: 100_000 })
        assert.deepEqual(ownOf(all, events), [], 'purged events are gone from the log')
        await store.remove(check)
        await store.remove(ahead)
      },
      SLOW_MS,
    )

    if (options.concurrentTransactions) {
      it(
        'never passes an event whose transaction is still open',
        async () => {
          const { store, outbox, transaction } = await makeHarness()
          const subscriber = subscriberFor('late')
          await register(store, { subscriber, partitions: 1, from: 'now' }, at(0))
          const slow = event('ord_slow')
          const fast = event('ord_fast')
          let entered!: () => void
          let commit!: () => void
          const inside = new Promise<void>((resolve) => {
            entered = resolve
          })
          const gate = new Promise<void>((resolve) => {
            commit = resolve
          })
          const open = transaction(async (stores) => {
            await stores.outbox.enqueue({ messages: [slow.message], now: at(0) })
            entered()
            await gate
          })
          let got = await leaseOf(store, subscriber, at(0))
          try {
            await inside
            // Written and committed after the open transaction wrote: later in the log.
            await write(outbox, [fast])
            for (let i = 0; i < 5; i++) {
              const read = await store.read({ lease: got, limit: 100 })
              assert.deepEqual(
                idsOf(ownOf(read, [slow, fast])),
                [],
                'nothing past the open transaction is read while it is open',
              )
              // A store may return events before the open transaction; settling them must not pass it.
              if (read.length > 0) {
                const passed = read[read.length - 1]!.position
                assert.equal(
                  await store.settle({ lease: got, settlement: progress(passed, at(0)), now: at(0) }),
                  true,
                )
                got = await leaseOf(store, subscriber, at(0))
              }
              await sleep(20)
            }
          } finally {
            commit()
            await open
          }
          const read = await readUntil(store, got, [slow, fast])
          assert.deepEqual(idsOf(read), [slow.id, fast.id], 'both, in log order')
        },
        SLOW_MS,
      )
    }
  })
}
