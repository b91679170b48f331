import { z } from 'zod'
import type { CommerceEventType, EventOf } from './commerce-event.js'

/** A value as it comes back from JSON: dates are ISO-8601 strings. */
export type JsonOf<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? JsonOf<U>[]
    : T extends object
      ? { [K in keyof T]: JsonOf<T[K]> }
      : T

/** The fields of a delivery that do not depend on the event type. */
interface DeliveredEnvelope {
  /** Unique per event (`evt_…`). Delivery is at least once: dedupe on it. */
  readonly id: string
  /** The entity it is about (an order id). Events of one aggregate arrive in order. */
  readonly aggregateId: string
  /**
   * Its number among the aggregate's events: 1, 2, 3, … in commit order with no gaps, so a
   * consumer can tell a duplicate (a number it has seen) from a gap. 0 from a storage that does
   * not number events.
   */
  readonly sequence: number
  readonly schemaVersion: number
  /** ISO-8601, from the clock of the process that made the change. */
  readonly occurredAt: string
  /** This delivery: the subscriber's name and its attempt at this event, from 1. */
  readonly delivery: { readonly subscriber: string; readonly attempt: number }
}

/**
 * What a durable subscriber receives: the outbox envelope of one committed domain event. A union
 * over `T`, so checking `type` narrows `data`.
 */
export type DeliveredEvent<T extends CommerceEventType = CommerceEventType> = {
  [K in T]: DeliveredEnvelope & {
    readonly type: K
    /** The event as published in process, through JSON (dates are strings). */
    readonly data: JsonOf<EventOf<K>>
  }
}[T]

/**
 * A named subscriber whose events survive crashes: the relay delivers every committed event of
 * its types at least once, in order per aggregate, retrying with backoff and dead-lettering an
 * event after `maxAttempts` failed deliveries.
 */
export interface DurableSubscriber<T extends CommerceEventType = CommerceEventType> {
  /** Stable and unique: its cursor in storage is kept under this name. `[a-z0-9][a-z0-9._-]*`, ≤ 64. */
  readonly name: string
  /** The event types it receives, or `'*'` for all. */
  readonly events: readonly T[] | '*'
  /** Handles one event; throwing or rejecting fails the delivery, which is retried. */
  handle(event: DeliveredEvent<T>): unknown
  /** Failed deliveries of one event before it is dead-lettered. Default 8. */
  readonly maxAttempts?: number
  /**
   * Independent lanes, each with its own cursor, routed by aggregate id: events of different
   * aggregates in different lanes are delivered in parallel (by relays in several processes),
   * and a failing event holds back only its own lane. Fixed once registered. Default 1.
   */
  readonly partitions?: number
  /** Where a new subscriber starts: events committed from now on (default), or every event still kept. */
  readonly from?: 'now' | 'beginning'
}

/** Types a subscriber for its event types: `defineSubscriber({ name, events: ['order.created'], handle })`. */
export function defineSubscriber<T extends CommerceEventType>(
  subscriber: DurableSubscriber<T>,
): DurableSubscriber<T> {
  return subscriber
}

export const DEFAULT_MAX_ATTEMPTS = 8

export const subscriberSchema = z.strictObject({
  name: z
    .string()
    .max(64)
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit',
    ),
  events: z.union([z.literal('*'), z.array(z.string().min(1).max(100)).min(1).max(200)]),
  handle: z.custom<(event: DeliveredEvent) => unknown>((v) => typeof v === 'function', {
    message: 'handle must be a function',
  }),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  partitions: z.number().int().min(1).max(256).optional(),
  from: z.enum(['now', 'beginning']).optional(),
})
