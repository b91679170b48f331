import type { ColumnType } from 'kysely'
import type { Int8, Timestamp } from '../database.js'

export interface PaymentsTable {
  id: string
  order_id: string
  provider: string
  provider_payment_id: string
  status: string
  currency: string
  amount: Int8
  captured_amount: Int8
  refunded_amount: Int8
  state: ColumnType<unknown, string, string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface RefundsTable {
  id: string
  payment_id: string
  amount: Int8
  reason: string | null
  provider_refund_id: string | null
  created_at: Timestamp
}

export interface PaymentWebhookEventsTable {
  provider: string
  event_id: string
  received_at: Timestamp
}

export interface PaymentTables {
  payments: PaymentsTable
  refunds: RefundsTable
  payment_webhook_events: PaymentWebhookEventsTable
}
