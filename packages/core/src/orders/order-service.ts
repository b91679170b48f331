import { createHash } from 'node:crypto'
import { unitsSoldMessage } from '../catalog/units-sold.js'
import type { Clock } from '../clock/clock.js'
import { NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import { allocateEvenly } from '../money/allocate.js'
import { add, type Money, sum } from '../money/money.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import { createPaymentLedger } from '../payments/payment-ledger.js'
import type {
  OrderRecord,
  OrderStatus,
  SellerDailyFigures,
  SellerProductFigures,
  SellerSalesFigures,
} from '../ports/order-store.js'
import type { PaymentProvider } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type CancelOrderInput,
  cancelOrderSchema,
  type GetOrderInput,
  getOrderSchema,
  type ListCustomerOrdersInput,
  type ListSellerOrdersInput,
  listCustomerOrdersSchema,
  listSellerOrdersSchema,
  type ReceiveReturnInput,
  type RequestReturnInput,
  receiveReturnSchema,
  requestReturnSchema,
  type SellerAnalyticsInput,
  sellerAnalyticsSchema,
  type TransitionOrderInput,
  transitionOrderSchema,
} from './order-schemas.js'
import { assertTransition } from './order-state-machine.js'
import { orderStatusChanged } from './order-status-changed.js'

export interface OrderServiceDeps {
  readonly storage: Storage
  /** Configured payment providers; cancellations and returns void or refund through them. */
  readonly providers: readonly PaymentProvider[]
  readonly clock: Clock
  /** Ids of the events written to the outbox. */
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
}

/**
 * A seller's kept sales over a window: units less returns, revenue after discounts and before tax,
 * tax apart. Every figure is in one currency; different currencies are never summed.
 */
export interface SellerAnalytics {
  /** The window's figures keyed by currency code; only currencies with kept sales appear. */
  readonly totals: Readonly<Record<string, SellerSalesFigures>>
  /** Per UTC day of the order and currency, by day then currency; days without kept sales are left out. */
  readonly days: readonly SellerDailyFigures[]
  /** Up to `top` products per currency by kept units, by currency then rank. */
  readonly topProducts: readonly SellerProductFigures[]
}

/** Adds up daily figures per currency, in currency-code order. */
function totalsByCurrency(days: readonly SellerDailyFigures[]): Record<string, SellerSalesFigures> {
  const totals = new Map<string, SellerSalesFigures>()
  for (const { currency, units, revenue, tax } of days) {
    const seen = totals.get(currency)
    totals.set(
      currency,
      seen
        ? {
            currency,
            units: seen.units + units,
            revenue: add(seen.revenue, revenue),
            tax: add(seen.tax, tax),
          }
        : { currency, units, revenue, tax },
    )
  }
  return Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** A page of orders; pass `nextCursor` back as `cursor` for the following one. */
export type OrderPage = CursorPage<OrderRecord>

/** `commerce.orders`: reading orders, their state machine, cancellations and returns. */
export interface OrderService {
  /** With `customerId`, another customer's order answers `not_found`. */
  get(input: GetOrderInput): Promise<OrderRecord>
  history(
    input: GetOrderInput,
  ): Promise<{ from: OrderStatus | null; to: OrderStatus; at: Date; note: string | null }[]>
  /** The customer's orders, newest first, `limit` (default 20, at most 100) per page. */
  listForCustomer(input: ListCustomerOrdersInput): Promise<OrderPage>
  /** Orders holding the seller's items, with only their lines, newest first; paged like `listForCustomer`. */
  listForSeller(input: ListSellerOrdersInput): Promise<OrderPage>
  /**
   * Kept sales of a seller's lines in orders placed in `[from, to)`: cancelled, failed and unpaid
   * orders count nothing, received returns are taken off, tax is reported apart from revenue, and
   * each currency is reported on its own. Refunds without a return change nothing here.
   */
  sellerAnalytics(input: SellerAnalyticsInput): Promise<SellerAnalytics>
  /** Staff moves through fulfilment; an invalid move throws `order.invalid_transition`. */
  transition(input: TransitionOrderInput): Promise<OrderRecord>
  /**
   * Cancels before shipping: unpaid orders release their stock, paid ones restock it; the payment
   * is voided or refunded. Safe to call again: a cancelled order retries any payment step that failed.
   */
  cancel(input: CancelOrderInput): Promise<OrderRecord>
  /** A customer asks to return delivered items. */
  requestReturn(input: RequestReturnInput): Promise<OrderRecord>
  /** Staff received returned items: restocks them and refunds their share of the line totals. */
  receiveReturn(input: ReceiveReturnInput): Promise<OrderRecord>
}

export function createOrderService(deps: OrderServiceDeps): OrderService {
  const { storage, clock, ids, events, logger } = deps
  const providers = new Map(deps.providers.map((p) => [p.id, p]))
  // Every money movement (captures, voids, refunds) goes through the ledger, as in checkout.
  const ledger = createPaymentLedger({ storage, providers, clock, ids, events, logger })

  async function load(orderId: string, customerId: string | undefined): Promise<OrderRecord> {
    const order = await storage.orders.get(orderId)
    if (!order || (customerId !== undefined && order.customerId !== customerId))
      throw new NotFoundError('order', orderId)
    return order
  }

  async function move(
    order: OrderRecord,
    to: OrderStatus,
    note: string | null,
    extra?: (
      stores: Parameters<Parameters<Storage['transaction']>[0]>[0],
      from: OrderRecord,
    ) => Promise<void>,
  ): Promise<OrderRecord> {
    assertTransition(order.id, order.status, to)
    const event = orderStatusChanged(order, order.status, to, note, clock.now())
    const moved = await storage.transaction(async (stores) => {
      const ok = await stores.orders.transition({
        id: order.id,
        from: order.status,
        to,
        at: clock.now(),
        ...(note ? { note } : {}),
      })
      // `order` is what was actually moved, which after a lost race is not what the caller loaded.
      if (ok && extra) await extra(stores, order)
      // Durable subscribers get the change from the outbox, committed with it.
      if (ok)
        await stores.outbox.enqueue({
          messages: [outboxEvent(event, ids('evt'), order.id)],
          now: event.occurredAt,
        })
      return ok
    })
    const current = (await storage.orders.get(order.id))!
    if (!moved) {
      // Someone else moved it first; judge the request against where it is now.
      assertTransition(order.id, current.status, to)
      return move(current, to, note, extra)
    }
    events.emit(event)
    return current
  }

  /** Puts committed units back on hand where they were taken from. */
  async function restock(
    stores: Parameters<Parameters<Storage['transaction']>[0]>[0],
    order: OrderRecord,
    quantities: ReadonlyMap<string, number>,
  ) {
    const reservation = order.reservationId
      ? await stores.inventory.getReservation(order.reservationId)
      : null
    for (const [sku, quantity] of quantities) {
      const allocations = reservation?.allocations.filter((a) => a.sku === sku) ?? []
      let left = quantity
      for (const allocation of allocations) {
        const take = Math.min(left, allocation.quantity)
        if (take > 0)
          await stores.inventory.adjustOnHand({
            sku,
            locationId: allocation.locationId,
            delta: take,
            at: clock.now(),
          })
        left -= take
      }
    }
  }

  /**
   * Enqueues the reversal of units sold for `quantities` (by SKU) of a paid order, in the caller's
   * transaction: the units-sold applier subtracts them with the sales.
   */
  async function takeBackUnitsSold(
    stores: Parameters<Parameters<Storage['transaction']>[0]>[0],
    order: OrderRecord,
    quantities: Iterable<readonly [string, number]>,
  ) {
    const message = unitsSoldMessage(
      order.id,
      Array.from(quantities, ([sku, quantity]) => ({ sku, quantity: -quantity })),
    )
    if (message) await stores.outbox.enqueue({ messages: [message], now: clock.now() })
  }

  return {
    async get(input) {
      const { orderId, customerId } = parseInput(getOrderSchema, input, 'order reference')
      return load(orderId, customerId)
    },

    async history(input) {
      const { orderId, customerId } = parseInput(getOrderSchema, input, 'order reference')
      await load(orderId, customerId)
      return storage.orders.history(orderId)
    },

    async listForCustomer(input) {
      const { customerId, cursor, limit } = parseInput(listCustomerOrdersSchema, input, 'order query')
      const after = afterCursor(cursor, 'customer_orders')
      return toCursorPage(await storage.orders.listForCustomer({ customerId, after, limit }))
    },

    async listForSeller(input) {
      const { sellerId, cursor, limit } = parseInput(listSellerOrdersSchema, input, 'seller order query')
      const after = afterCursor(cursor, 'seller_orders')
      return toCursorPage(await storage.orders.listForSeller({ sellerId, after, limit }))
    },

    async sellerAnalytics(input) {
      const { sellerId, from, to, top } = parseInput(sellerAnalyticsSchema, input, 'seller analytics query')
      const [days, topProducts] = await Promise.all([
        storage.orders.sellerDailyFigures({ sellerId, from, to }),
        storage.orders.sellerTopProducts({ sellerId, from, to, limit: top }),
      ])
      return { totals: totalsByCurrency(days), days, topProducts }
    },

    async transition(input) {
      const { orderId, to, note } = parseInput(transitionOrderSchema, input, 'order transition')
      const order = await load(orderId, undefined)
      // Goods leaving without a shipment record still take the money, so a return can refund it.
      if (to === 'shipped' || to === 'partially_shipped') {
        assertTransition(order.id, order.status, to)
        await ledger.captureAuthorized(order)
      }
      return move(order, to, note ?? null)
    },

    async cancel(input) {
      const { orderId, customerId, reason } = parseInput(cancelOrderSchema, input, 'cancellation')
      let order = await load(orderId, customerId)
      if (order.status !== 'cancelled') {
        order = await move(order, 'cancelled', reason ?? null, async (stores, from) => {
          // Judged on the status actually left: checkout may have confirmed it since it was loaded.
          // A held order (fraud review) was authorized but never sold: its stock is only reserved.
          const wasPaid = from.status !== 'pending_payment' && from.status !== 'held_for_review'
          if (wasPaid)
            await takeBackUnitsSold(
              stores,
              from,
              from.lines.map((l) => [l.sku, l.quantity - l.returnedQuantity]),
            )
          if (!from.reservationId) return
          if (wasPaid) {
            await restock(stores, from, new Map(from.lines.map((l) => [l.sku, l.quantity])))
          } else {
            // Promotion before stock: the order checkout takes these locks in, so the two never deadlock.
            await stores.promotions.releaseRedemption(from.id)
            await stores.inventory.releaseReservation({ reservationId: from.reservationId, at: clock.now() })
          }
        })
      }
      try {
        await ledger.giveBack(order, `${order.id}:cancel`)
      } catch (error) {
        logger.error('cancelled order could not be refunded yet; call cancel again to retry', {
          orderId,
          error: String(error),
        })
        throw error
      }
      return order
    },

    async requestReturn(input) {
      const { orderId, customerId, lines, reason } = parseInput(requestReturnSchema, input, 'return request')
      const order = await load(orderId, customerId)
      for (const line of lines) {
        const ordered = order.lines.find((l) => l.id === line.lineId)
        if (!ordered || line.quantity > ordered.quantity - ordered.returnedQuantity) {
          throw new ValidationError('Return quantity exceeds what can be returned', [
            { path: `lines.${line.lineId}`, message: 'too many or unknown line' },
          ])
        }
      }
      const note = JSON.stringify({ lines, reason: reason ?? null })
      return move(order, 'return_requested', note)
    },

    async receiveReturn(input) {
      const { orderId, lines, restock: putBack } = parseInput(receiveReturnSchema, input, 'received return')
      const order = await load(orderId, undefined)
      if (!['return_requested', 'delivered', 'partially_refunded'].includes(order.status)) {
        assertTransition(order.id, order.status, 'returned')
      }
      const refunds: Money[] = []
      const quantities = new Map<string, number>()
      for (const line of lines) {
        const ordered = order.lines.find((l) => l.id === line.lineId)
        if (!ordered)
          throw new ValidationError('Unknown order line', [
            { path: `lines.${line.lineId}`, message: 'not in this order' },
          ])
        // The refund is the returned units' exact share of what the line cost.
        const parts = allocateEvenly(ordered.total, ordered.quantity)
        refunds.push(
          sum(
            parts.slice(ordered.returnedQuantity, ordered.returnedQuantity + line.quantity),
            order.currency,
          ),
        )
        quantities.set(ordered.sku, (quantities.get(ordered.sku) ?? 0) + line.quantity)
      }
      const key = createHash('sha256')
        .update(JSON.stringify({ orderId, lines, returned: order.lines.map((l) => l.returnedQuantity) }))
        .digest('hex')
        .slice(0, 24)
      await storage.transaction(async (stores) => {
        for (const line of lines) {
          if (
            !(await stores.orders.addReturnedQuantity({ orderLineId: line.lineId, quantity: line.quantity }))
          ) {
            throw new ValidationError('Return quantity exceeds what was ordered', [
              { path: `lines.${line.lineId}`, message: 'too many' },
            ])
          }
        }
        if (putBack) await restock(stores, order, quantities)
        // Returned is not kept, restocked or not: popularity counts kept sales only.
        await takeBackUnitsSold(stores, order, quantities)
      })
      await ledger.giveBack(order, `${order.id}:return:${key}`, sum(refunds, order.currency))
      const after = (await storage.orders.get(orderId))!
      const everything = after.lines.every((l) => l.returnedQuantity === l.quantity)
      let current = after
      if (current.status === 'return_requested' || current.status === 'delivered') {
        if (everything && current.status === 'return_requested')
          current = await move(current, 'returned', null)
      }
      return move(current, everything ? 'refunded' : 'partially_refunded', null)
    },
  }
}
