import type { CreateProductInput, ListProductsInput, UpdateProductInput } from '../catalog/catalog-schemas.js'
import type { CatalogService } from '../catalog/catalog-service.js'
import type { Product, ProductPage } from '../catalog/catalog-types.js'
import type { Clock } from '../clock/clock.js'
import { NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import { DEFAULT_LOCATION_ID, type StockLevel } from '../inventory/inventory-types.js'
import type { SellerAnalyticsInput } from '../orders/order-schemas.js'
import type { OrderPage, OrderService, SellerAnalytics } from '../orders/order-service.js'
import { afterCursor, type CursorPage, toCursorPage } from '../pagination/cursor-page.js'
import type { LevelChange } from '../ports/inventory-store.js'
import type { Shipment } from '../ports/shipment-store.js'
import type { Storage, StorageStores } from '../ports/storage.js'
import type { CreateShipmentInput, TrackingEventInput } from '../shipping/shipment-schemas.js'
import { createShipmentSchema, trackingEventSchema } from '../shipping/shipment-schemas.js'
import type { ShipmentService } from '../shipping/shipment-service.js'
import { parseInput } from '../validation/parse-input.js'
import { type SellerFulfilment, sellerFulfilmentOf } from './seller-fulfilment.js'
import {
  type SellerAdjustStockInput,
  type SellerFulfilmentRef,
  type SellerFulfilmentsQuery,
  type SellerPageInput,
  type SellerPortalInput,
  type SellerSetStockInput,
  type SellerStockRef,
  sellerAdjustStockSchema,
  sellerFulfilmentRefSchema,
  sellerFulfilmentsQuerySchema,
  sellerPageSchema,
  sellerPortalSchema,
  sellerSetStockSchema,
  sellerStockRefSchema,
} from './seller-schemas.js'

export interface SellerServiceDeps {
  readonly storage: Storage
  readonly catalog: CatalogService
  readonly orders: OrderService
  readonly shipments: ShipmentService
  readonly clock: Clock
  readonly events: EventBus
}

/** A page of a seller's order parts; pass `nextCursor` back as `cursor` for the following one. */
export type SellerFulfilmentPage = CursorPage<SellerFulfilment>

/**
 * One seller's view of the shop, from `commerce.sellers.portal({ sellerId })`: every call acts for
 * that seller only. Anything of another seller (a product, a SKU, an order without the seller's
 * lines, another seller's order line or shipment) answers `not_found`, exactly like an id that does
 * not exist, so a seller cannot learn which ids others have. Ownership is checked in the write
 * itself where it can change (products, stock); order lines keep the seller they were sold under.
 */
export interface SellerPortal {
  readonly sellerId: string
  /** As `catalog.createProduct`, always with this seller. `sellerId` in the input is refused. */
  createProduct(input: Omit<CreateProductInput, 'sellerId'>): Promise<Product>
  /** As `catalog.updateProduct` for one of the seller's products; a seller cannot reassign it. */
  updateProduct(input: Omit<UpdateProductInput, 'sellerId' | 'expectedSellerId'>): Promise<Product>
  /** As `catalog.archiveProduct` for one of the seller's products. */
  archiveProduct(input: { productId: string }): Promise<Product>
  /** As `catalog.listProducts`, only the seller's (any `status`, default active). Cached like it. */
  listProducts(query?: Omit<ListProductsInput, 'sellerId'>): Promise<ProductPage>
  /**
   * Sets on-hand stock of a SKU of the seller's products (creating its level, as the first stock of
   * a new product needs), in one transaction with the ownership check. Emits `inventory.adjusted`.
   */
  setStock(input: SellerSetStockInput): Promise<StockLevel>
  /**
   * Adds (or removes, with a negative delta) on-hand stock of a SKU of the seller's products, in
   * one transaction with the ownership check. Emits `inventory.adjusted`.
   */
  adjustStock(input: SellerAdjustStockInput): Promise<StockLevel>
  /** Stock of a SKU of the seller's products at each location. */
  getStock(input: SellerStockRef): Promise<StockLevel[]>
  /** As `orders.listForSeller`: orders holding the seller's lines, with only those lines. */
  listOrders(input?: SellerPageInput): Promise<OrderPage>
  /** As `orders.sellerAnalytics` for this seller. */
  analytics(input: Omit<SellerAnalyticsInput, 'sellerId'>): Promise<SellerAnalytics>
  /** The seller's part of one order: their lines, shipped and left, their parcels, its status. */
  getFulfilment(input: SellerFulfilmentRef): Promise<SellerFulfilment>
  /**
   * The seller's parts of their orders, newest order first; with `toShip: true`, only parts with
   * units left to ship in orders that take shipments (the seller's work list).
   */
  listFulfilments(input?: SellerFulfilmentsQuery): Promise<SellerFulfilmentPage>
  /**
   * Ships the seller's lines of an order, as `shipments.create`: `lines` default to everything of
   * theirs not shipped yet; a line of another seller answers `not_found`. The order moves as every
   * seller's part ships (`partially_shipped` until all have, then `shipped`).
   */
  createShipment(input: CreateShipmentInput): Promise<Shipment>
  /** As `shipments.addTrackingEvent`, for one of the seller's parcels. */
  addTrackingEvent(input: TrackingEventInput): Promise<Shipment>
}

/** `commerce.sellers`: the marketplace seller portal. */
export interface SellerService {
  /** The portal of one seller (no I/O: an unknown seller simply owns nothing). */
  portal(input: SellerPortalInput): SellerPortal
}

/** Refuses fields a seller may not set: the portal fills them in itself. */
function refuseFields(input: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>
  const given = fields.filter((f) => record[f] !== undefined)
  if (given.length > 0)
    throw new ValidationError(
      `Invalid ${what}: ${given.join(', ')}: set by the seller portal`,
      given.map((path) => ({ path, message: 'set by the seller portal; not an input' })),
    )
  return record
}

export function createSellerService(deps: SellerServiceDeps): SellerService {
  const { storage, catalog, orders, shipments, clock, events } = deps

  return {
    portal(input) {
      const { sellerId } = parseInput(sellerPortalSchema, input, 'seller portal')

      async function requireOwnSku(sku: string): Promise<void> {
        if (!(await storage.sellers.lockOwnedSku({ sellerId, sku }))) throw new NotFoundError('sku', sku)
      }

      /**
       * Runs a stock change in one transaction with the ownership check, whose share lock makes a
       * concurrent reassignment of the product wait; publishes `inventory.adjusted` after commit.
       */
      async function changeOwnStock(
        sku: string,
        reason: string,
        change: (inventory: StorageStores['inventory']) => Promise<LevelChange>,
      ): Promise<StockLevel> {
        const { level, previousOnHand } = await storage.transaction(async (stores) => {
          if (!(await stores.sellers.lockOwnedSku({ sellerId, sku }))) throw new NotFoundError('sku', sku)
          return change(stores.inventory)
        })
        if (level.onHand !== previousOnHand)
          events.emit({
            type: 'inventory.adjusted',
            sku,
            locationId: level.locationId,
            delta: level.onHand - previousOnHand,
            onHand: level.onHand,
            reason,
            occurredAt: clock.now(),
          })
        return level
      }

      /** The order, if it holds a line of this seller's; else `not_found`, as for an unknown id. */
      async function ownOrder(orderId: string) {
        const order = await storage.orders.get(orderId)
        if (!order?.lines.some((l) => l.sellerId === sellerId)) throw new NotFoundError('order', orderId)
        return order
      }

      return {
        sellerId,

        async createProduct(product) {
          const fields = refuseFields(product, ['sellerId'], 'product')
          return catalog.createProduct({ ...(fields as CreateProductInput), sellerId })
        },

        async updateProduct(update) {
          const fields = refuseFields(update, ['sellerId', 'expectedSellerId'], 'product update')
          return catalog.updateProduct({ ...(fields as UpdateProductInput), expectedSellerId: sellerId })
        },

        async archiveProduct(ref) {
          const fields = refuseFields(ref, ['expectedSellerId'], 'product reference')
          return catalog.archiveProduct({ ...(fields as { productId: string }), expectedSellerId: sellerId })
        },

        async listProducts(query) {
          const fields = refuseFields(query, ['sellerId'], 'product query')
          return catalog.listProducts({ ...(fields as ListProductsInput), sellerId })
        },

        async setStock(stock) {
          const {
            sku,
            locationId = DEFAULT_LOCATION_ID,
            onHand,
          } = parseInput(sellerSetStockSchema, stock, 'stock')
          return changeOwnStock(sku, 'set', (inventory) =>
            inventory.setOnHand({ sku, locationId, onHand, at: clock.now() }),
          )
        },

        async adjustStock(adjustment) {
          const {
            sku,
            locationId = DEFAULT_LOCATION_ID,
            delta,
            reason,
          } = parseInput(sellerAdjustStockSchema, adjustment, 'adjustment')
          return changeOwnStock(sku, reason, (inventory) =>
            inventory.adjustOnHand({ sku, locationId, delta, reason, at: clock.now() }),
          )
        },

        async getStock(ref) {
          const { sku } = parseInput(sellerStockRefSchema, ref, 'SKU')
          await requireOwnSku(sku)
          return storage.inventory.getLevels([sku])
        },

        async listOrders(page) {
          const { cursor, limit } = parseInput(sellerPageSchema, page ?? {}, 'seller order query')
          return orders.listForSeller({ sellerId, cursor, limit })
        },

        async analytics(window) {
          const fields = refuseFields(window, ['sellerId'], 'seller analytics query')
          return orders.sellerAnalytics({ ...(fields as SellerAnalyticsInput), sellerId })
        },

        async getFulfilment(ref) {
          const { orderId } = parseInput(sellerFulfilmentRefSchema, ref, 'order reference')
          const order = await ownOrder(orderId)
          return sellerFulfilmentOf(order, sellerId, await storage.shipments.listByOrder(orderId))!
        },

        async listFulfilments(page) {
          const { cursor, limit, toShip } = parseInput(
            sellerFulfilmentsQuerySchema,
            page ?? {},
            'fulfilment query',
          )
          if (toShip) {
            const ids = await storage.sellers.listOrdersToShip({
              sellerId,
              after: afterCursor(cursor, 'seller_orders_to_ship'),
              limit,
            })
            const parts = await Promise.all(
              ids.items.map(async (orderId) => {
                const [order, parcels] = await Promise.all([
                  storage.orders.get(orderId),
                  storage.shipments.listByOrder(orderId),
                ])
                return order && sellerFulfilmentOf(order, sellerId, parcels)
              }),
            )
            return toCursorPage({ items: parts.filter((p) => p !== null), next: ids.next })
          }
          const found = await orders.listForSeller({ sellerId, cursor, limit })
          // listForSeller's orders carry only this seller's lines, which is all a part needs.
          const items = await Promise.all(
            found.items.map(async (order) =>
              sellerFulfilmentOf(order, sellerId, await storage.shipments.listByOrder(order.id)),
            ),
          )
          return {
            items: items.filter((p): p is SellerFulfilment => p !== null),
            nextCursor: found.nextCursor,
          }
        },

        async createShipment(shipment) {
          const parsed = parseInput(createShipmentSchema, shipment, 'shipment')
          const order = await ownOrder(parsed.orderId)
          const own = order.lines.filter((l) => l.sellerId === sellerId)
          let lines = parsed.lines
          if (lines) {
            const ownIds = new Set(own.map((l) => l.id))
            const other = lines.find((l) => !ownIds.has(l.lineId))
            if (other) throw new NotFoundError('order line', other.lineId)
          } else {
            const shipped = await storage.shipments.shippedQuantities(order.id)
            lines = own
              .map((l) => ({ lineId: l.id, quantity: l.quantity - (shipped.get(l.id) ?? 0) }))
              .filter((l) => l.quantity > 0)
            if (lines.length === 0)
              throw new ValidationError('Nothing left to ship', [
                { path: 'lines', message: "everything of the seller's has shipped" },
              ])
          }
          // shipments.create re-checks the quantities under the order's lock as it inserts.
          return shipments.create({ ...parsed, lines })
        },

        async addTrackingEvent(event) {
          const parsed = parseInput(trackingEventSchema, event, 'tracking event')
          const shipment = await storage.shipments.get(parsed.shipmentId)
          const order = shipment && (await storage.orders.get(shipment.orderId))
          const ownIds = new Set(order?.lines.filter((l) => l.sellerId === sellerId).map((l) => l.id))
          if (!shipment?.lines.every((l) => ownIds.has(l.orderLineId)))
            throw new NotFoundError('shipment', parsed.shipmentId)
          return shipments.addTrackingEvent(event)
        },
      }
    },
  }
}
