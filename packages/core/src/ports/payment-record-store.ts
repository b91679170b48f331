import type { PaymentState } from './payment-provider.js'

/** Souk's record of one payment: the provider's latest known state, tied to an order. */
export interface PaymentRecord {
  readonly id: string
  readonly orderId: string
  /** The provider's id, e.g. `stripe`. */
  readonly provider: string
  readonly state: PaymentState
  readonly updatedAt: Date
}

/**
 * What Souk remembers of payments. Saves keep the newest state only (captured and refunded
 * amounts only grow, status only moves forward), so webhooks may arrive in any order and twice.
 */
export interface PaymentRecordStore {
  /**
   * Inserts or updates the record of `(provider, state.paymentId)`. A state older than the stored
   * one is ignored (`changed: false`). `id` is used only when the record is new.
   */
  save(input: {
    id: string
    orderId: string
    provider: string
    state: PaymentState
    at: Date
  }): Promise<{ record: PaymentRecord; changed: boolean }>
  /** The record of payment `paymentId` of `provider` (the provider's id, e.g. `stripe`), or null. */
  findByProviderId(query: { provider: string; paymentId: string }): Promise<PaymentRecord | null>
  /** Oldest first. */
  listByOrder(orderId: string): Promise<PaymentRecord[]>
  /** Records a refund once; recording the same refund id again changes nothing (a retried refund). */
  recordRefund(input: {
    id: string
    paymentRecordId: string
    amount: number
    reason: string | null
    providerRefundId: string
    at: Date
  }): Promise<void>
  /** True the first time `(provider, eventId)` is seen, false for a redelivery. */
  markWebhookEvent(input: { provider: string; eventId: string; at: Date }): Promise<boolean>
}
