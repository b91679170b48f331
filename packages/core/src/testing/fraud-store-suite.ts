import assert from 'node:assert/strict'
import { subjectDigest } from '../fraud/fraud-subjects.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { CheckoutStore } from '../ports/checkout-store.js'
import type { FraudStore } from '../ports/fraud-store.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface FraudStoreHarness {
  readonly store: FraudStore
  /** The same storage's checkout store: holding and deciding a review happen in its `finish`. */
  readonly checkout: CheckoutStore
  /** Creates order `orderId`, `pending_payment`, without stock or payment (a minimal order). */
  newOrder(orderId: string): Promise<void>
  /** Reads what was persisted: how many attempts are stored for a subject digest. */
  storedAttempts(digest: string): Promise<number>
  /** The order's stored status, read directly. */
  orderStatus(orderId: string): Promise<string | null>
}

/**
 * The fraud store contract: velocity counts that hold under concurrency, and order reviews held
 * and decided through `checkout.finish`. Every test uses fresh keys, subjects and orders.
 * @param makeHarness called once per test.
 */
export function fraudStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<FraudStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 30
  const ids = createIdGenerator()
  const subject = (kind = 'email') => subjectDigest(kind, ids('v'))
  const T0 = new Date('2030-06-15T12:00:00Z')
  const at = (ms: number) => new Date(T0.getTime() + ms)
  const HOUR = 3_600_000

  const finishHeld = (h: FraudStoreHarness, orderId: string, at: Date) =>
    h.checkout.finish({
      orderId,
      to: 'confirmed',
      note: null,
      payment: null,
      key: null,
      response: null,
      outbox: [],
      held: { outbox: [], response: null },
      at,
    })

  describe('fraud store', () => {
    it('counts attempts per subject in the window, this one included, in input order', async () => {
      const h = await makeHarness()
      const a = subject()
      const b = subject('ip')
      assert.deepEqual(await h.store.recordAttempt({ attemptKey: ids('k'), at: at(0), subjects: [] }), [])
      for (let n = 1; n <= 3; n++) {
        const counts = await h.store.recordAttempt({
          attemptKey: ids('k'),
          at: at(n * 1000),
          subjects: [
            { digest: a, windowMs: HOUR },
            { digest: b, windowMs: HOUR },
          ],
        })
        assert.deepEqual(counts, [n, n])
      }
      // b alone moves on; a is untouched by it.
      assert.deepEqual(
        await h.store.recordAttempt({
          attemptKey: ids('k'),
          at: at(5000),
          subjects: [{ digest: b, windowMs: HOUR }],
        }),
        [4],
      )
      assert.equal(await h.storedAttempts(a), 3)
      assert.equal(await h.storedAttempts(b), 4)
    })

    it('counts one key once, and answers a repeat with the same counts', async () => {
      const h = await makeHarness()
      const a = subject()
      const key = ids('k')
      const first = await h.store.recordAttempt({
        attemptKey: key,
        at: at(0),
        subjects: [{ digest: a, windowMs: HOUR }],
      })
      await h.store.recordAttempt({
        attemptKey: ids('k'),
        at: at(1),
        subjects: [{ digest: a, windowMs: HOUR }],
      })
      const again = await h.store.recordAttempt({
        attemptKey: key,
        at: at(2),
        subjects: [{ digest: a, windowMs: HOUR }],
      })
      assert.deepEqual(first, [1])
      assert.deepEqual(again, [1])
      assert.equal(await h.storedAttempts(a), 2)
    })

    it('slides the window: attempts older than windowMs do not count', async () => {
      const h = await makeHarness()
      const a = subject()
      const record = (ms: number, windowMs = 10_000) =>
        h.store.recordAttempt({ attemptKey: ids('k'), at: at(ms), subjects: [{ digest: a, windowMs }] })
      assert.deepEqual(await record(0), [1])
      assert.deepEqual(await record(5000), [2])
      assert.deepEqual(await record(10_000), [2])
      assert.deepEqual(await record(14_999), [3])
      assert.deepEqual(await record(20_000), [2])
      // Another window over the same attempts.
      assert.deepEqual(await record(20_001, HOUR), [6])
    })

    it('serializes racing attempts: N at once see 1..N, never the same count twice', async () => {
      const h = await makeHarness()
      const a = subject()
      const b = subject('ip')
      const counts = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          h.store.recordAttempt({
            attemptKey: ids('k'),
            at: at(0),
            // Half list the subjects the other way round: no deadlock either way.
            subjects:
              i % 2 === 0
                ? [
                    { digest: a, windowMs: HOUR },
                    { digest: b, windowMs: HOUR },
                  ]
                : [
                    { digest: b, windowMs: HOUR },
                    { digest: a, windowMs: HOUR },
                  ],
          }),
        ),
      )
      const ofA = counts.map((c, i) => (i % 2 === 0 ? c[0] : c[1])).sort((x, y) => x! - y!)
      const ofB = counts.map((c, i) => (i % 2 === 0 ? c[1] : c[0])).sort((x, y) => x! - y!)
      const expected = Array.from({ length: concurrency }, (_, i) => i + 1)
      assert.deepEqual(ofA, expected)
      assert.deepEqual(ofB, expected)
    })

    it('counts a key raced by its own twin once', async () => {
      const h = await makeHarness()
      const a = subject()
      const key = ids('k')
      const counts = await Promise.all(
        Array.from({ length: Math.min(concurrency, 8) }, () =>
          h.store.recordAttempt({ attemptKey: key, at: at(0), subjects: [{ digest: a, windowMs: HOUR }] }),
        ),
      )
      for (const c of counts) assert.deepEqual(c, [1])
      assert.equal(await h.storedAttempts(a), 1)
    })

    it('flags an order, holds it at finish instead of confirming, and lists it until decided', async () => {
      const h = await makeHarness()
      const orderId = ids('ord')
      const reasons = [{ check: 'test', code: 'amount.review', message: 'big', details: { total: 5 } }]
      await h.store.flag({ orderId, reasons, holdUntil: at(3 * HOUR), at: at(0) })
      await h.store.flag({ orderId, reasons: [], holdUntil: at(HOUR), at: at(1) })
      await h.newOrder(orderId)
      const flagged = await h.store.get(orderId)
      assert.equal(flagged?.status, 'pending')
      assert.deepEqual(flagged?.reasons, reasons)
      assert.equal(flagged?.heldAt, null)
      assert.equal(flagged?.holdUntil.getTime(), at(3 * HOUR).getTime())

      const result = await finishHeld(h, orderId, at(1000))
      assert.equal(result.moved, true)
      assert.equal(result.status, 'held_for_review')
      assert.equal(await h.orderStatus(orderId), 'held_for_review')
      assert.equal((await h.store.get(orderId))?.heldAt?.getTime(), at(1000).getTime())

      const listed = await pageThrough(
        (after) => h.store.listHeld({ ...(after ? { after } : {}), limit: 1000 }),
        {
          sort: 'held_orders',
          limit: 1000,
          key: (r) => r.orderId,
        },
      )
      assert.ok(listed.some((r) => r.orderId === orderId))
      assert.ok((await h.store.listOverdue({ at: at(3 * HOUR), limit: 1000 })).includes(orderId))
      assert.ok(!(await h.store.listOverdue({ at: at(3 * HOUR - 1), limit: 1000 })).includes(orderId))

      const decided = await h.checkout.finish({
        orderId,
        from: 'held_for_review',
        to: 'confirmed',
        note: 'looks fine',
        decidedBy: 'staff_1',
        payment: null,
        key: null,
        response: null,
        outbox: [],
        at: at(2000),
      })
      assert.equal(decided.moved, true)
      assert.equal(decided.status, 'confirmed')
      const review = await h.store.get(orderId)
      assert.equal(review?.status, 'approved')
      assert.equal(review?.decidedBy, 'staff_1')
      assert.equal(review?.note, 'looks fine')
      assert.equal(review?.decidedAt?.getTime(), at(2000).getTime())
      const after = await h.store.listHeld({ limit: 100 })
      assert.ok(!after.items.some((r) => r.orderId === orderId))
      // Deciding again moves nothing.
      const twice = await h.checkout.finish({
        orderId,
        from: 'held_for_review',
        to: 'cancelled',
        note: null,
        payment: null,
        key: null,
        response: null,
        outbox: [],
        at: at(3000),
      })
      assert.equal(twice.moved, false)
      assert.equal(twice.status, 'confirmed')
    })

    it('confirms an order that was never flagged, and rejects a held one', async () => {
      const h = await makeHarness()
      const plain = ids('ord')
      await h.newOrder(plain)
      assert.equal((await finishHeld(h, plain, at(0))).status, 'confirmed')
      assert.equal(await h.store.get(plain), null)

      const held = ids('ord')
      await h.store.flag({ orderId: held, reasons: [], holdUntil: at(HOUR), at: at(0) })
      await h.newOrder(held)
      await finishHeld(h, held, at(1))
      const rejected = await h.checkout.finish({
        orderId: held,
        from: 'held_for_review',
        to: 'cancelled',
        note: 'stolen card',
        payment: null,
        key: null,
        response: null,
        outbox: [],
        at: at(2),
      })
      assert.equal(rejected.status, 'cancelled')
      assert.equal(await h.orderStatus(held), 'cancelled')
      assert.equal((await h.store.get(held))?.status, 'rejected')
    })

    it('pages the held orders oldest first without skipping or repeating', async () => {
      const h = await makeHarness()
      // Far in the future, so these come last in a shared store.
      const base = new Date('2099-01-01T00:00:00Z').getTime()
      const mine: string[] = []
      for (let i = 0; i < 5; i++) {
        const orderId = ids('ord')
        mine.push(orderId)
        await h.store.flag({
          orderId,
          reasons: [],
          holdUntil: new Date(base + 10 * HOUR),
          at: new Date(base),
        })
        await h.newOrder(orderId)
        // Two share an instant: the id breaks the tie.
        await finishHeld(h, orderId, new Date(base + Math.floor(i / 2) * 1000))
      }
      const rows = await pageThrough((after) => h.store.listHeld({ ...(after ? { after } : {}), limit: 2 }), {
        sort: 'held_orders',
        limit: 2,
        key: (r) => r.orderId,
      })
      const served = rows.filter((r) => mine.includes(r.orderId))
      const expected = [...mine].sort((x, y) => {
        const tx = Math.floor(mine.indexOf(x) / 2)
        const ty = Math.floor(mine.indexOf(y) / 2)
        return tx - ty || (x < y ? -1 : 1)
      })
      assert.deepEqual(
        served.map((r) => r.orderId),
        expected,
      )
    })

    it('purges attempts and unused flags older than the cut-off', async () => {
      const h = await makeHarness()
      const a = subject()
      const old = new Date('2000-01-01T00:00:00Z')
      await h.store.recordAttempt({
        attemptKey: ids('k'),
        at: old,
        subjects: [{ digest: a, windowMs: HOUR }],
      })
      const orphan = ids('ord')
      await h.store.flag({ orderId: orphan, reasons: [], holdUntil: old, at: old })
      let purged = 0
      for (;;) {
        const n = await h.store.purge({ before: new Date('2000-01-02T00:00:00Z'), limit: 1000 })
        purged += n
        if (n < 1000) break
      }
      assert.ok(purged >= 2)
      assert.equal(await h.storedAttempts(a), 0)
      assert.equal(await h.store.get(orphan), null)
      // The subject starts over.
      assert.deepEqual(
        await h.store.recordAttempt({
          attemptKey: ids('k'),
          at: T0,
          subjects: [{ digest: a, windowMs: HOUR }],
        }),
        [1],
      )
    })
  })
}
