import assert from 'node:assert/strict'
import { money } from '../money/money.js'
import type { CatalogStore } from '../ports/catalog-store.js'
import type { NewOrder, OrderStatus, OrderStore } from '../ports/order-store.js'
import type { SellerStore } from '../ports/seller-store.js'
import type { ShipmentStatus, ShipmentStore } from '../ports/shipment-store.js'
import { catalogFixtures } from './catalog-fixtures.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi } from './suite-api.js'

export interface SellerStoreHarness {
  readonly sellers: SellerStore
  /** The catalog store of the same storage: the products whose ownership is checked. */
  readonly catalog: CatalogStore
  /** Reads a product's stored seller directly, bypassing both stores. */
  readonly storedSellerOf: (productId: string) => Promise<string | null | undefined>
  /** The order and shipment stores of the same storage: what `listOrdersToShip` reads. */
  readonly orders: OrderStore
  readonly shipments: ShipmentStore
}

/**
 * The seller-ownership contract: `SellerStore.lockOwnedSku` and the `expectedSellerId` guard of
 * `CatalogStore.updateProduct` the seller portal writes through. Every test makes its own sellers
 * and products; `makeHarness` is called once per test.
 */
export function sellerStoreSuite(api: SuiteApi, makeHarness: () => Promise<SellerStoreHarness>): void {
  const { describe, it } = api
  const { ids, seller, insertProduct } = catalogFixtures()
  const at = new Date(Date.UTC(2026, 0, 2))
  const usd = (n: number) => money(n, 'USD')
  let minute = 0

  /** An order of `lines` ([sellerId, quantity]), each placed a minute after the one before. */
  async function order(
    orders: OrderStore,
    status: OrderStatus,
    lines: readonly (readonly [string | null, number])[],
  ): Promise<{ id: string; lineIds: string[] }> {
    const newOrder: NewOrder = {
      id: ids('ord'),
      customerId: null,
      email: 'buyer@example.com',
      status,
      currency: 'USD',
      totals: {
        subtotal: usd(0),
        discountTotal: usd(0),
        shippingTotal: usd(0),
        taxTotal: usd(0),
        total: usd(0),
      },
      lines: lines.map(([sellerId, quantity]) => ({
        id: ids('oli'),
        sku: 'SKU-1',
        productId: null,
        variantId: null,
        sellerId,
        name: 'Item',
        quantity,
        unitPrice: usd(100),
        discount: usd(0),
        tax: usd(0),
        total: usd(100 * quantity),
        returnedQuantity: 0,
      })),
      shippingAddress: null,
      billingAddress: null,
      shippingMethodId: null,
      promoCode: null,
      cartId: null,
      reservationId: null,
      paymentProvider: null,
      createdAt: new Date(Date.UTC(2026, 1, 1) + ++minute * 60_000),
    }
    await orders.insert(newOrder)
    return { id: newOrder.id, lineIds: newOrder.lines.map((l) => l.id) }
  }

  async function ship(shipments: ShipmentStore, orderId: string, lines: [string, number][]) {
    await shipments.insert({
      id: ids('shp'),
      orderId,
      carrier: 'DHL',
      trackingNumber: ids('trk'),
      status: 'delivered' as ShipmentStatus,
      lines: lines.map(([orderLineId, quantity]) => ({ orderLineId, quantity })),
      shippedAt: at,
    })
  }

  describe('seller store contract', () => {
    it("owns the SKUs of the seller's products only", async () => {
      const { sellers, catalog } = await makeHarness()
      const [ana, ben] = [await seller(catalog), await seller(catalog)]
      const anas = await insertProduct(catalog, { sellerId: ana, prices: [1000, 1200] })
      const bens = await insertProduct(catalog, { sellerId: ben })
      const nobodys = await insertProduct(catalog, { sellerId: null })
      for (const v of anas.variants)
        assert.equal(await sellers.lockOwnedSku({ sellerId: ana, sku: v.sku }), true)
      const bensSku = bens.variants[0]!.sku
      assert.equal(await sellers.lockOwnedSku({ sellerId: ana, sku: bensSku }), false)
      assert.equal(await sellers.lockOwnedSku({ sellerId: ben, sku: bensSku }), true)
      assert.equal(await sellers.lockOwnedSku({ sellerId: ana, sku: nobodys.variants[0]!.sku }), false)
      assert.equal(await sellers.lockOwnedSku({ sellerId: ana, sku: 'NO-SUCH-SKU' }), false)
      assert.equal(await sellers.lockOwnedSku({ sellerId: 'sel_nobody', sku: bensSku }), false)
    })

    it('follows a reassignment of the product', async () => {
      const { sellers, catalog } = await makeHarness()
      const [ana, ben] = [await seller(catalog), await seller(catalog)]
      const p = await insertProduct(catalog, { sellerId: ana })
      const sku = p.variants[0]!.sku
      await catalog.updateProduct({ id: p.id, patch: { sellerId: ben }, at })
      assert.equal(await sellers.lockOwnedSku({ sellerId: ana, sku }), false)
      assert.equal(await sellers.lockOwnedSku({ sellerId: ben, sku }), true)
    })

    it('changes a product with expectedSellerId only while that seller owns it', async () => {
      const { catalog, storedSellerOf } = await makeHarness()
      const [ana, ben] = [await seller(catalog), await seller(catalog)]
      const p = await insertProduct(catalog, { sellerId: ana, name: 'Mug' })
      const refused = await catalog.updateProduct({
        id: p.id,
        patch: { name: 'Taken', sellerId: ben },
        at,
        expectedSellerId: ben,
      })
      assert.equal(refused, null)
      assert.equal((await catalog.getProduct({ idOrSlug: p.id }))?.name, 'Mug')
      assert.equal(await storedSellerOf(p.id), ana)
      const done = await catalog.updateProduct({
        id: p.id,
        patch: { name: 'Big mug' },
        at,
        expectedSellerId: ana,
      })
      assert.equal(done?.previousSlug, p.slug)
      assert.equal((await catalog.getProduct({ idOrSlug: p.id }))?.name, 'Big mug')
      // A product without a seller is nobody's, and an unknown one is null as before.
      const nobodys = await insertProduct(catalog, { sellerId: null })
      assert.equal(
        await catalog.updateProduct({ id: nobodys.id, patch: { name: 'x' }, at, expectedSellerId: ana }),
        null,
      )
      assert.equal(
        await catalog.updateProduct({ id: 'prod_missing', patch: { name: 'x' }, at, expectedSellerId: ana }),
        null,
      )
      assert.equal(await storedSellerOf('prod_missing'), undefined)
    })

    it('lists the orders a seller has units left to ship in, newest first', async () => {
      const { sellers, orders, shipments } = await makeHarness()
      const [ana, ben] = [ids('sel'), ids('sel')]
      const partly = await order(orders, 'partially_shipped', [
        [ana, 2],
        [ana, 1],
      ])
      await ship(shipments, partly.id, [[partly.lineIds[0]!, 2]])
      const done = await order(orders, 'shipped', [[ana, 1]])
      await ship(shipments, done.id, [[done.lineIds[0]!, 1]])
      const halfLine = await order(orders, 'confirmed', [[ana, 3]])
      await ship(shipments, halfLine.id, [[halfLine.lineIds[0]!, 1]])
      await order(orders, 'confirmed', [[ben, 1]])
      await order(orders, 'pending_payment', [[ana, 1]])
      await order(orders, 'cancelled', [[ana, 1]])
      const mixed = await order(orders, 'processing', [
        [ben, 1],
        [ana, 1],
        [null, 1],
      ])
      // Another seller's parcel leaves the seller's own units to ship.
      await ship(shipments, mixed.id, [[mixed.lineIds[0]!, 1]])

      const all = await sellers.listOrdersToShip({ sellerId: ana, limit: 100 })
      assert.deepEqual(all, { items: [mixed.id, halfLine.id, partly.id], next: null })
      const paged = await pageThrough(
        (after) => sellers.listOrdersToShip({ sellerId: ana, after, limit: 1 }),
        {
          sort: 'seller_orders_to_ship',
          limit: 1,
          key: (id) => id,
        },
      )
      assert.deepEqual(paged, all.items)
      assert.deepEqual((await sellers.listOrdersToShip({ sellerId: ben, limit: 100 })).items.length, 1)
      assert.deepEqual(await sellers.listOrdersToShip({ sellerId: ids('sel'), limit: 10 }), {
        items: [],
        next: null,
      })
    })
  })
}
