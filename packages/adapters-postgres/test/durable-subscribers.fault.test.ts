import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  type CommerceEvent,
  createCommerce,
  type DeliveredEvent,
  defineSubscriber,
  type OutboxEventEnvelope,
  outboxEvent,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresStorage } from '../src/postgres-storage.js'
import { postgresFixture } from './support.js'

// Durable subscribers across OS processes: events committed by a process that is SIGKILLed right
// after its order are still delivered, and two relay processes share one subscriber's 5,000
// events, in order per aggregate, without losing any when one of them is SIGKILLed mid-run.

type Fixture = Awaited<ReturnType<typeof postgresFixture>>
const cwd = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A child process running one of this directory's workers (TypeScript sources, like the tests). */
interface Worker {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: string[]
  readonly exited: Promise<number | null>
  /** Resolves with the first stdout line matching, rejects if the worker exits first. */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  send(line: string): void
}

function startWorker(file: string, args: string[]): Worker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@souk/source', fileURLToPath(new URL(file, import.meta.url)), ...args],
    { cwd, stdio: ['pipe', 'pipe', 'inherit'] },
  ) as unknown as ChildProcessWithoutNullStreams
  const lines: string[] = []
  const waiters = new Set<() => void>()
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    for (const wake of waiters) wake()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let done = false
  void exited.then(() => {
    done = true
    for (const wake of waiters) wake()
  })
  return {
    child,
    lines,
    exited,
    line(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no matching line from ${file} in ${timeoutMs} ms`)),
          timeoutMs,
        )
        const finish = (error: Error | null, line?: string) => {
          clearTimeout(timer)
          waiters.delete(check)
          if (error) reject(error)
          else resolve(line!)
        }
        const check = () => {
          const found = lines.find(match)
          if (found !== undefined) finish(null, found)
          else if (done) finish(new Error(`${file} exited before the expected line: ${lines.join(' | ')}`))
        }
        waiters.add(check)
        check()
      })
    },
    send(line) {
      child.stdin.write(`${line}\n`)
    },
  }
}

async function kill(worker: Worker): Promise<void> {
  worker.child.kill('SIGKILL')
  await worker.exited
}

describe('a shop process SIGKILLed right after its order', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await postgresFixture('durable_crash', 4)
    await fixture.pool.query(
      'create table public.listener_effects (order_id text not null, note text not null)',
    )
  })
  afterAll(() => fixture?.close())

  it('loses its in-process listener, while a durable subscriber added later gets the order events as committed', async () => {
    const shop = startWorker('./order-then-die-worker.ts', [fixture.database.url])
    let placed: { orderId: string; status: string }
    try {
      const line = await shop.line((l) => l.startsWith('{'))
      // Killed the moment the order is answered: no relay ran there, and its listener did not finish.
      await kill(shop)
      placed = JSON.parse(line) as { orderId: string; status: string }
    } finally {
      shop.child.kill('SIGKILL')
    }
    expect(placed.status).toBe('confirmed')
    // Its listener was called (synchronously, before placeOrder answered) and then died mid-work.
    expect(shop.lines).toContain('listener order.status_changed confirmed')
    const { orderId } = placed

    // The listener's one-second call would have written by now: it is gone with the process.
    await sleep(1500)
    const effects = await fixture.pool.query('select * from public.listener_effects')
    expect(effects.rows).toEqual([])

    // What the order's transactions committed to the event log.
    const committed = await sql<{ payload: OutboxEventEnvelope }>`
      select payload from souk.outbox where topic = 'commerce.event' and key = ${orderId} order by tx, id`.execute(
      fixture.storage.db,
    )
    const envelopes = committed.rows.map((r) => r.payload)
    expect(envelopes.map((e) => e.type)).toEqual([
      'inventory.reserved',
      'order.created',
      'inventory.committed',
      'order.status_changed',
    ])

    // A fresh process (here: a fresh commerce, no relay running) adds a durable subscriber.
    const commerce = createCommerce({
      storage: postgresStorage({ pool: fixture.pool }),
      logger: silentLogger,
      unitsSold: false,
      relay: false,
    })
    try {
      const received: DeliveredEvent<'order.created' | 'order.status_changed'>[] = []
      await commerce.subscribers.add(
        defineSubscriber({
          name: 'after-crash',
          events: ['order.created', 'order.status_changed'],
          from: 'beginning',
          handle: (event) => void received.push(event),
        }),
      )
      const report = await commerce.subscribers.drain()
      expect(report).toEqual({ delivered: 2, failed: 0, deadLettered: 0 })

      const [created, confirmed] = received
      expect(received.map((e) => e.type)).toEqual(['order.created', 'order.status_changed'])
      expect(created!.aggregateId).toBe(orderId)
      expect(created!.data).toMatchObject({ type: 'order.created', orderId })
      expect(confirmed!.aggregateId).toBe(orderId)
      expect(confirmed!.data).toMatchObject({
        type: 'order.status_changed',
        orderId,
        from: 'pending_payment',
        to: 'confirmed',
      })
      // Exactly the committed envelopes, plus the delivery's own stamp.
      expect(received.map(({ delivery, ...envelope }) => envelope)).toEqual(
        envelopes.filter((e) => e.type.startsWith('order.')),
      )
      expect(received.map((e) => e.delivery)).toEqual([
        { subscriber: 'after-crash', attempt: 1 },
        { subscriber: 'after-crash', attempt: 1 },
      ])

      // Nothing twice, and the ids consumers dedupe on are the committed ones, stable across
      // deliveries: a second subscriber reading the log from the start gets the same ids.
      expect(await commerce.subscribers.drain()).toEqual({ delivered: 0, failed: 0, deadLettered: 0 })
      expect(new Set(received.map((e) => e.id)).size).toBe(2)
      const again: string[] = []
      await commerce.subscribers.add(
        defineSubscriber({
          name: 'after-crash-again',
          events: ['order.created', 'order.status_changed'],
          from: 'beginning',
          handle: (event) => void again.push(event.id),
        }),
      )
      await commerce.subscribers.drain()
      expect(again).toEqual(received.map((e) => e.id))
    } finally {
      await commerce.close()
    }
  }, 60_000)
})

describe('two relay processes on 5,000 events', () => {
  const AGGREGATES = 200
  const PER_AGGREGATE = 25
  const TOTAL = AGGREGATES * PER_AGGREGATE
  const PARTITIONS = 8
  const LEASE_MS = 1500
  const BATCH = 50
  let fixture: Fixture
  let seeded: Set<string>

  beforeAll(async () => {
    fixture = await postgresFixture('durable_relays', 4)
    await fixture.pool.query(`create table public.delivered (
      n bigserial primary key, subscriber text not null, event_id text not null, aggregate_id text not null,
      seq integer not null, pid integer not null, attempt integer not null)`)
    // 5,000 events over 200 aggregates, seq 1..25 per aggregate in write order, 500 per transaction.
    const messages = []
    for (let seq = 1; seq <= PER_AGGREGATE; seq++) {
      for (let a = 0; a < AGGREGATES; a++) {
        const aggregateId = `ord_agg${String(a).padStart(3, '0')}`
        const event = {
          type: 'order.status_changed',
          orderId: aggregateId,
          customerId: null,
          from: 'confirmed',
          to: 'processing',
          note: null,
          occurredAt: new Date(),
          seq,
        } as CommerceEvent
        messages.push(outboxEvent(event, `evt_${aggregateId}_${String(seq).padStart(2, '0')}`, aggregateId))
      }
    }
    for (let i = 0; i < messages.length; i += 500) {
      await fixture.storage.outbox.enqueue({ messages: messages.slice(i, i + 500), now: new Date() })
    }
    seeded = new Set(messages.map((m) => (m.payload as OutboxEventEnvelope).id))
    expect(seeded.size).toBe(TOTAL)
  }, 120_000)
  afterAll(() => fixture?.close())

  /** Registers the subscriber here (the relays find it registered), as a deploy step would. */
  async function register(name: string) {
    const commerce = createCommerce({
      storage: postgresStorage({ pool: fixture.pool }),
      logger: silentLogger,
      unitsSold: false,
      relay: false,
    })
    await commerce.subscribers.add({
      name,
      events: '*',
      partitions: PARTITIONS,
      from: 'beginning',
      handle: () => {
        throw new Error('not delivered here')
      },
    })
    await commerce.close()
  }

  async function startRelays(name: string): Promise<Worker[]> {
    const relays = [0, 1].map(() =>
      startWorker('./relay-worker.ts', [
        fixture.database.url,
        name,
        String(PARTITIONS),
        String(LEASE_MS),
        String(BATCH),
      ]),
    )
    try {
      await Promise.all(relays.map((r) => r.line((l) => l === 'ready')))
      for (const r of relays) r.send('go')
      await Promise.all(relays.map((r) => r.line((l) => l === 'started')))
    } catch (error) {
      for (const r of relays) r.child.kill('SIGKILL')
      throw error
    }
    return relays
  }

  async function stop(relay: Worker): Promise<{ pid: number; handled: number; warnings: string[] }> {
    relay.send('stop')
    const line = await relay.line((l) => l.startsWith('{'))
    await relay.exited
    return JSON.parse(line) as { pid: number; handled: number; warnings: string[] }
  }

  async function distinctDelivered(name: string): Promise<number> {
    const { rows } = await fixture.pool.query<{ n: string }>(
      'select count(distinct event_id) as n from public.delivered where subscriber = $1',
      [name],
    )
    return Number(rows[0]!.n)
  }

  async function waitUntil(what: string, done: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(20)
    }
  }

  /** What the `delivered` table says about one subscriber's run. */
  async function deliveries(name: string) {
    const { rows } = await fixture.pool.query<{
      n: string
      event_id: string
      aggregate_id: string
      seq: number
      pid: number
    }>('select n, event_id, aggregate_id, seq, pid from public.delivered where subscriber = $1 order by n', [
      name,
    ])
    const firsts = new Map<string, { aggregate: string; seq: number }>()
    const byPid = new Map<number, number>()
    const pidsOf = new Map<string, number[]>()
    for (const row of rows) {
      byPid.set(row.pid, (byPid.get(row.pid) ?? 0) + 1)
      pidsOf.set(row.event_id, [...(pidsOf.get(row.event_id) ?? []), row.pid])
      if (!firsts.has(row.event_id)) firsts.set(row.event_id, { aggregate: row.aggregate_id, seq: row.seq })
    }
    // Per aggregate, the seqs in the order of their first delivery.
    const order = new Map<string, number[]>()
    for (const { aggregate, seq } of firsts.values()) {
      const seqs = order.get(aggregate) ?? []
      seqs.push(seq)
      order.set(aggregate, seqs)
    }
    const outOfOrder = [...order].filter(([, seqs]) => seqs.some((s, i) => s !== i + 1)).map(([a]) => a)
    const lost = [...seeded].filter((id) => !firsts.has(id))
    const unknown = [...firsts.keys()].filter((id) => !seeded.has(id))
    // Who delivered each event that was delivered more than once, in order.
    const repeated = [...pidsOf.values()].filter((pids) => pids.length > 1)
    return {
      repeated,
      rows: rows.length,
      distinct: firsts.size,
      duplicates: rows.length - firsts.size,
      byPid,
      outOfOrder,
      lost,
      unknown,
    }
  }

  async function cursorsOf(name: string) {
    const { rows } = await fixture.pool.query<{
      attempts: number
      lease_token: string | null
      last_error: string | null
    }>('select attempts, lease_token, last_error from souk.event_cursors where subscriber = $1', [name])
    return rows
  }

  it('share the work, deliver every event once, in order per aggregate', async () => {
    const name = 'relay-share'
    await register(name)
    const started = Date.now()
    const relays = await startRelays(name)
    let summaries: Awaited<ReturnType<typeof stop>>[]
    try {
      await waitUntil('every event delivered', async () => (await distinctDelivered(name)) === TOTAL)
    } finally {
      summaries = await Promise.all(relays.map(stop))
    }
    const seen = await deliveries(name)
    console.log(
      `two relays: ${seen.rows} deliveries of ${seen.distinct} events in ${Date.now() - started} ms, ` +
        `duplicates ${seen.duplicates}, per process ${JSON.stringify(Object.fromEntries(seen.byPid))}`,
    )
    expect(seen.lost).toEqual([])
    expect(seen.unknown).toEqual([])
    expect(seen.distinct).toBe(TOTAL)
    expect(seen.outOfOrder).toEqual([])
    // Both processes worked.
    expect([...seen.byPid.keys()].sort()).toEqual(summaries.map((s) => s.pid).sort())
    for (const count of seen.byPid.values()) expect(count).toBeGreaterThan(0)
    // No lease ran out (a round takes far less than LEASE_MS), so nothing was delivered twice.
    expect(summaries.flatMap((s) => s.warnings)).toEqual([])
    expect(seen.duplicates).toBe(0)
    expect(await cursorsOf(name)).toHaveLength(PARTITIONS)
    for (const cursor of await cursorsOf(name))
      expect(cursor).toEqual({ attempts: 0, lease_token: null, last_error: null })
  }, 60_000)

  it('one relay SIGKILLed mid-run: the other takes over its partition when the lease runs out', async () => {
    const name = 'relay-kill'
    await register(name)
    const relays = await startRelays(name)
    const [victim, survivor] = relays as [Worker, Worker]
    let summary: Awaited<ReturnType<typeof stop>>
    let killedAt = 0
    let deliveredAtKill = 0
    try {
      // Mid-run and mid-batch (325 is not a multiple of BATCH): the victim has delivered some, much is left.
      await waitUntil('the victim to be busy', async () => {
        const { rows } = await fixture.pool.query<{ n: string }>(
          'select count(*) as n from public.delivered where subscriber = $1 and pid = $2',
          [name, victim.child.pid],
        )
        return Number(rows[0]!.n) >= 325
      })
      await kill(victim)
      killedAt = Date.now()
      deliveredAtKill = await distinctDelivered(name)
      await waitUntil('every event delivered', async () => (await distinctDelivered(name)) === TOTAL)
    } finally {
      victim.child.kill('SIGKILL')
      summary = await stop(survivor)
    }
    const tookOver = Date.now() - killedAt
    const seen = await deliveries(name)
    console.log(
      `relay killed after ${deliveredAtKill}/${TOTAL} events; the survivor finished in ${tookOver} ms; ` +
        `${seen.rows} deliveries, duplicates ${seen.duplicates}, per process ${JSON.stringify(Object.fromEntries(seen.byPid))}`,
    )
    expect(deliveredAtKill).toBeLessThan(TOTAL)
    expect(seen.lost).toEqual([])
    expect(seen.unknown).toEqual([])
    expect(seen.distinct).toBe(TOTAL)
    expect(seen.outOfOrder).toEqual([])
    expect(seen.byPid.get(survivor.child.pid!)).toBeGreaterThan(0)
    // Redelivered at most: what the victim delivered under the one lease it held when it died.
    expect(seen.duplicates).toBeLessThanOrEqual(BATCH)
    // Every duplicate is an event the victim delivered and did not live to settle.
    for (const pids of seen.repeated) expect(pids).toEqual([victim.child.pid, survivor.child.pid])
    expect(summary.warnings).toEqual([])
    for (const cursor of await cursorsOf(name))
      expect(cursor).toEqual({ attempts: 0, lease_token: null, last_error: null })
  }, 60_000)
})
