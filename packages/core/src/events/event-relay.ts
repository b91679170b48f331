import { z } from 'zod'
import type { Clock } from '../clock/clock.js'
import { ConfigError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import { describeError, type OutboxPoller, startOutboxPoller } from '../outbox/outbox-poller.js'
import {
  afterCursor,
  type CursorPage,
  cursorSchema,
  pageLimitSchema,
  toCursorPage,
} from '../pagination/cursor-page.js'
import type {
  DeadLetter,
  EventLogStore,
  LeaseSettlement,
  LoggedEvent,
  SubscriberLease,
} from '../ports/event-log-store.js'
import { parseInput } from '../validation/parse-input.js'
import type { CommerceEventType } from './commerce-event.js'
import {
  DEFAULT_MAX_ATTEMPTS,
  type DeliveredEvent,
  type DurableSubscriber,
  subscriberSchema,
} from './durable-subscriber.js'
import type { OutboxEventEnvelope } from './outbox-event.js'

export interface EventRelayDeps {
  readonly store: EventLogStore
  readonly clock: Clock
  readonly logger: Logger
  readonly ids: IdGenerator
  /** How long a relay holds a partition per round, in ms. Default 30 000. */
  readonly leaseMs?: number
  /** Events read per round. Default 100. */
  readonly batchSize?: number
  /** First retry delay after a failed delivery, in ms, doubling per attempt. Default 1000. */
  readonly retryDelayMs?: number
  /** Longest retry delay, in ms. Default 5 minutes. */
  readonly maxRetryDelayMs?: number
}

/** What rounds of the relay did. */
export interface RelayReport {
  /** Events handed to a subscriber that accepted them (replayed dead letters included). */
  readonly delivered: number
  /** Deliveries that threw and will be retried. */
  readonly failed: number
  /** Events given up on after their last attempt. */
  readonly deadLettered: number
}

/**
 * Durable subscribers: register them, run the relay that delivers to them, and operate their dead
 * letters. See docs/events.md.
 */
export interface DurableSubscribers {
  /**
   * Registers a subscriber with this process's relay (and its cursors in storage, if new).
   * Throws `ValidationError` for a bad definition, `ConfigError` for a name already added here,
   * `ConflictError` when storage knows it with another partition count.
   */
  add<T extends CommerceEventType>(subscriber: DurableSubscriber<T>): Promise<void>
  /** Names added to this process. */
  names(): string[]
  /** Forgets a subscriber here and in storage: its cursors and dead letters are deleted. */
  remove(input: { name: string }): Promise<void>
  /**
   * Runs relay rounds until every partition of this process's subscribers is caught up or waits
   * for a retry (or `maxRounds` ran). For tests, scripts and cron-driven hosts.
   */
  drain(options?: { maxRounds?: number }): Promise<RelayReport>
  /**
   * A subscriber's dead letters in event-id order (about oldest first), `limit` (default 50, at
   * most 1,000) a page; pass `nextCursor` back as `cursor` for the following page.
   */
  deadLetters(input: { subscriber: string; cursor?: string; limit?: number }): Promise<CursorPage<DeadLetter>>
  /** Delivers dead letters again on the relay's next round (all of them when `eventIds` is absent). */
  replay(input: { subscriber: string; eventIds?: readonly string[] }): Promise<{ requested: number }>
  /** Deletes dead letters for good (all of them when `eventIds` is absent). */
  discard(input: { subscriber: string; eventIds?: readonly string[] }): Promise<{ discarded: number }>
}

export interface EventRelay extends DurableSubscribers {
  /**
   * Adds a subscriber without touching storage (which may not be migrated yet): its cursors are
   * created on the next round. Throws like `add`, except for the storage conflict, which is logged.
   */
  adopt<T extends CommerceEventType>(subscriber: DurableSubscriber<T>): void
  /** Registers in storage the adopted subscribers not registered yet; one refused is logged and left out. */
  registerAdopted(): Promise<void>
  /** Runs rounds in the background every `intervalMs` (at once again while there is work), until `stop()`. */
  start(options: { intervalMs: number }): void
  /** Stops the background rounds and waits for the one in flight. */
  stop(): Promise<void>
}

const nameSchema = subscriberSchema.shape.name
const operatorSchema = z.strictObject({
  subscriber: nameSchema,
  eventIds: z.array(z.string().min(1).max(200)).max(10_000).optional(),
})
const listSchema = z.strictObject({
  subscriber: nameSchema,
  cursor: cursorSchema.optional(),
  limit: pageLimitSchema(50, 1000),
})
const drainSchema = z
  .strictObject({ maxRounds: z.number().int().min(1).max(1_000_000).optional() })
  .optional()

const envelopeSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  aggregateId: z.string(),
  schemaVersion: z.number(),
  occurredAt: z.string(),
  data: z.unknown(),
})

type RoundOutcome = 'none' | 'idle' | 'progress' | 'failed'

/** Most rounds one background tick runs before it yields to the timer. */
const SWEEP_ROUNDS = 1000

/** Creates the relay. Subscribers given to `add` are delivered to by `drain` and by `start`'s rounds. */
export function createEventRelay(deps: EventRelayDeps): EventRelay {
  const { store, clock, logger, ids } = deps
  const leaseMs = deps.leaseMs ?? 30_000
  const batchSize = deps.batchSize ?? 100
  const retryDelayMs = deps.retryDelayMs ?? 1000
  const maxRetryDelayMs = deps.maxRetryDelayMs ?? 5 * 60_000
  const subscribers = new Map<string, DurableSubscriber>()
  /** Subscribers whose cursors exist in storage (registered by this process). */
  const registered = new Set<string>()
  let poller: OutboxPoller | undefined

  async function register(subscriber: DurableSubscriber): Promise<void> {
    await store.register({
      subscriber: subscriber.name,
      partitions: subscriber.partitions ?? 1,
      from: subscriber.from ?? 'now',
      now: clock.now(),
    })
    registered.add(subscriber.name)
  }

  /** Registers subscribers added before storage was ready; one that is refused stays out of rounds. */
  async function registerPending(): Promise<void> {
    for (const subscriber of subscribers.values()) {
      if (registered.has(subscriber.name)) continue
      try {
        await register(subscriber)
      } catch (error) {
        logger.error('durable subscriber could not be registered; it receives nothing', {
          subscriber: subscriber.name,
          error: describeError(error),
        })
      }
    }
  }

  async function deliver(
    subscriber: DurableSubscriber,
    payload: unknown,
    attempt: number,
  ): Promise<string | null> {
    const envelope = payload as OutboxEventEnvelope
    const event = {
      id: envelope.id,
      type: envelope.type,
      aggregateId: envelope.aggregateId,
      sequence: typeof envelope.sequence === 'number' ? envelope.sequence : 0,
      schemaVersion: envelope.schemaVersion,
      occurredAt: envelope.occurredAt,
      data: envelope.data as unknown as DeliveredEvent['data'],
      delivery: { subscriber: subscriber.name, attempt },
    } as DeliveredEvent
    try {
      await subscriber.handle(event)
      return null
    } catch (error) {
      return describeError(error)
    }
  }

  const wants = (subscriber: DurableSubscriber, type: string) =>
    subscriber.events === '*' || (subscriber.events as readonly string[]).includes(type)

  const backoff = (attempts: number) =>
    Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempts - 1, 20))

  const totals = { delivered: 0, failed: 0, deadLettered: 0 }

  async function work(subscriber: DurableSubscriber, lease: SubscriberLease): Promise<RoundOutcome> {
    const replayed: { eventId: string; error: string | null }[] = []
    for (const letter of await store.readReplays({ lease, limit: batchSize })) {
      const error = await deliver(subscriber, letter.payload, letter.attempts + 1)
      replayed.push({ eventId: letter.eventId, error })
      if (error === null) totals.delivered++
      else totals.failed++
    }

    const events = await store.read({ lease, limit: batchSize })
    let cursor = lease.cursor
    let attempts = lease.attempts
    let lastError: string | null = null
    let nextAt = clock.now()
    const deadLetters: { event: LoggedEvent; attempts: number; error: string }[] = []
    for (const event of events) {
      const envelope = envelopeSchema.safeParse(event.payload)
      if (!envelope.success) {
        logger.warn('event log entry is not an event envelope; skipped', {
          subscriber: subscriber.name,
          position: event.position,
        })
        cursor = event.position
        continue
      }
      if (!wants(subscriber, envelope.data.type)) {
        cursor = event.position
        continue
      }
      const error = await deliver(subscriber, event.payload, attempts + 1)
      if (error === null) {
        totals.delivered++
        cursor = event.position
        attempts = 0
        continue
      }
      attempts++
      totals.failed++
      if (attempts >= (subscriber.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
        logger.error('durable subscriber gave up on an event; it is dead-lettered', {
          subscriber: subscriber.name,
          eventId: envelope.data.id,
          type: envelope.data.type,
          attempts,
          error,
        })
        deadLetters.push({ event, attempts, error })
        totals.deadLettered++
        cursor = event.position
        attempts = 0
        continue
      }
      lastError = error
      nextAt = new Date(clock.now().getTime() + backoff(attempts))
      logger.warn('durable subscriber failed; the event will be retried', {
        subscriber: subscriber.name,
        eventId: envelope.data.id,
        type: envelope.data.type,
        attempts,
        retryAt: nextAt.toISOString(),
        error,
      })
      break
    }

    const settlement: LeaseSettlement = { cursor, attempts, nextAt, lastError, deadLetters, replayed }
    const kept = await store.settle({ lease, settlement, now: clock.now() })
    if (!kept) {
      logger.warn('relay lost its lease on a partition; events it delivered may be delivered again', {
        subscriber: subscriber.name,
        partition: lease.partition,
      })
    }
    if (lastError !== null) return 'failed'
    return events.length > 0 || replayed.length > 0 ? 'progress' : 'idle'
  }

  async function round(): Promise<RoundOutcome> {
    await registerPending()
    const names = [...registered].filter((name) => subscribers.has(name))
    if (names.length === 0) return 'none'
    const lease = await store.lease({ subscribers: names, leaseMs, token: ids('lease'), now: clock.now() })
    if (!lease) return 'none'
    const subscriber = subscribers.get(lease.subscriber)
    if (!subscriber) return 'none'
    return work(subscriber, lease)
  }

  function adopt<T extends CommerceEventType>(subscriber: DurableSubscriber<T>): void {
    const parsed = parseInput(subscriberSchema, subscriber, 'durable subscriber')
    if (subscribers.has(parsed.name)) {
      throw new ConfigError(`Durable subscriber ${parsed.name} is already added`, [
        { path: 'name', message: 'already added' },
      ])
    }
    subscribers.set(parsed.name, subscriber as unknown as DurableSubscriber)
  }

  /**
   * Rounds until every due partition was looked at and found caught up (or `maxRounds` ran).
   * Idle partitions go to the back of the lease order, so a run of idle rounds as long as the
   * partition count means each was seen. Returns whether any round made progress.
   */
  async function sweep(maxRounds: number): Promise<boolean> {
    let idleRun = 0
    let progressed = false
    for (let i = 0; i < maxRounds; i++) {
      const outcome = await round()
      if (outcome === 'none') break
      if (outcome === 'progress') progressed = true
      idleRun = outcome === 'progress' ? 0 : idleRun + 1
      if (idleRun >= partitionCount()) break
    }
    return progressed
  }

  const partitionCount = () =>
    [...subscribers.values()].reduce((sum, s) => sum + (registered.has(s.name) ? (s.partitions ?? 1) : 0), 0)

  return {
    adopt,
    registerAdopted: registerPending,

    async add(subscriber) {
      adopt(subscriber)
      try {
        await register(subscriber as unknown as DurableSubscriber)
      } catch (error) {
        subscribers.delete(subscriber.name)
        throw error
      }
    },

    names: () => [...subscribers.keys()],

    async remove(input) {
      const { name } = parseInput(z.strictObject({ name: nameSchema }), input, 'subscriber removal')
      subscribers.delete(name)
      registered.delete(name)
      await store.remove(name)
    },

    async drain(options) {
      const { maxRounds = 10_000 } = parseInput(drainSchema, options, 'drain options') ?? {}
      const before = { ...totals }
      await sweep(maxRounds)
      return {
        delivered: totals.delivered - before.delivered,
        failed: totals.failed - before.failed,
        deadLettered: totals.deadLettered - before.deadLettered,
      }
    },

    async deadLetters(input) {
      const { subscriber, cursor, limit } = parseInput(listSchema, input, 'dead letter query')
      const after = afterCursor(cursor, 'dead_letters')
      return toCursorPage(await store.listDeadLetters({ subscriber, after, limit }))
    },

    async replay(input) {
      const { subscriber, eventIds } = parseInput(operatorSchema, input, 'replay request')
      const requested = await store.replayDeadLetters({
        subscriber,
        ...(eventIds === undefined ? {} : { eventIds }),
        now: clock.now(),
      })
      return { requested }
    },

    async discard(input) {
      const { subscriber, eventIds } = parseInput(operatorSchema, input, 'discard request')
      const discarded = await store.discardDeadLetters({
        subscriber,
        ...(eventIds === undefined ? {} : { eventIds }),
      })
      return { discarded }
    },

    start({ intervalMs }) {
      if (poller) return
      poller = startOutboxPoller({
        intervalMs,
        maxBackoffMs: 60_000,
        // Each tick visits every due partition, so N subscribers do not wait N ticks.
        round: () => sweep(SWEEP_ROUNDS),
        onError: (error, failures, nextPollMs) =>
          logger.error('event relay round failed', { error: describeError(error), failures, nextPollMs }),
      })
    },

    async stop() {
      const running = poller
      poller = undefined
      await running?.stop()
    },
  }
}
