import {
  type PaymentRecord,
  type PaymentRecordStore,
  type PaymentState,
  paymentStateSupersedes,
} from '@souk/core'
import type { Kysely, Selectable } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'
import type { PaymentsTable } from './payment-tables.js'

type StoredState = Omit<PaymentState, 'createdAt'> & { createdAt: string }

function toRecord(row: Selectable<PaymentsTable>): PaymentRecord {
  const stored = parseJson<StoredState>(row.state)
  return {
    id: row.id,
    orderId: row.order_id,
    provider: row.provider,
    state: { ...stored, createdAt: new Date(stored.createdAt) },
    updatedAt: row.updated_at,
  }
}

/** Payment records on Postgres; a save locks the row so concurrent webhooks apply in turn. */
export function createPostgresPaymentRecordStore(db: Kysely<SoukDatabase>): PaymentRecordStore {
  return {
    save: ({ id, orderId, provider, state, at }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const columns = {
            status: state.status,
            currency: state.amount.currency,
            amount: state.amount.amount,
            captured_amount: state.capturedAmount.amount,
            refunded_amount: state.refundedAmount.amount,
            state: JSON.stringify(state),
            updated_at: at,
          }
          const inserted = await trx
            .insertInto('payments')
            .values({
              id,
              order_id: orderId,
              provider,
              provider_payment_id: state.paymentId,
              created_at: at,
              ...columns,
            })
            .onConflict((oc) => oc.columns(['provider', 'provider_payment_id']).doNothing())
            .returningAll()
            .executeTakeFirst()
          if (inserted) return { record: toRecord(inserted), changed: true }
          const current = await trx
            .selectFrom('payments')
            .selectAll()
            .where('provider', '=', provider)
            .where('provider_payment_id', '=', state.paymentId)
            .forUpdate()
            .executeTakeFirstOrThrow()
          const record = toRecord(current)
          if (!paymentStateSupersedes(record.state, state)) return { record, changed: false }
          const updated = await trx
            .updateTable('payments')
            .set(columns)
            .where('id', '=', current.id)
            .returningAll()
            .executeTakeFirstOrThrow()
          return { record: toRecord(updated), changed: true }
        }),
      ),

    findByProviderId: ({ provider, paymentId }) =>
      withMappedErrors(async () => {
        const row = await db
          .selectFrom('payments')
          .selectAll()
          .where('provider', '=', provider)
          .where('provider_payment_id', '=', paymentId)
          .executeTakeFirst()
        return row ? toRecord(row) : null
      }),

    listByOrder: (orderId) =>
      withMappedErrors(async () => {
        const rows = await db
          .selectFrom('payments')
          .selectAll()
          .where('order_id', '=', orderId)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        return rows.map(toRecord)
      }),

    recordRefund: ({ id, paymentRecordId, amount, reason, providerRefundId, at }) =>
      withMappedErrors(async () => {
        await db
          .insertInto('refunds')
          .values({
            id,
            payment_id: paymentRecordId,
            amount,
            reason,
            provider_refund_id: providerRefundId,
            created_at: at,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute()
      }),

    markWebhookEvent: ({ provider, eventId, at }) =>
      withMappedErrors(async () => {
        const row = await db
          .insertInto('payment_webhook_events')
          .values({ provider, event_id: eventId, received_at: at })
          .onConflict((oc) => oc.doNothing())
          .returning('event_id')
          .executeTakeFirst()
        return row !== undefined
      }),
  }
}
