import { describe, expect, it } from 'vitest'
import type { OrderLineRecord, OrderRecord } from '../ports/order-store.js'
import type { Shipment, ShipmentStatus } from '../ports/shipment-store.js'
import { sellerFulfilmentOf } from './seller-fulfilment.js'

const usd = (amount: number) => ({ amount, currency: 'USD' })
const line = (id: string, sellerId: string | null, quantity: number): OrderLineRecord => ({
  id,
  sku: `SKU-${id}`,
  productId: null,
  variantId: null,
  sellerId,
  name: id,
  quantity,
  unitPrice: usd(100),
  discount: usd(0),
  tax: usd(0),
  total: usd(100 * quantity),
  returnedQuantity: 0,
})
const at = new Date('2026-07-01T08:00:00Z')
const order = (status: OrderRecord['status'] = 'confirmed'): OrderRecord => ({
  id: 'ord_1',
  displayNumber: '1001',
  customerId: null,
  email: 'a@example.com',
  status,
  currency: 'USD',
  totals: { subtotal: usd(0), discountTotal: usd(0), shippingTotal: usd(0), taxTotal: usd(0), total: usd(0) },
  lines: [line('a1', 'sel_a', 2), line('a2', 'sel_a', 1), line('b1', 'sel_b', 3), line('n1', null, 1)],
  shippingAddress: null,
  billingAddress: null,
  shippingMethodId: null,
  promoCode: null,
  cartId: null,
  reservationId: null,
  paymentProvider: null,
  estimatedDelivery: null,
  createdAt: at,
  updatedAt: at,
})
let n = 0
const parcel = (lines: [string, number][], status: string): Shipment => ({
  id: `shp_${++n}`,
  orderId: 'ord_1',
  carrier: 'DHL',
  trackingNumber: `T${n}`,
  status: status as ShipmentStatus,
  lines: lines.map(([orderLineId, quantity]) => ({ orderLineId, quantity })),
  tracking: [],
  shippedAt: new Date(at.getTime() + n * 1000),
  deliveredAt: null,
})

describe('sellerFulfilmentOf', () => {
  it("is null for an order without the seller's lines", () => {
    expect(sellerFulfilmentOf(order(), 'sel_c', [])).toBeNull()
  })

  it("keeps the seller's lines and parcels only, and counts what is left", () => {
    const theirs = parcel([['b1', 1]], 'in_transit')
    const mine = parcel([['a1', 2]], 'in_transit')
    const part = sellerFulfilmentOf(order('partially_shipped'), 'sel_a', [theirs, mine])!
    expect(part.lines.map((l) => [l.orderLineId, l.shippedQuantity, l.remainingQuantity])).toEqual([
      ['a1', 2, 0],
      ['a2', 0, 1],
    ])
    expect(part.shipments.map((s) => s.id)).toEqual([mine.id])
    expect(part).toMatchObject({
      status: 'partially_shipped',
      canShip: true,
      orderStatus: 'partially_shipped',
    })
  })

  it('reads only delivered from shipment statuses', () => {
    const unfulfilled = sellerFulfilmentOf(order(), 'sel_b', [])!
    expect(unfulfilled).toMatchObject({ status: 'unfulfilled', canShip: true })
    // Any carrier status other than delivered (whatever the list holds) counts as on its way.
    for (const status of ['label_created', 'out_for_delivery', 'failed_attempt', 'some_future_status']) {
      const part = sellerFulfilmentOf(order('shipped'), 'sel_b', [parcel([['b1', 3]], status)])!
      expect(part).toMatchObject({ status: 'shipped', canShip: false })
    }
    const split = [parcel([['b1', 1]], 'delivered'), parcel([['b1', 2]], 'in_transit')]
    expect(sellerFulfilmentOf(order('shipped'), 'sel_b', split)!.status).toBe('shipped')
    const done = [parcel([['b1', 1]], 'delivered'), parcel([['b1', 2]], 'delivered')]
    expect(sellerFulfilmentOf(order('delivered'), 'sel_b', done)!.status).toBe('delivered')
  })

  it('cannot ship on an order that takes no shipments', () => {
    expect(sellerFulfilmentOf(order('pending_payment'), 'sel_a', [])!.canShip).toBe(false)
    expect(sellerFulfilmentOf(order('cancelled'), 'sel_a', [])!.canShip).toBe(false)
  })
})
