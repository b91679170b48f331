import type { Clock } from '../clock/clock.js'
import { MixedSellerShipmentError, NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { outboxEvent } from '../events/outbox-event.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import { assertTransition } from '../orders/order-state-machine.js'
import { orderStatusChanged } from '../orders/order-status-changed.js'
import { createPaymentLedger } from '../payments/payment-ledger.js'
import type { OrderRecord, OrderStatus } from '../ports/order-store.js'
import type { PaymentProvider } from '../ports/payment-provider.js'
import type { Shipment } from '../ports/shipment-store.js'
import type { Storage } from '../ports/storage.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type CreateShipmentInput,
  createShipmentSchema,
  type ListShipmentsInput,
  listShipmentsSchema,
  type TrackingEventInput,
  trackingEventSchema,
} from './shipment-schemas.js'

export interface ShipmentServiceDeps {
  readonly storage: Storage
  /** Configured payment providers; the first shipment captures an authorized payment through them. */
  readonly providers: readonly PaymentProvider[]
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
}

/** `commerce.shipments`: parcels of orders, their tracking and delivery. */
export interface ShipmentService {
  /**
   * Ships some or all of what is left of a paid order. The first shipment captures an authorized
   * payment. Moves the order to `partially_shipped` or `shipped`. A parcel holds the lines of one
   * seller only (`MixedSellerShipmentError`, `shipment.mixed_sellers`): on an order of several
   * sellers, pass `lines` (or ship through the seller portal, `commerce.sellers`).
   */
  create(input: CreateShipmentInput): Promise<Shipment>
  /**
   * Records a carrier event (any of `SHIPMENT_STATUSES`). Events may arrive late and out of order:
   * every one is kept (tracking lists them by `occurredAt`), but one older than the newest recorded
   * never moves the shipment back, and `delivered` and `returned_to_sender` are final (see
   * `nextShipmentStatus`). The order becomes `delivered` when every one of its shipments is.
   */
  addTrackingEvent(input: TrackingEventInput): Promise<Shipment>
  /** Shipments of an order, with tracking; with `customerId`, only the owner's. */
  list(input: ListShipmentsInput): Promise<Shipment[]>
}

const SHIPPABLE: readonly OrderStatus[] = ['confirmed', 'processing', 'partially_shipped']

export function createShipmentService(deps: ShipmentServiceDeps): ShipmentService {
  const { storage, clock, ids, events, logger } = deps
  const providers = new Map(deps.providers.map((p) => [p.id, p]))
  const ledger = createPaymentLedger({ storage, providers, clock, ids, events, logger })

  /** False when another writer moved the order first (nothing changed here). */
  async function moveOrder(order: OrderRecord, to: OrderStatus): Promise<boolean> {
    if (order.status === to && to !== 'partially_shipped') return true
    assertTransition(order.id, order.status, to)
    const event = orderStatusChanged(order, order.status, to, null, clock.now())
    const moved = await storage.transaction(async (stores) => {
      const ok = await stores.orders.transition({
        id: order.id,
        from: order.status,
        to,
        at: event.occurredAt,
      })
      // Durable subscribers get the change from the outbox, committed with it.
      if (ok)
        await stores.outbox.enqueue({
          messages: [outboxEvent(event, ids('evt'), order.id)],
          now: event.occurredAt,
        })
      return ok
    })
    if (moved) events.emit(event)
    return moved
  }

  /**
   * Moves the order by what has shipped once a parcel is in, read after its insert: two parcels of
   * one order (each seller shipping their part) may be inserted at once, and whichever settles
   * last sees both, so the order ends `shipped`. A lost compare-and-set reads again.
   */
  async function settleShipped(orderId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const order = (await storage.orders.get(orderId))!
      // Already shipped (or further): a concurrent parcel settled it.
      if (!SHIPPABLE.includes(order.status)) return
      const shipped = await storage.shipments.shippedQuantities(orderId)
      const everything = order.lines.every((l) => (shipped.get(l.id) ?? 0) >= l.quantity)
      if (await moveOrder(order, everything ? 'shipped' : 'partially_shipped')) return
    }
  }

  return {
    async create(input) {
      const { orderId, carrier, trackingNumber, lines } = parseInput(createShipmentSchema, input, 'shipment')
      const order = await storage.orders.get(orderId)
      if (!order) throw new NotFoundError('order', orderId)
      if (!SHIPPABLE.includes(order.status)) assertTransition(order.id, order.status, 'shipped')
      const shipped = await storage.shipments.shippedQuantities(orderId)
      const open = new Map(order.lines.map((l) => [l.id, l.quantity - (shipped.get(l.id) ?? 0)]))
      const parcel =
        lines ?? [...open].filter(([, q]) => q > 0).map(([lineId, quantity]) => ({ lineId, quantity }))
      if (parcel.length === 0)
        throw new ValidationError('Nothing left to ship', [
          { path: 'lines', message: 'everything has shipped' },
        ])
      for (const line of parcel) {
        const left = open.get(line.lineId)
        if (left === undefined || line.quantity > left) {
          throw new ValidationError('Shipment quantity exceeds what is left to ship', [
            { path: `lines.${line.lineId}`, message: `at most ${left ?? 0}` },
          ])
        }
        open.set(line.lineId, left - line.quantity)
      }
      // Each seller ships their own part: a parcel never mixes sellers (lines without one count as one).
      const sellerOf = new Map(order.lines.map((l) => [l.id, l.sellerId]))
      const sellers = [...new Set(parcel.map((l) => sellerOf.get(l.lineId) ?? null))]
      if (sellers.length > 1)
        throw new MixedSellerShipmentError(
          orderId,
          sellers.sort((a, b) => (a ?? '').localeCompare(b ?? '')),
        )
      await ledger.captureAuthorized(order)
      const shipment = await storage.shipments.insert({
        id: ids('shp'),
        orderId,
        carrier,
        trackingNumber,
        status: 'label_created',
        lines: parcel.map((l) => ({ orderLineId: l.lineId, quantity: l.quantity })),
        shippedAt: clock.now(),
      })
      await settleShipped(orderId)
      return shipment
    },

    async addTrackingEvent(input) {
      const { shipmentId, status, description, location, occurredAt } = parseInput(
        trackingEventSchema,
        input,
        'tracking event',
      )
      const updated = await storage.shipments.addTrackingEvent({
        shipmentId,
        event: {
          id: ids('trk'),
          status,
          description,
          location: location ?? null,
          occurredAt: occurredAt ?? clock.now(),
        },
      })
      if (updated.status === 'delivered') {
        const order = (await storage.orders.get(updated.orderId))!
        const all = await storage.shipments.listByOrder(order.id)
        if (order.status === 'shipped' && all.every((s) => s.status === 'delivered'))
          await moveOrder(order, 'delivered')
      }
      return updated
    },

    async list(input) {
      const { orderId, customerId } = parseInput(listShipmentsSchema, input, 'shipment query')
      const order = await storage.orders.get(orderId)
      if (!order || (customerId !== undefined && order.customerId !== customerId))
        throw new NotFoundError('order', orderId)
      return storage.shipments.listByOrder(orderId)
    },
  }
}
