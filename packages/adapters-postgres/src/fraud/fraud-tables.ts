import type { ColumnType } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

type Json<T> = ColumnType<T, string, string>

/** Migration 016: one row per velocity subject (a SHA-256 digest), its lock and attempt counter. */
export interface FraudVelocitySubjectsTable {
  digest: string
  last_seq: Int8
  last_at: Timestamp
}

/** Migration 016: checkout attempts per subject, once per idempotency key. */
export interface FraudAttemptsTable {
  digest: string
  attempt_key: string
  seq: Int8
  at: Timestamp
}

/** Migration 016: orders a fraud check flagged, held and decided. */
export interface OrderReviewsTable {
  order_id: string
  status: 'pending' | 'approved' | 'rejected'
  reasons: Json<unknown>
  flagged_at: Timestamp
  held_at: Timestamp | null
  hold_until: Timestamp
  decided_at: Timestamp | null
  decided_by: string | null
  note: string | null
}

export interface FraudTables {
  fraud_velocity_subjects: FraudVelocitySubjectsTable
  fraud_attempts: FraudAttemptsTable
  order_reviews: OrderReviewsTable
}
