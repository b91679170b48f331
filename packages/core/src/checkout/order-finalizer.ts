import { UNITS_SOLD_TOPIC, type UnitsSoldPayload } from '../catalog/units-sold.js'
import type { Clock } from '../clock/clock.js'
import { isCommerceError } from '../errors/commerce-error.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { sumLines } from '../inventory/plan-reservation.js'
import { orderStatusChanged } from '../orders/order-status-changed.js'
import type { PaymentLedger } from '../payments/payment-ledger.js'
import type { FinishCheckoutResult } from '../ports/checkout-store.js'
import type { OrderRecord, OrderStatus } from '../ports/order-store.js'
import type { PaymentState } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'
import type { StoredCheckoutResponse } from './checkout-types.js'

const PAID: readonly PaymentState['status'][] = ['authorized', 'captured', 'partially_refunded', 'refunded']
const WAITING: readonly PaymentState['status'][] = ['requires_action', 'pending']

export interface IdempotencyRef {
  readonly scope: string
  readonly key: string
}

export interface FinalizerDeps {
  readonly storage: Storage
  /** Owns every money movement (voids and refunds of payments that must not stand). */
  readonly ledger: PaymentLedger
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  /** Called after a transaction changed a cart in storage, so a layered cart store can catch up. */
  readonly cartChanged?: (cartId: string) => Promise<unknown>
}

/**
 * Where an order awaiting payment ended: `moved` is true only when this call made the move, so
 * recovery counts each order once even when several finishers race.
 */
export interface FinalOutcome {
  /** `held`: paid, but flagged by a fraud check: held for review instead of confirmed. */
  readonly status: 'confirmed' | 'failed' | 'waiting' | 'held'
  readonly moved: boolean
  /** The order as it now stands (read again only when someone else moved it). */
  readonly order: OrderRecord
}

const ENDED: readonly OrderStatus[] = ['payment_failed', 'cancelled']

/**
 * Moves an order that awaits payment to its end, from whoever notices first: the checkout request,
 * a webhook, a retried request, or recovery. Each end is one `storage.checkout.finish` statement
 * guarded by the order's compare-and-set status, so these can race and the order still ends once,
 * with stock committed exactly when it is confirmed and no payment left authorized for a failed
 * order.
 */
export function createOrderFinalizer(deps: FinalizerDeps) {
  const { storage, ledger, clock, ids, events } = deps

  function paymentOf(order: OrderRecord, state: PaymentState | null) {
    return state && order.paymentProvider !== null
      ? { id: ids('pay'), provider: order.paymentProvider, state }
      : null
  }

  async function current(order: OrderRecord, result: FinishCheckoutResult): Promise<OrderRecord> {
    return (
      (await storage.orders.get(order.id)) ?? { ...order, status: result.status, updatedAt: result.updatedAt }
    )
  }

  /** Fails an unpaid order: stock released, promotion use given back, cart reopened, key completed. */
  async function fail(
    order: OrderRecord,
    state: PaymentState | null,
    idempotency: IdempotencyRef | undefined,
    response: StoredCheckoutResponse,
  ): Promise<FinalOutcome> {
    const note = response.kind === 'error' ? response.code : null
    const moved = orderStatusChanged(order, 'pending_payment', 'payment_failed', note, clock.now())
    const result = await storage.checkout.finish({
      orderId: order.id,
      to: 'payment_failed',
      note,
      payment: paymentOf(order, state),
      key: idempotency ?? null,
      response,
      outbox: [outboxEvent(moved, ids('evt'), order.id)],
      at: clock.now(),
    })
    if (!result.moved) {
      const now = await current(order, result)
      const status = ENDED.includes(now.status)
        ? 'failed'
        : now.status === 'held_for_review'
          ? 'held'
          : 'confirmed'
      return { status, moved: false, order: now }
    }
    if (result.reservation?.status === 'released' && order.reservationId) {
      events.emit({
        type: 'inventory.released',
        reservationId: order.reservationId,
        reference: order.id,
        reason: 'released',
        occurredAt: clock.now(),
      })
    }
    events.emit(moved)
    if (order.cartId) await deps.cartChanged?.(order.cartId)
    return {
      status: 'failed',
      moved: true,
      order: { ...order, status: 'payment_failed', updatedAt: result.updatedAt },
    }
  }

  /** Confirms a paid order: payment recorded, stock committed, units sold queued, key completed. */
  async function confirm(
    order: OrderRecord,
    state: PaymentState | null,
    idempotency?: IdempotencyRef,
  ): Promise<FinalOutcome> {
    const sold: UnitsSoldPayload = { lines: sumLines(order.lines) }
    const moved = orderStatusChanged(order, 'pending_payment', 'confirmed', null, clock.now())
    const durable = [outboxEvent(moved, ids('evt'), order.id)]
    // What storage writes instead if a fraud check flagged the order: held, nothing sold yet.
    const heldEvent = orderStatusChanged(order, 'pending_payment', 'held_for_review', null, clock.now())
    const held = {
      outbox: [outboxEvent(heldEvent, ids('evt'), order.id)],
      response: {
        kind: 'result',
        orderId: order.id,
        outcome: 'held_for_review',
        action: null,
      } satisfies StoredCheckoutResponse,
    }
    if (sold.lines.length > 0) durable.push({ topic: UNITS_SOLD_TOPIC, key: order.id, payload: sold })
    let result: FinishCheckoutResult
    try {
      result = await storage.checkout.finish({
        orderId: order.id,
        to: 'confirmed',
        note: null,
        payment: paymentOf(order, state),
        key: idempotency ?? null,
        response: { kind: 'result', orderId: order.id, outcome: 'confirmed', action: null },
        outbox: durable,
        held,
        at: clock.now(),
      })
    } catch (error) {
      // The hold ran out (3-D Secure took too long) or was released: this payment cannot buy it.
      if (!isCommerceError(error) || !error.code.startsWith('inventory.reservation_')) throw error
      const failed = await fail(order, state, idempotency, {
        kind: 'error',
        code: 'inventory.reservation_expired',
        message: `The stock held for order ${order.id} was no longer reserved when payment arrived`,
        details: { orderId: order.id },
      })
      if (state) await ledger.voidUnconfirmed(order, state)
      return failed
    }
    if (!result.moved) {
      const now = await current(order, result)
      if (ENDED.includes(now.status)) {
        if (state) await ledger.voidUnconfirmed(order, state)
        return { status: 'failed', moved: false, order: now }
      }
      return { status: now.status === 'held_for_review' ? 'held' : 'confirmed', moved: false, order: now }
    }
    if (result.status === 'held_for_review') {
      events.emit(heldEvent)
      return {
        status: 'held',
        moved: true,
        order: { ...order, status: 'held_for_review', updatedAt: result.updatedAt },
      }
    }
    if (result.reservation?.status === 'committed' && order.reservationId) {
      events.emit({
        type: 'inventory.committed',
        reservationId: order.reservationId,
        reference: order.id,
        lines: sold.lines,
        occurredAt: clock.now(),
      })
    }
    events.emit(moved)
    return {
      status: 'confirmed',
      moved: true,
      order: { ...order, status: 'confirmed', updatedAt: result.updatedAt },
    }
  }

  /**
   * Finds out from the provider what happened to an order's payment and finishes the order:
   * confirmed when a payment went through, failed when none did (voiding any that still wait),
   * left waiting while the customer may still complete an action on a live reservation.
   */
  async function reconcile(order: OrderRecord, idempotency?: IdempotencyRef): Promise<FinalOutcome> {
    if (order.status !== 'pending_payment') {
      const status = ENDED.includes(order.status)
        ? 'failed'
        : order.status === 'held_for_review'
          ? 'held'
          : 'confirmed'
      return { status, moved: false, order }
    }
    const p = ledger.providerOf(order)
    if (!p) return confirm(order, null, idempotency)
    if (clock.now().getTime() - order.createdAt.getTime() < p.findByOrderLagMs)
      return { status: 'waiting', moved: false, order }
    const states = await p.findByOrder(order.id)
    const paid = states.find((s) => PAID.includes(s.status))
    if (paid) return confirm(order, paid, idempotency)
    const reservation = order.reservationId
      ? await storage.inventory.getReservation(order.reservationId)
      : null
    const live = reservation?.status === 'active' && reservation.expiresAt > clock.now()
    const waiting = states.filter((s) => WAITING.includes(s.status))
    if (waiting.length > 0 && live) return { status: 'waiting', moved: false, order }
    const failed = await fail(order, states.at(-1) ?? null, idempotency, {
      kind: 'error',
      code: 'payment.failed',
      message: `No payment completed for order ${order.id}`,
      details: { orderId: order.id },
    })
    for (const state of waiting) await ledger.voidUnconfirmed(order, state)
    return failed
  }

  return { confirm, fail, reconcile }
}

export type OrderFinalizer = ReturnType<typeof createOrderFinalizer>
