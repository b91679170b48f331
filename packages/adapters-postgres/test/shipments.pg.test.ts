import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type ShipmentStatus,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers, postgresFixture, type StorageFixture } from './support.js'

interface Shop {
  readonly commerce: Commerce
  /** Manual capture: orders stay authorized until their first shipment. */
  readonly payments: TestPaymentProvider
}

/** A shop over the fixture's storage, made in `beforeAll` and closed in `afterAll`. */
function shopOn(fixture: () => StorageFixture): () => Shop {
  let shop: Shop | undefined
  beforeAll(() => {
    const clock = createManualClock(new Date('2026-07-01T08:00:00Z'))
    const payments = createTestPaymentProvider({ clock })
    const commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger: silentLogger,
      payments: [payments],
    })
    shop = { commerce, payments }
  })
  afterAll(() => shop?.commerce.close())
  return () => {
    if (!shop) throw new Error('the shop is not ready: call it inside a test')
    return shop
  }
}

/** A confirmed, authorized order of `quantity` units of a new product. */
async function paidOrder(commerce: Commerce, sku: string, quantity: number) {
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 500, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: quantity + 2 })
  const cart = await commerce.cart.create({ currency: 'USD', email: 'ship@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, sku, quantity })
  const { order } = await commerce.checkout.placeOrder({
    cartId: cart.id,
    idempotencyKey: `order-${sku}`,
    payment: { method: 'pm_card_visa' },
  })
  return order
}

describeOnDrivers('shipments', (fixture) => {
  const shop = shopOn(fixture)

  it('captures the authorized payment when staff mark an order shipped without a parcel record', async () => {
    const { commerce, payments } = shop()
    const order = await paidOrder(commerce, 'SHIP-C', 1)
    expect(payments.payments().find((p) => p.orderId === order.id)?.status).toBe('authorized')
    await commerce.orders.transition({ orderId: order.id, to: 'processing' })
    await commerce.orders.transition({ orderId: order.id, to: 'shipped' })
    expect(payments.payments().find((p) => p.orderId === order.id)?.status).toBe('captured')
  })

  it('ships in parts, captures on the first parcel, and delivers the order when every parcel arrives', async () => {
    const { commerce, payments } = shop()
    for (const sku of ['SHIP-A', 'SHIP-B']) {
      await commerce.catalog.createProduct({
        slug: sku.toLowerCase(),
        name: sku,
        status: 'active',
        variants: [{ sku, prices: [{ amount: 1000, currency: 'USD' }] }],
      })
      await commerce.inventory.setStock({ sku, onHand: 5 })
    }
    const cart = await commerce.cart.create({
      currency: 'USD',
      email: 's@example.com',
      customerId: 'cus_ship',
    })
    await commerce.cart.addItem({ cartId: cart.id, customerId: 'cus_ship', sku: 'SHIP-A', quantity: 2 })
    await commerce.cart.addItem({ cartId: cart.id, customerId: 'cus_ship', sku: 'SHIP-B', quantity: 1 })
    const { order } = await commerce.checkout.placeOrder({
      cartId: cart.id,
      customerId: 'cus_ship',
      idempotencyKey: 'ship-order-1',
      payment: { method: 'pm_card_visa' },
    })
    const lineA = order.lines.find((l) => l.sku === 'SHIP-A')!
    const first = await commerce.shipments.create({
      orderId: order.id,
      carrier: 'DHL',
      trackingNumber: 'JD01',
      lines: [{ lineId: lineA.id, quantity: 1 }],
    })
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('partially_shipped')
    expect(payments.payments().find((p) => p.orderId === order.id)?.status).toBe('captured')
    await expectCommerceError(
      commerce.shipments.create({
        orderId: order.id,
        carrier: 'DHL',
        trackingNumber: 'JD02',
        lines: [{ lineId: lineA.id, quantity: 2 }],
      }),
      'validation.failed',
      { issues: [{ path: `lines.${lineA.id}`, message: 'at most 1' }] },
    )
    const second = await commerce.shipments.create({
      orderId: order.id,
      carrier: 'UPS',
      trackingNumber: '1Z99',
    })
    expect(second.lines).toHaveLength(2)
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('shipped')
    await expectCommerceError(
      commerce.shipments.create({ orderId: order.id, carrier: 'UPS', trackingNumber: '1Z98' }),
      'order.invalid_transition',
    )
    await commerce.shipments.addTrackingEvent({
      shipmentId: first.id,
      status: 'in_transit',
      description: 'Left the hub',
      location: 'Leipzig',
    })
    await commerce.shipments.addTrackingEvent({ shipmentId: first.id, status: 'delivered' })
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('shipped')
    await commerce.shipments.addTrackingEvent({ shipmentId: second.id, status: 'delivered' })
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('delivered')
    const listed = await commerce.shipments.list({ orderId: order.id, customerId: 'cus_ship' })
    expect(listed.map((s) => [s.trackingNumber, s.status, s.tracking.length])).toEqual([
      ['JD01', 'delivered', 2],
      ['1Z99', 'delivered', 1],
    ])
    // Another customer's order answers exactly like a missing one.
    await expectCommerceError(
      commerce.shipments.list({ orderId: order.id, customerId: 'cus_other' }),
      'not_found',
      {
        entity: 'order',
        id: order.id,
      },
    )
    await expectCommerceError(
      commerce.shipments.addTrackingEvent({
        shipmentId: 'shp_01JZZZZZZZZZZZZZZZZZZZZZZZ',
        status: 'delivered',
      }),
      'not_found',
      { entity: 'shipment', id: 'shp_01JZZZZZZZZZZZZZZZZZZZZZZZ' },
    )
  })

  it('records late tracking events by occurredAt without moving the shipment back', async () => {
    const { commerce } = shop()
    const order = await paidOrder(commerce, 'SHIP-E', 1)
    const parcel = await commerce.shipments.create({
      orderId: order.id,
      carrier: 'DHL',
      trackingNumber: 'LATE1',
    })
    const at = (hour: number) => new Date(Date.UTC(2026, 6, 2, hour))
    const track = (status: ShipmentStatus, hour: number, description = '') =>
      commerce.shipments.addTrackingEvent({
        shipmentId: parcel.id,
        status,
        description,
        occurredAt: at(hour),
      })

    expect((await track('in_transit', 10, 'hub')).status).toBe('in_transit')
    // Older than the newest event: kept in the history, the status stays.
    const late = await track('exception', 9, 'late scan')
    expect(late.status).toBe('in_transit')
    expect(late.tracking.map((e) => [e.status, e.occurredAt])).toEqual([
      ['exception', at(9)],
      ['in_transit', at(10)],
    ])
    // Newer: it moves.
    expect((await track('exception', 11, 'address unclear')).status).toBe('exception')
    const delivered = await track('delivered', 12)
    expect(delivered.status).toBe('delivered')
    expect(delivered.deliveredAt).toEqual(at(12))
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('delivered')

    // A delivered shipment stays delivered, whether the next scan is older or newer.
    expect((await track('in_transit', 8)).status).toBe('delivered')
    expect((await track('exception', 13)).status).toBe('delivered')
    // A second delivery scan does not move deliveredAt.
    const after = await track('delivered', 14)
    expect([after.status, after.deliveredAt]).toEqual(['delivered', at(12)])
    expect(after.tracking).toHaveLength(7)
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('delivered')
  })

  it('delivers on a delivered event even when it is older than the newest scan', async () => {
    const { commerce } = shop()
    const order = await paidOrder(commerce, 'SHIP-F', 1)
    const parcel = await commerce.shipments.create({
      orderId: order.id,
      carrier: 'UPS',
      trackingNumber: 'LATE2',
    })
    await commerce.shipments.addTrackingEvent({
      shipmentId: parcel.id,
      status: 'in_transit',
      occurredAt: '2026-07-03T12:00:00Z',
    })
    const delivered = await commerce.shipments.addTrackingEvent({
      shipmentId: parcel.id,
      status: 'delivered',
      occurredAt: '2026-07-03T11:00:00+00:00',
    })
    expect([delivered.status, delivered.deliveredAt]).toEqual(['delivered', new Date('2026-07-03T11:00:00Z')])
  })

  it('refuses control characters and lenient dates in shipments and tracking, changing nothing', async () => {
    const { commerce } = shop()
    const order = await paidOrder(commerce, 'SHIP-H', 2)
    for (const bad of [
      { carrier: 'DHL\u0000', trackingNumber: 'NUL1' },
      { carrier: 'DHL', trackingNumber: 'NUL\u0000' },
      { carrier: 'D\ud800HL', trackingNumber: 'SURR' },
      { carrier: 'DHL\u0085', trackingNumber: 'NEL' },
    ]) {
      await expectCommerceError(commerce.shipments.create({ orderId: order.id, ...bad }), 'validation.failed')
    }
    expect(await commerce.shipments.list({ orderId: order.id })).toEqual([])
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('confirmed')

    const parcel = await commerce.shipments.create({
      orderId: order.id,
      carrier: ' DHL ',
      trackingNumber: 'OK1',
    })
    expect(parcel.carrier).toBe('DHL')
    for (const bad of [
      { description: 'left\u0000hub' },
      { location: 'Leip\u0007zig' },
      { occurredAt: true },
      { occurredAt: 0 },
      { occurredAt: '2026-07-01' },
      { occurredAt: 'not a date' },
    ]) {
      const input = { shipmentId: parcel.id, status: 'in_transit', ...bad }
      await expectCommerceError(commerce.shipments.addTrackingEvent(input as never), 'validation.failed')
    }
    const [stored] = await commerce.shipments.list({ orderId: order.id })
    expect([stored?.status, stored?.tracking]).toEqual(['label_created', []])
  })
})

// Races need concurrent connections: node-postgres only (PGlite runs one statement at a time).
describe('shipments under concurrency (node-postgres)', () => {
  let fixture: StorageFixture | undefined
  beforeAll(async () => {
    fixture = await postgresFixture('shipments_races', 10)
  })
  afterAll(() => fixture?.close())
  const shop = shopOn(() => fixture!)

  it('never ships more than was ordered when two parcels race', async () => {
    const { commerce } = shop()
    const order = await paidOrder(commerce, 'SHIP-D', 3)
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        commerce.shipments.create({ orderId: order.id, carrier: 'DHL', trackingNumber: `RACE${i}` }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const shipped = await commerce.shipments.list({ orderId: order.id })
    expect(shipped.flatMap((p) => p.lines).reduce((n, l) => n + l.quantity, 0)).toBe(3)
  })

  it('ends at the status of the newest event when events of one shipment race', async () => {
    const { commerce } = shop()
    const order = await paidOrder(commerce, 'SHIP-G', 1)
    const parcel = await commerce.shipments.create({
      orderId: order.id,
      carrier: 'DPD',
      trackingNumber: 'RACE-T',
    })
    // Shuffled times; the newest (minute 19) is an exception.
    const minutes = [7, 19, 3, 12, 0, 15, 9, 4, 18, 1, 11, 16, 2, 5, 14, 8, 17, 6, 13, 10]
    await Promise.all(
      minutes.map((minute) =>
        commerce.shipments.addTrackingEvent({
          shipmentId: parcel.id,
          status: minute % 2 === 0 ? 'in_transit' : 'exception',
          occurredAt: new Date(Date.UTC(2026, 6, 4, 9, minute)),
        }),
      ),
    )
    const [stored] = await commerce.shipments.list({ orderId: order.id })
    expect(stored?.tracking).toHaveLength(minutes.length)
    expect(stored?.status).toBe('exception')
  })
})
