import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type SellerPortal,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers, postgresFixture, type StorageFixture } from './support.js'

/** A shop over the fixture's storage, made in `beforeAll` and closed in `afterAll`. */
function shopOn(fixture: () => StorageFixture): () => Commerce {
  let commerce: Commerce | undefined
  beforeAll(() => {
    const clock = createManualClock(new Date('2026-07-01T08:00:00Z'))
    commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger: silentLogger,
      payments: [createTestPaymentProvider({ clock })],
    })
  })
  afterAll(() => commerce?.close())
  return () => {
    if (!commerce) throw new Error('the shop is not ready: call it inside a test')
    return commerce
  }
}

let serial = 0

/** Two sellers, each with one active product stocked through their own portal. */
async function twoSellers(commerce: Commerce) {
  const n = ++serial
  const make = async (name: string) => {
    const seller = await commerce.catalog.createSeller({ slug: `${name}-${n}`, name })
    const portal = commerce.sellers.portal({ sellerId: seller.id })
    const sku = `${name.toUpperCase()}-${n}`
    const product = await portal.createProduct({
      slug: `${name}-goods-${n}`,
      name: `${name}'s goods`,
      status: 'active',
      variants: [{ sku, prices: [{ amount: 1500, currency: 'USD' }] }],
    })
    await portal.setStock({ sku, onHand: 10 })
    return { seller, portal, product, sku }
  }
  return { ana: await make('ana'), ben: await make('ben') }
}

async function order(commerce: Commerce, lines: readonly { sku: string; quantity: number }[]) {
  const cart = await commerce.cart.create({ currency: 'USD', email: 'buyer@example.com' })
  for (const line of lines) await commerce.cart.addItem({ cartId: cart.id, ...line })
  const { order } = await commerce.checkout.placeOrder({
    cartId: cart.id,
    idempotencyKey: `seller-order-${cart.id}`,
    payment: { method: 'pm_card_visa' },
  })
  return order
}

const lineOf = (portalOrder: { lines: readonly { id: string; sku: string }[] }, sku: string) =>
  portalOrder.lines.find((l) => l.sku === sku)!.id

describeOnDrivers('seller_portal', (fixture) => {
  const shop = shopOn(fixture)

  it('lets each seller ship only their part; the order goes partially shipped, shipped, delivered', async () => {
    const commerce = shop()
    const { ana, ben } = await twoSellers(commerce)
    const placed = await order(commerce, [
      { sku: ana.sku, quantity: 2 },
      { sku: ben.sku, quantity: 1 },
    ])
    const anaLine = lineOf(placed, ana.sku)
    const benLine = lineOf(placed, ben.sku)

    const anaPart = await ana.portal.getFulfilment({ orderId: placed.id })
    expect(anaPart).toMatchObject({ status: 'unfulfilled', canShip: true, sellerId: ana.seller.id })
    expect(anaPart.lines).toEqual([
      expect.objectContaining({
        orderLineId: anaLine,
        quantity: 2,
        shippedQuantity: 0,
        remainingQuantity: 2,
      }),
    ])

    // Another seller's line: not_found, as an id that does not exist; nothing shipped.
    await expectCommerceError(
      ana.portal.createShipment({
        orderId: placed.id,
        carrier: 'DHL',
        trackingNumber: 'X1',
        lines: [{ lineId: benLine, quantity: 1 }],
      }),
      'not_found',
    )
    // Staff cannot mix the two sellers in one parcel either.
    await expectCommerceError(
      commerce.shipments.create({ orderId: placed.id, carrier: 'DHL', trackingNumber: 'X2' }),
      'shipment.mixed_sellers',
    )
    await expectCommerceError(
      commerce.shipments.create({
        orderId: placed.id,
        carrier: 'DHL',
        trackingNumber: 'X3',
        lines: [
          { lineId: anaLine, quantity: 1 },
          { lineId: benLine, quantity: 1 },
        ],
      }),
      'shipment.mixed_sellers',
    )
    expect(await commerce.shipments.list({ orderId: placed.id })).toEqual([])

    const first = await ana.portal.createShipment({
      orderId: placed.id,
      carrier: 'DHL',
      trackingNumber: 'ANA-1',
      lines: [{ lineId: anaLine, quantity: 1 }],
    })
    expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('partially_shipped')
    expect((await ana.portal.getFulfilment({ orderId: placed.id })).status).toBe('partially_shipped')
    expect((await ben.portal.getFulfilment({ orderId: placed.id })).status).toBe('unfulfilled')

    // Default lines: what is left of the seller's own.
    const second = await ana.portal.createShipment({
      orderId: placed.id,
      carrier: 'DHL',
      trackingNumber: 'ANA-2',
    })
    expect(second.lines).toEqual([{ orderLineId: anaLine, quantity: 1 }])
    const anaShipped = await ana.portal.getFulfilment({ orderId: placed.id })
    expect(anaShipped).toMatchObject({ status: 'shipped', canShip: false })
    expect(anaShipped.shipments.map((s) => s.id)).toEqual([first.id, second.id])
    expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('partially_shipped')

    const bens = await ben.portal.createShipment({
      orderId: placed.id,
      carrier: 'UPS',
      trackingNumber: 'BEN-1',
    })
    expect(bens.lines).toEqual([{ orderLineId: benLine, quantity: 1 }])
    expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('shipped')
    // Each sees only their own parcels.
    expect((await ben.portal.getFulfilment({ orderId: placed.id })).shipments.map((s) => s.id)).toEqual([
      bens.id,
    ])

    // Tracking: only on one's own parcels.
    await expectCommerceError(
      ben.portal.addTrackingEvent({ shipmentId: first.id, status: 'delivered' }),
      'not_found',
    )
    for (const parcel of [first, second])
      await ana.portal.addTrackingEvent({ shipmentId: parcel.id, status: 'delivered' })
    expect((await ana.portal.getFulfilment({ orderId: placed.id })).status).toBe('delivered')
    expect((await ben.portal.getFulfilment({ orderId: placed.id })).status).toBe('shipped')
    expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('shipped')
    await ben.portal.addTrackingEvent({ shipmentId: bens.id, status: 'delivered' })
    expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('delivered')
    const moves = (await commerce.orders.history({ orderId: placed.id })).map((h) => h.to)
    expect(moves.slice(moves.indexOf('partially_shipped'))).toEqual([
      'partially_shipped',
      'partially_shipped',
      'shipped',
      'delivered',
    ])
  })

  it("refuses a seller another seller's products and stock, and keeps listings apart", async () => {
    const commerce = shop()
    const { ana, ben } = await twoSellers(commerce)
    const draft = await ana.portal.createProduct({
      slug: `ana-draft-${serial}`,
      name: 'Draft',
      variants: [{ sku: `ANA-DRAFT-${serial}`, prices: [{ amount: 100, currency: 'USD' }] }],
    })
    expect(draft.sellerId).toBe(ana.seller.id)

    await expectCommerceError(
      ben.portal.updateProduct({ productId: ana.product.id, name: 'Mine now' }),
      'not_found',
    )
    await expectCommerceError(ben.portal.archiveProduct({ productId: ana.product.id }), 'not_found')
    await expectCommerceError(
      ben.portal.adjustStock({ sku: ana.sku, delta: -10, reason: 'theft' }),
      'not_found',
    )
    await expectCommerceError(ben.portal.getStock({ sku: ana.sku }), 'not_found')
    // A seller cannot hand products to others, or act for another seller.
    await expectCommerceError(
      ana.portal.updateProduct({ productId: ana.product.id, sellerId: ben.seller.id } as never),
      'validation.failed',
    )
    await expectCommerceError(
      ben.portal.createProduct({
        slug: `ben-as-ana-${serial}`,
        name: 'x',
        sellerId: ana.seller.id,
        variants: [{ sku: `BEN-AS-ANA-${serial}`, prices: [{ amount: 1, currency: 'USD' }] }],
      } as never),
      'validation.failed',
    )
    const untouched = await commerce.catalog.getProduct({ productId: ana.product.id })
    expect(untouched).toMatchObject({ name: "ana's goods", status: 'active', sellerId: ana.seller.id })
    expect((await ana.portal.getStock({ sku: ana.sku })).map((l) => l.onHand)).toEqual([10])

    // The owner can.
    expect((await ana.portal.updateProduct({ productId: ana.product.id, name: 'Ana mugs' })).name).toBe(
      'Ana mugs',
    )
    expect((await ana.portal.adjustStock({ sku: ana.sku, delta: -3, reason: 'breakage' })).onHand).toBe(7)
    expect((await ana.portal.archiveProduct({ productId: draft.id })).status).toBe('archived')

    const anaActive = await ana.portal.listProducts({})
    expect(anaActive.items.map((p) => p.id)).toEqual([ana.product.id])
    expect((await ana.portal.listProducts({ status: 'archived' })).items.map((p) => p.id)).toEqual([draft.id])
    expect((await ben.portal.listProducts()).items.map((p) => p.id)).toEqual([ben.product.id])
  })

  it('shows each seller only the orders and lines that are theirs', async () => {
    const commerce = shop()
    const { ana, ben } = await twoSellers(commerce)
    const both = await order(commerce, [
      { sku: ana.sku, quantity: 1 },
      { sku: ben.sku, quantity: 2 },
    ])
    const anaOnly = await order(commerce, [{ sku: ana.sku, quantity: 3 }])

    const anaOrders = await ana.portal.listOrders()
    expect(anaOrders.items.map((o) => o.id)).toEqual([anaOnly.id, both.id])
    expect(anaOrders.items.flatMap((o) => o.lines.map((l) => l.sku))).toEqual([ana.sku, ana.sku])
    const benParts = await ben.portal.listFulfilments({ limit: 1 })
    expect(benParts.items.map((p) => [p.orderId, p.status, p.lines.map((l) => l.sku)])).toEqual([
      [both.id, 'unfulfilled', [ben.sku]],
    ])
    expect(benParts.nextCursor).toBeNull()
    const anaParts = await ana.portal.listFulfilments({ limit: 1 })
    expect(anaParts.items.map((p) => p.orderId)).toEqual([anaOnly.id])
    const next = await ana.portal.listFulfilments({ limit: 1, cursor: anaParts.nextCursor! })
    expect(next.items.map((p) => p.orderId)).toEqual([both.id])

    // An order without the seller's lines does not exist for them.
    await expectCommerceError(ben.portal.getFulfilment({ orderId: anaOnly.id }), 'not_found')
    await expectCommerceError(
      ben.portal.createShipment({ orderId: anaOnly.id, carrier: 'UPS', trackingNumber: 'NOPE' }),
      'not_found',
    )
    expect((await commerce.orders.get({ orderId: anaOnly.id })).status).toBe('confirmed')

    // The work list: parts with units left to ship, newest first.
    const toShip = async () =>
      (await ana.portal.listFulfilments({ toShip: true })).items.map((p) => [p.orderId, p.status])
    expect(await toShip()).toEqual([
      [anaOnly.id, 'unfulfilled'],
      [both.id, 'unfulfilled'],
    ])
    await ana.portal.createShipment({ orderId: anaOnly.id, carrier: 'DHL', trackingNumber: 'A-ONLY' })
    await ben.portal.createShipment({ orderId: both.id, carrier: 'UPS', trackingNumber: 'B-BOTH' })
    expect(await toShip()).toEqual([[both.id, 'unfulfilled']])
    const firstPage = await ana.portal.listFulfilments({ toShip: true, limit: 1 })
    expect(firstPage.nextCursor).toBeNull()
    await expectCommerceError(
      ana.portal.listFulfilments({ toShip: true, cursor: anaParts.nextCursor! }),
      'validation.failed',
    )
  })
})

describe('seller portal on node-postgres, concurrently', () => {
  let fixture: StorageFixture | undefined
  beforeAll(async () => {
    fixture = await postgresFixture('seller_portal_race')
  })
  afterAll(() => fixture?.close())
  const shop = shopOn(() => fixture!)

  it('ends shipped when both sellers ship their parts at the same moment', async () => {
    const commerce = shop()
    for (let round = 0; round < 5; round++) {
      const { ana, ben } = await twoSellers(commerce)
      const placed = await order(commerce, [
        { sku: ana.sku, quantity: 1 },
        { sku: ben.sku, quantity: 1 },
      ])
      const ship = (portal: SellerPortal, trackingNumber: string) =>
        portal.createShipment({ orderId: placed.id, carrier: 'DHL', trackingNumber })
      await Promise.all([ship(ana.portal, `A-${round}`), ship(ben.portal, `B-${round}`)])
      expect((await commerce.orders.get({ orderId: placed.id })).status).toBe('shipped')
    }
  })

  it('never lets a stock change through after the product moved to another seller', async () => {
    const commerce = shop()
    const { ana, ben } = await twoSellers(commerce)
    // Staff reassign the product while Ana adjusts its stock: whichever commits first, Ana's
    // change lands only while the product is hers.
    const results = await Promise.allSettled([
      ana.portal.adjustStock({ sku: ana.sku, delta: 5, reason: 'restock' }),
      commerce.catalog.updateProduct({ productId: ana.product.id, sellerId: ben.seller.id }),
    ])
    expect(results[1].status).toBe('fulfilled')
    const onHand = (await ben.portal.getStock({ sku: ana.sku }))[0]!.onHand
    expect(onHand).toBe(results[0].status === 'fulfilled' ? 15 : 10)
    await expectCommerceError(ana.portal.adjustStock({ sku: ana.sku, delta: 1, reason: 'late' }), 'not_found')
    expect((await ben.portal.adjustStock({ sku: ana.sku, delta: 1, reason: 'now mine' })).onHand).toBe(
      onHand + 1,
    )
  })
})
