import { createHash } from 'node:crypto'
import type { Clock } from '../clock/clock.js'
import { ConfigError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import { type Money, money } from '../money/money.js'
import type { OrderRecord } from '../ports/order-store.js'
import type { PaymentProvider, PaymentState } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'

export interface PaymentLedgerDeps {
  readonly storage: Storage
  readonly providers: ReadonlyMap<string, PaymentProvider>
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
}

/** Payment states that can still be voided (nothing was captured). */
const VOIDABLE: readonly PaymentState['status'][] = ['authorized', 'requires_action', 'pending']

/**
 * Every movement of money after authorization, in one place: capture when goods leave, void or
 * refund on cancel and return, void (or refund) a payment whose order could not be confirmed. Each
 * call uses a provider idempotency key derived from the order and payment, so a retry or a second
 * caller never moves money twice, and each records the provider's newest state.
 */
export function createPaymentLedger(deps: PaymentLedgerDeps) {
  const { storage, providers, clock, ids, events, logger } = deps

  /** The order's provider; null for an order that cost nothing. */
  function providerOf(order: OrderRecord): PaymentProvider | null {
    if (order.paymentProvider === null) return null
    const found = providers.get(order.paymentProvider)
    if (!found)
      throw new ConfigError(
        `Order ${order.id} was paid with provider ${order.paymentProvider}, which is not configured`,
      )
    return found
  }

  /** Stores a payment's newest state (older snapshots are ignored by the store). */
  async function record(order: OrderRecord, state: PaymentState, recordId?: string): Promise<void> {
    if (order.paymentProvider === null) return
    await storage.payments.save({
      id: recordId ?? ids('pay'),
      orderId: order.id,
      provider: order.paymentProvider,
      state,
      at: clock.now(),
    })
  }

  /** Captures every still-authorized payment of an order (manual capture happens when goods leave). */
  async function captureAuthorized(order: OrderRecord): Promise<void> {
    const provider = providerOf(order)
    if (!provider) return
    for (const stored of await storage.payments.listByOrder(order.id)) {
      if (stored.state.status !== 'authorized') continue
      const captured = await provider.capture({
        paymentId: stored.state.paymentId,
        idempotencyKey: `${order.id}:capture:${stored.state.paymentId}`,
      })
      await record(order, captured, stored.id)
    }
  }

  /**
   * Gives back what was paid for `order`, up to `amount` (everything when omitted: uncaptured
   * payments are voided, captured ones refunded). Idempotent per `key`. Emits `order.refunded`, in
   * process and to the outbox (after the money moved: a crash in between loses it unless the
   * caller retries, which the idempotency key makes safe).
   */
  async function giveBack(order: OrderRecord, key: string, amount?: Money): Promise<Money> {
    const provider = providerOf(order)
    let returned = money(0, order.currency)
    if (!provider) return returned
    let remaining = amount?.amount ?? Number.MAX_SAFE_INTEGER
    for (const stored of await storage.payments.listByOrder(order.id)) {
      const state = stored.state
      if (remaining <= 0) break
      if (amount === undefined && VOIDABLE.includes(state.status)) {
        const voided = await provider.void({
          paymentId: state.paymentId,
          idempotencyKey: `${key}:void:${state.paymentId}`,
        })
        await record(order, voided, stored.id)
        continue
      }
      const refundable = state.capturedAmount.amount - state.refundedAmount.amount
      const take = Math.min(refundable, remaining)
      if (take <= 0) continue
      const refund = await provider.refund({
        paymentId: state.paymentId,
        amount: money(take, order.currency),
        idempotencyKey: `${key}:refund:${state.paymentId}`,
      })
      await record(order, refund, stored.id)
      await storage.payments.recordRefund({
        id: refund.refundId,
        paymentRecordId: stored.id,
        amount: take,
        reason: key,
        providerRefundId: refund.refundId,
        at: clock.now(),
      })
      remaining -= take
      returned = money(returned.amount + take, order.currency)
    }
    if (returned.amount > 0) {
      const refunded = {
        type: 'order.refunded' as const,
        orderId: order.id,
        amount: returned,
        occurredAt: clock.now(),
      }
      // Durable too. The id comes from the idempotency key: a retried cancel or return gives the
      // same money back and announces it under the same id, so subscribers dedupe it.
      const eventId = `evt_${createHash('sha256').update(`${key}:refunded`).digest('hex').slice(0, 26)}`
      await storage.outbox.enqueue({
        messages: [outboxEvent(refunded, eventId, order.id)],
        now: refunded.occurredAt,
      })
      events.emit(refunded)
    }
    return returned
  }

  /**
   * Voids (or refunds, if it was captured) a payment whose order could not be confirmed: no charge
   * without an order. Failures are logged, never thrown; recovery tries again.
   */
  async function voidUnconfirmed(order: OrderRecord, state: PaymentState): Promise<void> {
    const provider = providerOf(order)
    if (!provider) return
    try {
      if (state.status === 'captured') {
        const refund = await provider.refund({
          paymentId: state.paymentId,
          amount: state.capturedAmount,
          idempotencyKey: `${order.id}:refund-unconfirmed`,
        })
        await record(order, refund)
      } else if (VOIDABLE.includes(state.status)) {
        await record(
          order,
          await provider.void({ paymentId: state.paymentId, idempotencyKey: `${order.id}:void` }),
        )
      }
    } catch (error) {
      logger.error('void of an unconfirmed order failed; recovery will retry', {
        orderId: order.id,
        paymentId: state.paymentId,
        error: String(error),
      })
    }
  }

  return { providerOf, record, captureAuthorized, giveBack, voidUnconfirmed }
}

export type PaymentLedger = ReturnType<typeof createPaymentLedger>
