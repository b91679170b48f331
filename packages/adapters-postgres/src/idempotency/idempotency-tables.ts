import type { ColumnType } from 'kysely'
import type { Timestamp } from '../database.js'

export interface IdempotencyKeysTable {
  scope: string
  key: string
  request_hash: string
  status: 'in_progress' | 'completed' | 'failed'
  resource_id: string | null
  response: ColumnType<unknown, string | null, string | null> | null
  created_at: Timestamp
  updated_at: Timestamp
  expires_at: Timestamp
}

export interface IdempotencyTables {
  idempotency_keys: IdempotencyKeysTable
}
