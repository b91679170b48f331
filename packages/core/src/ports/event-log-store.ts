import type { KeysetCursor, KeysetPage } from './keyset-page.js'

/** A domain event read back from the event log: the outbox's `commerce.event` rows. */
export interface LoggedEvent {
  /** Where the event sits in the log: opaque to callers, ordered by the store. */
  readonly position: string
  /**
   * The envelope as written (`OutboxEventEnvelope`), parsed from JSON, with `sequence` set: the
   * event's number among its aggregate's events, 1, 2, 3, … in commit order, numbered as written.
   */
  readonly payload: unknown
}

/** One partition of a subscriber, leased to one relay until `settle` or until the lease runs out. */
export interface SubscriberLease {
  readonly subscriber: string
  readonly partition: number
  readonly partitions: number
  /** Proves the lease in `settle`; another relay's lease has another token. */
  readonly token: string
  /** The last position this partition has passed. */
  readonly cursor: string
  /** Failed deliveries so far of the event right after the cursor. */
  readonly attempts: number
}

/** An event a subscriber gave up on after its last attempt, kept until replayed or discarded. */
export interface DeadLetter {
  readonly subscriber: string
  /** The envelope's id (`evt_…`). */
  readonly eventId: string
  readonly type: string
  readonly aggregateId: string
  readonly payload: unknown
  readonly attempts: number
  readonly lastError: string | null
  readonly deadAt: Date
  /** Set while a replay is asked for and not yet delivered. */
  readonly replayRequestedAt: Date | null
}

/** How a lease ends: what was delivered, what failed, what died. */
export interface LeaseSettlement {
  /** The new cursor: the last position delivered, skipped (other event types) or dead-lettered. */
  readonly cursor: string
  /** Failed deliveries of the event right after the new cursor (0 when none failed). */
  readonly attempts: number
  /** When the partition may be leased again (now after progress, later after a failure). */
  readonly nextAt: Date
  readonly lastError: string | null
  /** Events given up on; the cursor has moved past them. */
  readonly deadLetters: readonly {
    readonly event: LoggedEvent
    readonly attempts: number
    readonly error: string
  }[]
  /** Outcomes of replayed dead letters: delivered ones are deleted, failed ones stay dead. */
  readonly replayed: readonly { readonly eventId: string; readonly error: string | null }[]
}

/**
 * Durable subscribers' delivery state over the event log. Every subscriber has `partitions`
 * cursors (events are routed to a partition by aggregate id, so one aggregate's events stay in
 * order in one partition); a relay leases one partition at a time, reads after its cursor, and
 * settles. A cursor only passes events whose transactions have all ended, so an event committed
 * late is never skipped (on Postgres: one transaction open anywhere on the server holds every
 * cursor back until it ends). Not part of transactions.
 * Contract: `@souk/core/testing`'s `eventLogStoreSuite`.
 */
export interface EventLogStore {
  /**
   * Adds a subscriber. With `from: 'now'` its cursors start at the oldest transaction still
   * running, so nothing committed from now on is missed (an event committed just before may still
   * be delivered); with `'beginning'`, before the oldest event kept. A known subscriber keeps its
   * cursors; asking it for another partition count is refused with `ConflictError` (details
   * `{ reason: 'partitions_changed' }`).
   */
  register(input: {
    subscriber: string
    partitions: number
    from: 'now' | 'beginning'
    now: Date
  }): Promise<void>
  /** Deletes a subscriber's cursors and dead letters, so the log it held back can be purged. */
  remove(subscriber: string): Promise<void>
  /**
   * Leases one partition of the given subscribers that is due (`nextAt <= now`) and not leased,
   * longest due first (ties: the one leased least recently), until `now + leaseMs`, under `token`.
   * Two leases never hold one partition. Null when none.
   */
  lease(input: {
    subscribers: readonly string[]
    leaseMs: number
    token: string
    now: Date
  }): Promise<SubscriberLease | null>
  /** Up to `limit` events after `lease`'s cursor in its partition, in log order. */
  read(input: { lease: SubscriberLease; limit: number }): Promise<LoggedEvent[]>
  /** Up to `limit` dead letters of `lease`'s partition whose replay was asked for, oldest first. */
  readReplays(input: { lease: SubscriberLease; limit: number }): Promise<DeadLetter[]>
  /**
   * Ends `lease` with `settlement`, as of `now`. False when the lease was lost (expired and
   * taken): nothing is written then.
   */
  settle(input: { lease: SubscriberLease; settlement: LeaseSettlement; now: Date }): Promise<boolean>
  /**
   * A subscriber's dead letters in event-id order (ids are time-sortable, so about oldest first):
   * keyset on `eventId`, its own sort key; `next.sort` `'dead_letters'`.
   */
  listDeadLetters(input: {
    readonly subscriber: string
    readonly after?: KeysetCursor
    readonly limit: number
  }): Promise<KeysetPage<DeadLetter>>
  /**
   * Asks, as of `now`, for dead letters to be delivered again (all of the subscriber's when
   * `eventIds` is absent). Returns how many.
   */
  replayDeadLetters(input: { subscriber: string; eventIds?: readonly string[]; now: Date }): Promise<number>
  /** Deletes dead letters (all of the subscriber's when `eventIds` is absent). Returns how many. */
  discardDeadLetters(input: { subscriber: string; eventIds?: readonly string[] }): Promise<number>
  /**
   * Retention: deletes up to `limit` events written before `before` that every subscriber's
   * cursor has passed. Returns how many.
   */
  purge(input: { before: Date; limit: number }): Promise<number>
}
