import { unitsSoldMessage } from '../catalog/units-sold.js'
import type { Clock } from '../clock/clock.js'
import { isCommerceError } from '../errors/commerce-error.js'
import { ConfigError, InvalidTransitionError, NotFoundError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { sumLines } from '../inventory/plan-reservation.js'
import type { Logger } from '../logger/logger.js'
import { orderStatusChanged } from '../orders/order-status-changed.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import { createPaymentLedger, type PaymentLedger } from '../payments/payment-ledger.js'
import type { FraudStore, OrderReview } from '../ports/fraud-store.js'
import type { OrderRecord } from '../ports/order-store.js'
import type { NewOutboxMessage } from '../ports/outbox-store.js'
import type { PaymentProvider } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type GetReviewInput,
  getReviewSchema,
  type ListHeldInput,
  listHeldSchema,
  type ReviewDecisionInput,
  reviewDecisionSchema,
} from './fraud-schemas.js'

/** An order held for review, with why. */
export interface HeldOrder {
  readonly order: OrderRecord
  readonly review: OrderReview
}

/** `commerce.fraud`: the staff side of the fraud hook. */
export interface FraudReviewService {
  /** Orders held for review, oldest held first, `limit` (default 20, at most 100) per page. */
  listHeld(input?: ListHeldInput): Promise<CursorPage<HeldOrder>>
  /** The review of an order (also once decided); `not_found` when it was never flagged. */
  getReview(input: GetReviewInput): Promise<OrderReview>
  /**
   * Approves a held order: its stock is committed, it is confirmed, and its payment captured.
   * Safe to call again (a failed capture is retried). `order.invalid_transition` unless held (or
   * already approved); `inventory.reservation_expired` when its hold ran out (recovery rejects it).
   */
  approve(input: ReviewDecisionInput): Promise<OrderRecord>
  /**
   * Rejects a held order: cancelled, stock released, promotion use given back, payment voided (or
   * refunded). Safe to call again (a failed void is retried). `order.invalid_transition` unless
   * held (or already rejected).
   */
  reject(input: ReviewDecisionInput): Promise<OrderRecord>
}

export interface FraudReviewServiceDeps {
  /** Needs `storage.fraud` (postgresStorage has one); without it every call throws `ConfigError`. */
  readonly storage: Storage
  /** Configured payment providers: approving captures, rejecting voids or refunds through them. */
  readonly providers: readonly PaymentProvider[]
  readonly clock: Clock
  /** Ids of the events written to the outbox. */
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
}

/** `commerce.fraud` on its own, for a host that wires services without `createCommerce`. */
export function createFraudReviewService(deps: FraudReviewServiceDeps): FraudReviewService {
  const { storage, clock, ids, events, logger } = deps
  const providers = new Map(deps.providers.map((p) => [p.id, p]))
  const ledger = createPaymentLedger({ storage, providers, clock, ids, events, logger })
  return createOrderReviews({ storage, ledger, clock, ids, events, logger }).service
}

export interface OrderReviewsDeps {
  readonly storage: Storage
  readonly ledger: PaymentLedger
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
}

export function createOrderReviews(deps: OrderReviewsDeps) {
  const { storage, ledger, clock, ids, events } = deps

  function store(): FraudStore {
    if (!storage.fraud)
      throw new ConfigError('Fraud reviews need a storage with `fraud` (postgresStorage has one)', [
        { path: 'storage', message: 'storage has no fraud store' },
      ])
    return storage.fraud
  }

  async function load(orderId: string): Promise<{ order: OrderRecord; review: OrderReview | null }> {
    const [order, review] = await Promise.all([storage.orders.get(orderId), store().get(orderId)])
    if (!order) throw new NotFoundError('order', orderId)
    return { order, review }
  }

  /** Moves a held order to `to` in one `checkout.finish`, or finds it already there by this decision. */
  async function decide(
    orderId: string,
    to: 'confirmed' | 'cancelled',
    decidedBy: string | null,
    note: string | null,
  ): Promise<OrderRecord> {
    const verdict = to === 'confirmed' ? 'approved' : 'rejected'
    const { order, review } = await load(orderId)
    if (order.status === to && review?.status === verdict) return order
    if (order.status !== 'held_for_review')
      throw new InvalidTransitionError('order', order.id, order.status, to)
    const at = clock.now()
    const moved = orderStatusChanged(order, 'held_for_review', to, note, at)
    const outbox: NewOutboxMessage[] = [outboxEvent(moved, ids('evt'), order.id)]
    const sold = sumLines(order.lines)
    if (to === 'confirmed') {
      const message = unitsSoldMessage(order.id, sold)
      if (message) outbox.push(message)
    }
    const result = await storage.checkout.finish({
      orderId: order.id,
      from: 'held_for_review',
      to,
      note,
      decidedBy,
      payment: null,
      key: null,
      response: null,
      outbox,
      at,
    })
    if (!result.moved) {
      // Someone else decided first: fine if they decided the same.
      const again = await load(orderId)
      if (again.order.status === to && again.review?.status === verdict) return again.order
      if (again.order.status !== 'held_for_review')
        throw new InvalidTransitionError('order', order.id, again.order.status, to)
      return decide(orderId, to, decidedBy, note)
    }
    if (order.reservationId && result.reservation) {
      if (result.reservation.status === 'committed')
        events.emit({
          type: 'inventory.committed',
          reservationId: order.reservationId,
          reference: order.id,
          lines: sold,
          occurredAt: at,
        })
      else if (result.reservation.status === 'released')
        events.emit({
          type: 'inventory.released',
          reservationId: order.reservationId,
          reference: order.id,
          reason: 'released',
          occurredAt: at,
        })
    }
    events.emit(moved)
    return { ...order, status: to, updatedAt: result.updatedAt }
  }

  async function approve(input: ReviewDecisionInput): Promise<OrderRecord> {
    const { orderId, decidedBy, note } = parseInput(reviewDecisionSchema, input, 'review decision')
    const order = await decide(orderId, 'confirmed', decidedBy ?? null, note ?? null)
    // Staff looked at it: take the money now rather than when it ships.
    await ledger.captureAuthorized(order)
    return (await storage.orders.get(order.id)) ?? order
  }

  async function reject(input: ReviewDecisionInput): Promise<OrderRecord> {
    const { orderId, decidedBy, note } = parseInput(reviewDecisionSchema, input, 'review decision')
    const order = await decide(orderId, 'cancelled', decidedBy ?? null, note ?? null)
    await ledger.giveBack(order, `${order.id}:review-reject`)
    return (await storage.orders.get(order.id)) ?? order
  }

  /**
   * Rejects held orders whose review window ended, so no held order keeps stock forever. Returns
   * how many this call rejected.
   */
  async function rejectOverdue(limit: number): Promise<number> {
    const fraud = storage.fraud
    if (!fraud) return 0
    let rejected = 0
    for (const orderId of await fraud.listOverdue({ at: clock.now(), limit })) {
      try {
        await reject({ orderId, decidedBy: 'souk:recovery', note: 'The review window ended' })
        rejected++
      } catch (error) {
        if (isCommerceError(error, 'order.invalid_transition')) continue
        deps.logger.error('recovery could not reject an overdue held order; will retry', {
          orderId,
          error: String(error),
        })
      }
    }
    return rejected
  }

  const service: FraudReviewService = {
    async listHeld(input = {}) {
      const { cursor, limit } = parseInput(listHeldSchema, input, 'held order query')
      const page = await store().listHeld({ after: afterCursor(cursor, 'held_orders'), limit })
      const orders = await Promise.all(page.items.map((r) => storage.orders.get(r.orderId)))
      const items: HeldOrder[] = []
      page.items.forEach((review, i) => {
        const order = orders[i]
        if (order) items.push({ order, review })
      })
      return toCursorPage({ items, next: page.next })
    },
    async getReview(input) {
      const { orderId } = parseInput(getReviewSchema, input, 'order reference')
      const review = await store().get(orderId)
      if (!review) throw new NotFoundError('order review', orderId)
      return review
    },
    approve,
    reject,
  }
  return { service, rejectOverdue }
}
