import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createIdGenerator } from '../ids/id-generator.js'
import type { InvalidationBus, InvalidationSubscription } from '../ports/invalidation-bus.js'
import { expectCommerceError } from './expect-commerce-error.js'
import type { SuiteApi } from './suite-api.js'

export interface InvalidationBusHarness {
  /**
   * A new bus on this harness's channel, as another process would open it. Each call is a separate
   * bus; every bus a harness opens shares one channel, and channels of different harnesses must
   * not hear each other. The suite closes each bus it opened.
   */
  open(): Promise<InvalidationBus> | InvalidationBus
  /**
   * Drops every subscription's connection once, as a network fault or a server restart would, so
   * the bus must notice and subscribe again. Omit it for a transport that has no connection.
   */
  dropConnections?(): Promise<void>
}

/** Longest the suite waits for a delivery or a state change; only a broken bus gets near it. */
const DEADLINE_MS = 15_000

/** What one subscription heard, in order. */
interface Recorder {
  readonly messages: string[][]
  readonly states: boolean[]
  readonly subscription: InvalidationSubscription
}

function record(bus: InvalidationBus): Recorder {
  const messages: string[][] = []
  const states: boolean[] = []
  const subscription = bus.subscribe({
    invalidated: (keys) => messages.push([...keys]),
    live: (live) => states.push(live),
  })
  return { messages, states, subscription }
}

/** Polls until `check` holds; fails with `what` once the deadline passes. Asserts nothing about time. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await sleep(5)
  }
}

const live = (r: Recorder) => eventually('the subscription is live', () => r.subscription.live)

/**
 * The `InvalidationBus` port's contract: delivery to every other bus on the channel in publication
 * order and never back to the publishing bus, liveness that tells when messages may have been lost,
 * and (with `dropConnections`) recovery after a dropped connection. `makeHarness` is called once
 * per test; each test uses fresh random keys.
 */
export function invalidationBusSuite(
  api: SuiteApi,
  makeHarness: () => Promise<InvalidationBusHarness>,
): void {
  const { describe, it } = api
  const ids = createIdGenerator()
  const key = (name: string) => `${name}:${ids('k').slice(-12)}`

  /** Opens buses through the harness and closes them all at the end of the test. */
  async function withBuses(
    harness: InvalidationBusHarness,
    count: number,
    body: (buses: InvalidationBus[]) => Promise<void>,
  ): Promise<void> {
    const buses: InvalidationBus[] = []
    try {
      for (let i = 0; i < count; i++) buses.push(await harness.open())
      await body(buses)
    } finally {
      await Promise.all(buses.map((b) => b.close()))
    }
  }

  describe('invalidation bus contract', () => {
    it('delivers to every other bus in publication order, never back to the publishing bus', async () => {
      await withBuses(await makeHarness(), 3, async ([a, b, c]) => {
        const [ra, rb, rc] = [record(a!), record(b!), record(c!)]
        await Promise.all([live(ra), live(rb), live(rc)])
        const sent = [[key('one')], [key('two'), key('three')], [key('four')]]
        for (const keys of sent) await a!.publish(keys)
        await eventually('b and c heard all three', () => rb.messages.length >= 3 && rc.messages.length >= 3)
        assert.deepEqual(rb.messages, sent)
        assert.deepEqual(rc.messages, sent)
        // a's own publications came before b's, so a has heard them if it ever will.
        const back = [key('back')]
        await b!.publish(back)
        await eventually('a heard b', () => ra.messages.length >= 1)
        assert.deepEqual(ra.messages, [back])
        await eventually('c heard b', () => rc.messages.length >= 4)
        assert.deepEqual(rc.messages.at(-1), back)
        assert.deepEqual(rb.messages.length, 3, 'b did not hear itself')
        for (const r of [ra, rb, rc]) assert.deepEqual(r.states, [true], 'live once, never dropped')
      })
    })

    it('publish returns once every other live subscription applied it; wait: sent does not wait', async () => {
      await withBuses(await makeHarness(), 3, async ([a, b, c]) => {
        const [ra, rb, rc] = [record(a!), record(b!), record(c!)]
        await Promise.all([live(ra), live(rb), live(rc)])
        for (let i = 0; i < 20; i++) {
          const keys = [key(`applied-${i}`)]
          await a!.publish(keys)
          // No waiting here: the default wait is until every receiver has applied it.
          assert.deepEqual(rb.messages.at(-1), keys, `b applied message ${i} before publish returned`)
          assert.deepEqual(rc.messages.at(-1), keys, `c applied message ${i} before publish returned`)
        }
        const sent = [key('sent')]
        await a!.publish(sent, { wait: 'sent' })
        await eventually('b and c heard it', () => rb.messages.length === 21 && rc.messages.length === 21)
        assert.deepEqual(rc.messages.at(-1), sent)
        assert.deepEqual(ra.messages, [])
      })
    })

    it('carries many keys and any text in one message; an empty list sends nothing', async () => {
      await withBuses(await makeHarness(), 2, async ([a, b]) => {
        const rb = record(b!)
        await live(rb)
        const base = key('text')
        const many = Array.from({ length: 500 }, (_, i) => `${base}:${i}`)
        const odd = [`${base} {tag}`, `${base}/ü/日本`, `${base}*`, `${base}"quoted"\\`, `${base}\n`]
        await a!.publish([])
        await a!.publish(many)
        await a!.publish(odd)
        await eventually('b heard both', () => rb.messages.length >= 2)
        assert.deepEqual(rb.messages, [many, odd])
      })
    })

    it('every subscription of a bus hears the others; a closed one stops without a live(false)', async () => {
      await withBuses(await makeHarness(), 2, async ([a, b]) => {
        const first = record(b!)
        const second = record(b!)
        await Promise.all([live(first), live(second)])
        const k1 = [key('both')]
        await a!.publish(k1)
        await eventually('both heard it', () => first.messages.length === 1 && second.messages.length === 1)
        await first.subscription.close()
        assert.equal(first.subscription.live, false)
        const k2 = [key('second-only')]
        await a!.publish(k2)
        await eventually('the open one heard it', () => second.messages.length === 2)
        // Published after the close and heard by its sibling on the same bus: the closed one would have too.
        assert.deepEqual(first.messages, [k1])
        assert.deepEqual(first.states, [true])
        assert.deepEqual(second.messages, [k1, k2])
      })
    })

    it('a subscription that starts late is live once it says so, and hears what follows', async () => {
      await withBuses(await makeHarness(), 2, async ([a, b]) => {
        await a!.publish([key('before-anyone-listened')])
        const rb = record(b!)
        await live(rb)
        const after = [key('after')]
        await a!.publish(after)
        await eventually('b heard it', () => rb.messages.some((m) => m[0] === after[0]))
        assert.deepEqual(rb.messages.at(-1), after)
        assert.deepEqual(rb.states, [true])
      })
    })

    it('rejects keys that are not non-empty strings with validation.failed', async () => {
      await withBuses(await makeHarness(), 1, async ([a]) => {
        await expectCommerceError(a!.publish(['']), 'validation.failed')
        await expectCommerceError(a!.publish([key('ok'), '']), 'validation.failed')
        await expectCommerceError(a!.publish([42 as unknown as string]), 'validation.failed')
        await expectCommerceError(
          a!.publish([key('ok')], { wait: 'later' as unknown as 'sent' }),
          'validation.failed',
        )
      })
    })

    it('after a dropped connection: not live, then live again, and hears what is published then', async () => {
      const harness = await makeHarness()
      if (!harness.dropConnections) return
      const drop = harness.dropConnections.bind(harness)
      await withBuses(harness, 2, async ([a, b]) => {
        const rb = record(b!)
        await live(rb)
        await drop()
        await eventually('b went not live and came back', () => rb.states.length >= 3 && rb.subscription.live)
        assert.deepEqual(rb.states.slice(0, 3), [true, false, true])
        const after = [key('after-reconnect')]
        // The publishing connection may need a moment of its own to come back.
        let published = false
        const deadline = Date.now() + DEADLINE_MS
        while (!published) {
          try {
            await a!.publish(after)
            published = true
          } catch (error) {
            if (Date.now() > deadline) throw error
            await sleep(20)
          }
        }
        await eventually('b heard it', () => rb.messages.some((m) => m[0] === after[0]))
      })
    })
  })
}
