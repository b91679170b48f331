import type { NewOutboxMessage } from '../ports/outbox-store.js'
import type { CommerceEvent } from './commerce-event.js'

/** The outbox topic domain events are written to, in the transaction that makes the change. */
export const DOMAIN_EVENT_TOPIC = 'commerce.event'
/** Version of the envelope and payload shapes below; bumped on an incompatible change. */
export const EVENT_SCHEMA_VERSION = 1

/** A domain event as stored in the outbox: the in-process event plus what a consumer dedupes on. */
export interface OutboxEventEnvelope {
  /** Unique per event (`evt_<ulid>`): deliveries are at least once, so consumers dedupe on it. */
  readonly id: string
  readonly type: CommerceEvent['type']
  /** The entity it is about (an order id); the outbox key, so events of one entity stay in order. */
  readonly aggregateId: string
  readonly schemaVersion: number
  /**
   * The event's number among its aggregate's events (1, 2, 3, … in commit order, no gaps), set by
   * the storage as it writes the event; absent before that.
   */
  readonly sequence?: number
  /** ISO-8601, from the injected clock. */
  readonly occurredAt: string
  readonly data: CommerceEvent
}

/** Wraps an event for the outbox, keyed by its aggregate. */
export function outboxEvent(event: CommerceEvent, id: string, aggregateId: string): NewOutboxMessage {
  const payload: OutboxEventEnvelope = {
    id,
    type: event.type,
    aggregateId,
    schemaVersion: EVENT_SCHEMA_VERSION,
    occurredAt: event.occurredAt.toISOString(),
    data: event,
  }
  return { topic: DOMAIN_EVENT_TOPIC, key: aggregateId, payload }
}
