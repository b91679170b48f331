import type { Address } from '../customers/address-schemas.js'
import type { OrderRecord, OrderStatus } from '../ports/order-store.js'
import type { Shipment } from '../ports/shipment-store.js'

/**
 * Where a seller's part of an order stands, from its lines and the seller's shipments:
 * `unfulfilled` (nothing shipped), `partially_shipped`, `shipped` (every unit in a parcel) and
 * `delivered` (every unit shipped and every one of the seller's parcels delivered). Only
 * `delivered` is read from shipment statuses; any other shipment status counts as on its way.
 */
export type SellerFulfilmentStatus = 'unfulfilled' | 'partially_shipped' | 'shipped' | 'delivered'

/** One of the seller's order lines, with what has shipped of it. */
export interface SellerFulfilmentLine {
  readonly orderLineId: string
  readonly sku: string
  readonly productId: string | null
  readonly variantId: string | null
  readonly name: string
  readonly quantity: number
  readonly shippedQuantity: number
  /** `quantity - shippedQuantity`: what the seller still has to ship. */
  readonly remainingQuantity: number
}

/** A seller's part of one order: what they ship, where to, and how far it has got. */
export interface SellerFulfilment {
  readonly orderId: string
  readonly displayNumber: string
  readonly sellerId: string
  /** The whole order's status (it moves as every seller's part ships and is delivered). */
  readonly orderStatus: OrderStatus
  readonly status: SellerFulfilmentStatus
  /** True while the order takes shipments (confirmed, processing, partially shipped) and units are left. */
  readonly canShip: boolean
  readonly lines: readonly SellerFulfilmentLine[]
  /** The seller's parcels of this order, oldest first; other sellers' are never shown. */
  readonly shipments: readonly Shipment[]
  readonly shippingAddress: Address | null
  readonly shippingMethodId: string | null
  readonly placedAt: Date
}

const TAKES_SHIPMENTS: readonly OrderStatus[] = ['confirmed', 'processing', 'partially_shipped']

/**
 * `sellerId`'s part of `order` given the order's shipments (any order: only the seller's are
 * kept). Null when the order holds none of the seller's lines.
 */
export function sellerFulfilmentOf(
  order: OrderRecord,
  sellerId: string,
  shipments: readonly Shipment[],
): SellerFulfilment | null {
  const own = order.lines.filter((l) => l.sellerId === sellerId)
  if (own.length === 0) return null
  const ownIds = new Set(own.map((l) => l.id))
  const theirs = shipments.filter((s) => s.lines.some((l) => ownIds.has(l.orderLineId)))
  const shipped = new Map<string, number>()
  for (const shipment of theirs)
    for (const line of shipment.lines)
      if (ownIds.has(line.orderLineId))
        shipped.set(line.orderLineId, (shipped.get(line.orderLineId) ?? 0) + line.quantity)
  const lines = own.map((l) => {
    const shippedQuantity = Math.min(l.quantity, shipped.get(l.id) ?? 0)
    return {
      orderLineId: l.id,
      sku: l.sku,
      productId: l.productId,
      variantId: l.variantId,
      name: l.name,
      quantity: l.quantity,
      shippedQuantity,
      remainingQuantity: l.quantity - shippedQuantity,
    }
  })
  const units = lines.reduce((n, l) => n + l.quantity, 0)
  const sent = lines.reduce((n, l) => n + l.shippedQuantity, 0)
  const status: SellerFulfilmentStatus =
    sent === 0
      ? 'unfulfilled'
      : sent < units
        ? 'partially_shipped'
        : theirs.every((s) => s.status === 'delivered')
          ? 'delivered'
          : 'shipped'
  return {
    orderId: order.id,
    displayNumber: order.displayNumber,
    sellerId,
    orderStatus: order.status,
    status,
    canShip: sent < units && TAKES_SHIPMENTS.includes(order.status),
    lines,
    shipments: [...theirs].sort(
      (a, b) => a.shippedAt.getTime() - b.shippedAt.getTime() || (a.id < b.id ? -1 : 1),
    ),
    shippingAddress: order.shippingAddress,
    shippingMethodId: order.shippingMethodId,
    placedAt: order.createdAt,
  }
}
