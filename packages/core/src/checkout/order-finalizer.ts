import type { Clock } from '../clock/clock.js'
import { isCommerceError } from '../errors/commerce-error.js'
import { ConfigError } from '../errors/error-classes.js'
import type { CommerceEvent } from '../events/commerce-event.js'
import type { EventBus } from '../events/event-bus.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import type { OrderRecord, OrderStatus } from '../ports/order-store.js'
import type { PaymentProvider, PaymentState } from '../ports/payment-provider.js'
import type { Storage, StorageStores } from '../ports/storage.js'
import type { StoredCheckoutResponse } from './checkout-types.js'

const PAID: readonly PaymentState['status'][] = ['authorized', 'captured', 'partially_refunded', 'refunded']
const WAITING: readonly PaymentState['status'][] = ['requires_action', 'pending']

export interface IdempotencyRef {
  readonly scope: string
  readonly key: string
}

export interface FinalizerDeps {
  readonly storage: Storage
  readonly providers: ReadonlyMap<string, PaymentProvider>
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
  /** Called after a transaction changed a cart in storage, so a layered cart store can catch up. */
  readonly cartChanged?: (cartId: string) => Promise<unknown>
}

export type FinalOutcome = 'confirmed' | 'failed' | 'waiting'

/**
 * Moves an order that awaits payment to its end, from whoever notices first: the checkout request,
 * a webhook, a retried request, or recovery. Every step is idempotent and guarded by the order's
 * compare-and-set status, so these can race and the order still ends once, with stock committed
 * exactly when it is confirmed and no payment left authorized for a failed order.
 */
export function createOrderFinalizer(deps: FinalizerDeps) {
  const { storage, providers, clock, ids, events, logger } = deps

  function provider(order: OrderRecord): PaymentProvider | null {
    if (order.paymentProvider === null) return null
    const found = providers.get(order.paymentProvider)
    if (!found)
      throw new ConfigError(
        `Order ${order.id} was paid with provider ${order.paymentProvider}, which is not configured`,
      )
    return found
  }

  function statusChanged(
    order: OrderRecord,
    from: OrderStatus,
    to: OrderStatus,
    note: string | null,
  ): CommerceEvent {
    return {
      type: 'order.status_changed',
      orderId: order.id,
      customerId: order.customerId,
      from,
      to,
      note,
      occurredAt: clock.now(),
    }
  }

  async function savePayment(stores: StorageStores, order: OrderRecord, state: PaymentState): Promise<void> {
    if (order.paymentProvider === null) return
    await stores.payments.save({
      id: ids('pay'),
      orderId: order.id,
      provider: order.paymentProvider,
      state,
      at: clock.now(),
    })
  }

  async function completeKey(
    stores: StorageStores,
    idempotency: IdempotencyRef | undefined,
    order: OrderRecord,
    response: StoredCheckoutResponse,
  ) {
    if (!idempotency) return
    await stores.idempotency.complete({ ...idempotency, response, resourceId: order.id, at: clock.now() })
  }

  /** Voids a payment that must not stand (its order could not be confirmed). Logged, never thrown. */
  async function voidQuietly(order: OrderRecord, state: PaymentState): Promise<void> {
    const p = provider(order)
    if (!p || !['authorized', 'requires_action', 'pending'].includes(state.status)) {
      if (p && state.status === 'captured') {
        await p
          .refund({
            paymentId: state.paymentId,
            amount: state.capturedAmount,
            idempotencyKey: `${order.id}:refund-unconfirmed`,
          })
          .catch((error: unknown) =>
            logger.error('refund of an unconfirmed order failed; refund it by hand', {
              orderId: order.id,
              paymentId: state.paymentId,
              error: String(error),
            }),
          )
      }
      return
    }
    try {
      const voided = await p.void({ paymentId: state.paymentId, idempotencyKey: `${order.id}:void` })
      await storage.transaction((stores) => savePayment(stores, order, voided))
    } catch (error) {
      logger.error('void of an unconfirmed order failed; recovery will retry', {
        orderId: order.id,
        paymentId: state.paymentId,
        error: String(error),
      })
    }
  }

  /** Confirms a paid order: payment recorded, stock committed, units sold counted, key completed. */
  async function confirm(
    order: OrderRecord,
    state: PaymentState | null,
    idempotency?: IdempotencyRef,
  ): Promise<FinalOutcome> {
    const published: CommerceEvent[] = []
    try {
      const moved = await storage.transaction(async (stores) => {
        if (state) await savePayment(stores, order, state)
        const ok = await stores.orders.transition({
          id: order.id,
          from: 'pending_payment',
          to: 'confirmed',
          at: clock.now(),
        })
        if (!ok) return false
        if (order.reservationId) {
          const change = await stores.inventory.commitReservation(order.reservationId, clock.now())
          if (change.changed) {
            published.push({
              type: 'inventory.committed',
              reservationId: change.reservation.id,
              reference: change.reservation.reference,
              lines: change.reservation.lines,
              occurredAt: clock.now(),
            })
          }
        }
        await stores.catalog.addUnitsSold(order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })))
        await completeKey(stores, idempotency, order, {
          kind: 'result',
          orderId: order.id,
          outcome: 'confirmed',
          action: null,
        })
        published.push(statusChanged(order, 'pending_payment', 'confirmed', null))
        return true
      })
      for (const event of published) events.emit(event)
      if (moved) return 'confirmed'
      const current = await storage.orders.get(order.id)
      if (current?.status === 'payment_failed' || current?.status === 'cancelled') {
        if (state) await voidQuietly(order, state)
        return 'failed'
      }
      return 'confirmed'
    } catch (error) {
      // The hold ran out (3-D Secure took too long) or was released: this payment cannot buy it.
      if (isCommerceError(error) && error.code.startsWith('inventory.reservation_')) {
        await fail(order, state, idempotency, {
          kind: 'error',
          code: 'inventory.reservation_expired',
          message: `The stock held for order ${order.id} was no longer reserved when payment arrived`,
          details: { orderId: order.id },
        })
        if (state) await voidQuietly(order, state)
        return 'failed'
      }
      throw error
    }
  }

  /** Fails an unpaid order: stock released, promotion use given back, cart reopened, key completed. */
  async function fail(
    order: OrderRecord,
    state: PaymentState | null,
    idempotency: IdempotencyRef | undefined,
    response: StoredCheckoutResponse,
  ): Promise<void> {
    const published: CommerceEvent[] = []
    await storage.transaction(async (stores) => {
      if (state) await savePayment(stores, order, state)
      const moved = await stores.orders.transition({
        id: order.id,
        from: 'pending_payment',
        to: 'payment_failed',
        at: clock.now(),
      })
      if (moved) {
        if (order.reservationId) {
          const change = await stores.inventory.releaseReservation(order.reservationId, clock.now())
          if (change.changed) {
            published.push({
              type: 'inventory.released',
              reservationId: change.reservation.id,
              reference: change.reservation.reference,
              reason: 'released',
              occurredAt: clock.now(),
            })
          }
        }
        await stores.promotions.releaseRedemption(order.id)
        if (order.cartId) {
          const cart = await stores.carts.get(order.cartId)
          if (cart && cart.orderId === order.id)
            await stores.carts.save({ ...cart, orderId: null, updatedAt: clock.now() }, cart.version)
        }
        published.push(
          statusChanged(
            order,
            'pending_payment',
            'payment_failed',
            response.kind === 'error' ? response.code : null,
          ),
        )
      }
      await completeKey(stores, idempotency, order, response)
    })
    for (const event of published) events.emit(event)
    if (order.cartId) await deps.cartChanged?.(order.cartId)
  }

  /**
   * Finds out from the provider what happened to an order's payment and finishes the order:
   * confirmed when a payment went through, failed when none did (voiding any that still wait),
   * left waiting while the customer may still complete an action on a live reservation.
   */
  async function reconcile(order: OrderRecord, idempotency?: IdempotencyRef): Promise<FinalOutcome> {
    if (order.status !== 'pending_payment')
      return order.status === 'payment_failed' || order.status === 'cancelled' ? 'failed' : 'confirmed'
    const p = provider(order)
    if (!p) return confirm(order, null, idempotency)
    if (clock.now().getTime() - order.createdAt.getTime() < p.findByOrderLagMs) return 'waiting'
    const states = await p.findByOrder(order.id)
    const paid = states.find((s) => PAID.includes(s.status))
    if (paid) return confirm(order, paid, idempotency)
    const reservation = order.reservationId
      ? await storage.inventory.getReservation(order.reservationId)
      : null
    const live = reservation?.status === 'active' && reservation.expiresAt > clock.now()
    const waiting = states.filter((s) => WAITING.includes(s.status))
    if (waiting.length > 0 && live) return 'waiting'
    await fail(order, states.at(-1) ?? null, idempotency, {
      kind: 'error',
      code: 'payment.failed',
      message: `No payment completed for order ${order.id}`,
      details: { orderId: order.id },
    })
    for (const state of waiting) await voidQuietly(order, state)
    return 'failed'
  }

  return { confirm, fail, reconcile, voidQuietly, provider }
}

export type OrderFinalizer = ReturnType<typeof createOrderFinalizer>
