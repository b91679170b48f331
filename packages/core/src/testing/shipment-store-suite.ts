import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import type { OrderStore } from '../ports/order-store.js'
import type { ShipmentStatus, ShipmentStore } from '../ports/shipment-store.js'
import { FINAL_SHIPMENT_STATUSES, SHIPMENT_STATUSES } from '../shipping/shipment-status.js'
import { expectCommerceError } from './expect-commerce-error.js'
import type { SuiteApi } from './suite-api.js'

/** Reads what the adapter persisted without going through the store. */
export interface ShipmentInspector {
  shipment(id: string): Promise<{
    status: string
    deliveredAt: Date | null
    /** Statuses of its tracking events, oldest `occurredAt` first. */
    tracking: string[]
  } | null>
}

export interface ShipmentStoreHarness {
  readonly shipments: ShipmentStore
  /** Where the suite stores the orders its shipments belong to. */
  readonly orders: OrderStore
  readonly inspect: ShipmentInspector
}

/**
 * The shipment store contract: parcels of an order, the eight carrier statuses, and the tracking
 * rules of `nextShipmentStatus` (late events never move a shipment back; `delivered` and
 * `returned_to_sender` are final). Every test uses fresh ids, so one store may serve all.
 * @param makeHarness called once per test.
 */
export function shipmentStoreSuite(api: SuiteApi, makeHarness: () => Promise<ShipmentStoreHarness>): void {
  const { describe, it } = api
  const ids = createIdGenerator()
  const at = (minute: number) => new Date(Date.UTC(2026, 6, 1, 9, minute))

  /** A stored order of one line of `quantity` units, and a parcel of all of it. */
  async function parcel(harness: ShipmentStoreHarness, quantity = 2) {
    const orderId = ids('ord')
    const lineId = ids('oli')
    const zero = money(0, 'EUR')
    await harness.orders.insert({
      id: orderId,
      customerId: null,
      email: 'parcel@example.com',
      status: 'confirmed',
      currency: 'EUR',
      totals: { subtotal: zero, discountTotal: zero, shippingTotal: zero, taxTotal: zero, total: zero },
      lines: [
        {
          id: lineId,
          sku: 'PARCEL-SKU',
          productId: null,
          variantId: null,
          sellerId: null,
          name: 'Parcel item',
          quantity,
          unitPrice: zero,
          discount: zero,
          tax: zero,
          total: zero,
          returnedQuantity: 0,
        },
      ],
      shippingAddress: null,
      billingAddress: null,
      shippingMethodId: null,
      promoCode: null,
      cartId: null,
      reservationId: null,
      paymentProvider: null,
      createdAt: at(0),
    })
    const shipment = await harness.shipments.insert({
      id: ids('shp'),
      orderId,
      carrier: 'DHL',
      trackingNumber: `T${ids('trk')}`,
      status: 'label_created',
      lines: [{ orderLineId: lineId, quantity }],
      shippedAt: at(0),
    })
    return { orderId, lineId, shipment }
  }

  function track(harness: ShipmentStoreHarness, shipmentId: string, status: ShipmentStatus, minute: number) {
    return harness.shipments.addTrackingEvent({
      shipmentId,
      event: { id: ids('trk'), status, description: status, location: null, occurredAt: at(minute) },
    })
  }

  describe('shipment store contract', () => {
    it('stores a parcel at label_created and refuses more than was ordered', async () => {
      const harness = await makeHarness()
      const { orderId, lineId, shipment } = await parcel(harness, 2)
      assert.equal(shipment.status, 'label_created')
      assert.deepEqual(shipment.lines, [{ orderLineId: lineId, quantity: 2 }])
      assert.deepEqual(shipment.tracking, [])
      assert.equal(shipment.deliveredAt, null)
      assert.deepEqual(await harness.shipments.get(shipment.id), shipment)
      assert.deepEqual(await harness.shipments.listByOrder(orderId), [shipment])
      assert.deepEqual(await harness.shipments.shippedQuantities(orderId), new Map([[lineId, 2]]))
      await expectCommerceError(
        harness.shipments.insert({
          id: ids('shp'),
          orderId,
          carrier: 'DHL',
          trackingNumber: 'ONE-TOO-MANY',
          status: 'label_created',
          lines: [{ orderLineId: lineId, quantity: 1 }],
          shippedAt: at(1),
        }),
        'validation.failed',
      )
      assert.deepEqual(await inspectOf(harness, shipment.id), {
        status: 'label_created',
        deliveredAt: null,
        tracking: [],
      })
    })

    it('accepts every carrier status as an event, and moves through them in time order', async () => {
      const harness = await makeHarness()
      const { shipment } = await parcel(harness)
      let minute = 1
      for (const status of SHIPMENT_STATUSES) {
        if ((FINAL_SHIPMENT_STATUSES as readonly string[]).includes(status)) continue
        assert.equal((await track(harness, shipment.id, status, minute++)).status, status)
      }
      // Back out for delivery after a failed attempt: any open status may follow any other.
      assert.equal(
        (await track(harness, shipment.id, 'out_for_delivery', minute++)).status,
        'out_for_delivery',
      )
      const stored = await inspectOf(harness, shipment.id)
      assert.equal(stored?.status, 'out_for_delivery')
      assert.deepEqual(stored?.tracking, [
        'label_created',
        'picked_up',
        'in_transit',
        'out_for_delivery',
        'failed_attempt',
        'exception',
        'out_for_delivery',
      ])
    })

    it('never moves a shipment back for an older event, but records it', async () => {
      const harness = await makeHarness()
      const { shipment } = await parcel(harness)
      await track(harness, shipment.id, 'out_for_delivery', 30)
      const late = await track(harness, shipment.id, 'picked_up', 10)
      assert.equal(late.status, 'out_for_delivery')
      assert.deepEqual(
        late.tracking.map((e) => e.status),
        ['picked_up', 'out_for_delivery'],
      )
      assert.equal((await inspectOf(harness, shipment.id))?.status, 'out_for_delivery')
    })

    for (const final of FINAL_SHIPMENT_STATUSES) {
      it(`keeps ${final} final, and ends the shipment on a ${final} event of any age`, async () => {
        const harness = await makeHarness()
        const { shipment } = await parcel(harness)
        await track(harness, shipment.id, 'out_for_delivery', 30)
        const ended = await track(harness, shipment.id, final, 20)
        assert.equal(ended.status, final)
        assert.deepEqual(ended.deliveredAt, final === 'delivered' ? at(20) : null)
        for (const status of SHIPMENT_STATUSES) {
          assert.equal((await track(harness, shipment.id, status, 40)).status, final)
          assert.equal((await track(harness, shipment.id, status, 5)).status, final)
        }
        const stored = await inspectOf(harness, shipment.id)
        assert.equal(stored?.status, final)
        // The first delivery scan sets deliveredAt; later ones never move it.
        assert.deepEqual(stored?.deliveredAt, final === 'delivered' ? at(20) : null)
        assert.equal(stored?.tracking.length, 2 + 2 * SHIPMENT_STATUSES.length)
      })
    }

    it('answers not_found for tracking of an unknown shipment, storing nothing', async () => {
      const harness = await makeHarness()
      const missing = ids('shp')
      await expectCommerceError(track(harness, missing, 'in_transit', 1), 'not_found')
      assert.equal(await harness.shipments.get(missing), null)
      assert.equal(await inspectOf(harness, missing), null)
    })
  })

  function inspectOf(harness: ShipmentStoreHarness, id: string) {
    return harness.inspect.shipment(id)
  }
}
