import type { ColumnType, Generated } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

/**
 * The transactional outbox (migrations 002, 004 and 009): messages for Souk's consumers and, under
 * topic `commerce.event`, the domain events the event log reads.
 */
export interface OutboxTable {
  id: Generated<Int8>
  topic: string
  key: string
  payload: ColumnType<unknown, string, string>
  created_at: Timestamp
  available_at: Timestamp
  attempts: Generated<number>
  last_error: string | null
  processed_at: Timestamp | null
  /** Lease of a claimed message (004). */
  locked_until: Timestamp | null
  /** The writing transaction (xid8, read back as a string), the event log's order (009). */
  tx: Generated<string>
}

/** A durable subscriber's position in one partition of the event log (009). */
export interface EventCursorsTable {
  subscriber: string
  partition: number
  partitions: number
  cursor_tx: string
  cursor_id: Int8
  attempts: Generated<number>
  next_at: Timestamp
  last_error: string | null
  lease_token: string | null
  locked_until: Timestamp | null
  leased_seq: Generated<Int8>
  created_at: Timestamp
}

/** An event a durable subscriber gave up on, kept for inspection and replay (009). */
export interface EventDeadLettersTable {
  subscriber: string
  event_id: string
  partition: number
  type: string
  aggregate_id: string
  payload: ColumnType<unknown, string, string>
  attempts: number
  last_error: string | null
  dead_at: Timestamp
  replay_requested_at: Timestamp | null
}

/** The last sequence number given to each aggregate's domain events (009). */
export interface EventSequencesTable {
  aggregate_id: string
  last_sequence: Int8
}

export interface OutboxTables {
  outbox: OutboxTable
  event_cursors: EventCursorsTable
  event_dead_letters: EventDeadLettersTable
  event_sequences: EventSequencesTable
}
