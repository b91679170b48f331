import { PGlite } from '@electric-sql/pglite'
import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type ManualClock,
  SHIPMENT_STATUSES,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { createTestDatabase } from '@souk/test-harness'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { soukMigrations } from '../src/migrations/souk-migrations.js'
import { pgliteDialect } from '../src/pglite-dialect.js'
import { countingPool } from './statement-counter.js'
import { describeOnDrivers, type StorageFixture } from './support.js'

const usd = (amount: number) => ({ amount, currency: 'USD' })
const US = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Austin',
  region: 'TX',
  postalCode: '73301',
  country: 'US',
}
const DE = { name: 'Ada', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' }

interface Shop {
  readonly commerce: Commerce
  readonly clock: ManualClock
  /** Shipping method ids: US ground (2-4 business days), US express, Germany. */
  readonly methods: { readonly ground: string; readonly express: string; readonly germany: string }
}

/** Wednesday 1 July 2026, 08:00 UTC: every test starts at it. */
const WEDNESDAY = new Date('2026-07-01T08:00:00Z')

/** A shop with US and German shipping over the fixture's storage; a Wednesday morning on its clock. */
function shopOn(fixture: () => StorageFixture): () => Shop {
  let shop: Shop | undefined
  beforeEach(() => shop?.clock.set(WEDNESDAY))
  beforeAll(async () => {
    const clock = createManualClock(WEDNESDAY)
    const commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger: silentLogger,
      payments: [createTestPaymentProvider({ clock })],
    })
    const us = await commerce.shipping.createZone({ name: 'US', countries: ['US'] })
    const de = await commerce.shipping.createZone({ name: 'Germany', countries: ['DE'] })
    const method = (zoneId: string, name: string, amount: number, min: number, max: number) =>
      commerce.shipping.createMethod({
        zoneId,
        name,
        kind: 'flat',
        price: usd(amount),
        estimatedDays: { min, max },
      })
    const ground = await method(us.id, 'Ground', 500, 2, 4)
    const express = await method(us.id, 'Express', 1500, 1, 1)
    const germany = await method(de.id, 'Germany', 900, 3, 6)
    shop = { commerce, clock, methods: { ground: ground.id, express: express.id, germany: germany.id } }
  })
  afterAll(() => shop?.commerce.close())
  return () => {
    if (!shop) throw new Error('the shop is not ready: call it inside a test')
    return shop
  }
}

let products = 0
async function product(commerce: Commerce): Promise<string> {
  const sku = `DLV-${++products}`
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: sku,
    status: 'active',
    variants: [{ sku, prices: [usd(2000)], weightGrams: 500 }],
  })
  await commerce.inventory.setStock({ sku, onHand: 50 })
  return sku
}

describeOnDrivers('delivery', (fixture) => {
  const shop = shopOn(fixture)

  describe('estimated delivery on the order', () => {
    it('keeps the dates the chosen method was quoted, and orders.get and history return them', async () => {
      const { commerce, clock, methods } = shop()
      const customerId = `cus_eta_${products}`
      const sku = await product(commerce)
      const cart = await commerce.cart.create({ currency: 'USD', customerId, email: 'eta@example.com' })
      await commerce.cart.addItem({ cartId: cart.id, customerId, sku, quantity: 1 })
      await commerce.cart.setShippingAddress({ cartId: cart.id, customerId, address: US })
      const view = await commerce.cart.setShippingMethod({
        cartId: cart.id,
        customerId,
        shippingMethodId: methods.ground,
      })
      // Wednesday 1 July + 2 and + 4 business days: Friday 3 and Tuesday 7 July.
      const quoted = { earliest: '2026-07-03', latest: '2026-07-07' }
      expect(view.shippingQuote?.estimatedDelivery).toEqual(quoted)
      expect(view.shippingError).toBeNull()

      const { order } = await commerce.checkout.placeOrder({
        cartId: cart.id,
        customerId,
        idempotencyKey: `eta-${cart.id}`,
        payment: { method: 'pm_card_visa' },
      })
      expect(order.estimatedDelivery).toEqual(quoted)
      // Kept as quoted: days later the order still promises what the customer was told.
      clock.advance(5 * 86_400_000)
      expect((await commerce.orders.get({ orderId: order.id, customerId })).estimatedDelivery).toEqual(quoted)
      const history = await commerce.orders.listForCustomer({ customerId })
      expect(history.items.map((o) => [o.id, o.estimatedDelivery])).toEqual([[order.id, quoted]])
    })

    it('is null for an order without a shipping method', async () => {
      const { commerce } = shop()
      const sku = await product(commerce)
      const cart = await commerce.cart.create({ currency: 'USD', email: 'none@example.com' })
      await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      const { order } = await commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: `eta-none-${cart.id}`,
        payment: { method: 'pm_card_visa' },
      })
      expect(order.estimatedDelivery).toBeNull()
      expect((await commerce.orders.get({ orderId: order.id })).estimatedDelivery).toBeNull()
    })
  })

  describe('shipping in the cart', () => {
    it('says the chosen method cannot serve the address, lists those that can, and checkout refuses', async () => {
      const { commerce, methods } = shop()
      const sku = await product(commerce)
      const cart = await commerce.cart.create({ currency: 'USD', email: 'honest@example.com' })
      await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })

      // A method but no address yet: not priced, and the cart says why.
      const noAddress = await commerce.cart.setShippingMethod({
        cartId: cart.id,
        shippingMethodId: methods.ground,
      })
      expect(noAddress.shippingQuote).toBeNull()
      expect(noAddress.shippingOptions).toEqual([])
      expect(noAddress.shippingError?.code).toBe('validation.failed')

      // US ground to Germany: unavailable, not free.
      const wrong = await commerce.cart.setShippingAddress({ cartId: cart.id, address: DE })
      expect(wrong.shippingMethodId).toBe(methods.ground)
      expect(wrong.shippingQuote).toBeNull()
      expect(wrong.shippingError).toEqual({
        code: 'shipping.method_unavailable',
        message: `Shipping method ${methods.ground} is not available for DE`,
      })
      expect(wrong.totals.shippingTotal).toEqual(usd(0))
      expect(wrong.totals.total).toEqual(usd(2000))
      expect(wrong.shippingOptions.map((q) => [q.methodId, q.price, q.estimatedDelivery])).toEqual([
        [methods.germany, usd(900), { earliest: '2026-07-06', latest: '2026-07-09' }],
      ])
      await expectCommerceError(
        commerce.checkout.placeOrder({
          cartId: cart.id,
          idempotencyKey: `honest-${cart.id}`,
          payment: { method: 'pm_card_visa' },
        }),
        'shipping.method_unavailable',
        { methodId: methods.ground },
      )

      // Choosing one of the listed methods prices it.
      const right = await commerce.cart.setShippingMethod({
        cartId: cart.id,
        shippingMethodId: methods.germany,
      })
      expect(right.shippingError).toBeNull()
      expect(right.shippingQuote?.methodId).toBe(methods.germany)
      expect(right.totals.shippingTotal).toEqual(usd(900))
      expect(right.totals.total).toEqual(usd(2900))

      // Back in the US, every US method is offered, cheapest first.
      const home = await commerce.cart.setShippingAddress({ cartId: cart.id, address: US })
      expect(home.shippingOptions.map((q) => q.methodId)).toEqual([methods.ground, methods.express])
      expect(home.shippingError?.code).toBe('shipping.method_unavailable')
    })

    it('lists the methods for an address before any is chosen', async () => {
      const { commerce, methods } = shop()
      const sku = await product(commerce)
      const cart = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      const view = await commerce.cart.setShippingAddress({ cartId: cart.id, address: US })
      expect(view.shippingOptions.map((q) => [q.methodId, q.name, q.price])).toEqual([
        [methods.ground, 'Ground', usd(500)],
        [methods.express, 'Express', usd(1500)],
      ])
      expect([view.shippingQuote, view.shippingError, view.totals.shippingTotal]).toEqual([
        null,
        null,
        usd(0),
      ])
    })
  })

  describe('tracking statuses', () => {
    async function shippedOrder(commerce: Commerce, parcels: number) {
      const skus = await Promise.all(Array.from({ length: parcels }, () => product(commerce)))
      const cart = await commerce.cart.create({ currency: 'USD', email: 'track@example.com' })
      for (const sku of skus) await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      const { order } = await commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: `track-${cart.id}`,
        payment: { method: 'pm_card_visa' },
      })
      const shipments = []
      for (const [i, line] of order.lines.entries()) {
        shipments.push(
          await commerce.shipments.create({
            orderId: order.id,
            carrier: 'UPS',
            trackingNumber: `1Z${i}${order.id.slice(-6)}`,
            lines: [{ lineId: line.id, quantity: 1 }],
          }),
        )
      }
      return { order, shipments }
    }
    const at = (minute: number) => new Date(Date.UTC(2026, 6, 2, 9, minute))

    it('accepts every carrier status and starts a shipment at label_created', async () => {
      const { commerce } = shop()
      const { order, shipments } = await shippedOrder(commerce, 1)
      const [parcel] = shipments
      expect(parcel?.status).toBe('label_created')
      let minute = 0
      for (const status of SHIPMENT_STATUSES.filter((s) => s !== 'delivered' && s !== 'returned_to_sender')) {
        const moved = await commerce.shipments.addTrackingEvent({
          shipmentId: parcel!.id,
          status,
          occurredAt: at(minute++),
        })
        expect(moved.status).toBe(status)
      }
      expect((await commerce.orders.get({ orderId: order.id })).status).toBe('shipped')
      await expectCommerceError(
        commerce.shipments.addTrackingEvent({ shipmentId: parcel!.id, status: 'shipped' as never }),
        'validation.failed',
      )
    })

    it('delivers the order when all its shipments are delivered, and keeps final statuses final', async () => {
      const { commerce } = shop()
      const { order, shipments } = await shippedOrder(commerce, 2)
      const [first, second] = shipments
      const track = (shipmentId: string, status: (typeof SHIPMENT_STATUSES)[number], minute: number) =>
        commerce.shipments.addTrackingEvent({ shipmentId, status, occurredAt: at(minute) })
      await track(first!.id, 'out_for_delivery', 10)
      expect((await track(first!.id, 'delivered', 20)).status).toBe('delivered')
      expect((await commerce.orders.get({ orderId: order.id })).status).toBe('shipped')
      // Final: a later return-to-sender or an older scan changes nothing but the history.
      expect((await track(first!.id, 'returned_to_sender', 30)).status).toBe('delivered')
      expect((await track(first!.id, 'failed_attempt', 5)).status).toBe('delivered')
      await track(second!.id, 'failed_attempt', 10)
      expect((await track(second!.id, 'delivered', 40)).status).toBe('delivered')
      expect((await commerce.orders.get({ orderId: order.id })).status).toBe('delivered')
    })

    it('keeps returned_to_sender final and the order shipped', async () => {
      const { commerce } = shop()
      const { order, shipments } = await shippedOrder(commerce, 1)
      const [parcel] = shipments
      const track = (status: (typeof SHIPMENT_STATUSES)[number], minute: number) =>
        commerce.shipments.addTrackingEvent({ shipmentId: parcel!.id, status, occurredAt: at(minute) })
      await track('failed_attempt', 10)
      const returned = await track('returned_to_sender', 20)
      expect([returned.status, returned.deliveredAt]).toEqual(['returned_to_sender', null])
      expect((await track('delivered', 30)).status).toBe('returned_to_sender')
      expect((await track('in_transit', 40)).status).toBe('returned_to_sender')
      expect((await commerce.orders.get({ orderId: order.id })).status).toBe('shipped')
    })
  })

  describe('carts across devices', () => {
    it("finds a signed-in customer's open cart, and nothing once it is checked out or expired", async () => {
      const { commerce, clock } = shop()
      const customerId = `cus_devices_${products}`
      const sku = await product(commerce)
      expect(await commerce.cart.findForCustomer({ customerId })).toBeNull()
      const phone = await commerce.cart.create({ currency: 'USD', customerId, email: 'dev@example.com' })
      await commerce.cart.addItem({ cartId: phone.id, customerId, sku, quantity: 2 })

      // On the laptop: the same cart, with its lines and prices.
      const found = await commerce.cart.findForCustomer({ customerId })
      expect([found?.id, found?.lines.map((l) => [l.sku, l.quantity])]).toEqual([phone.id, [[sku, 2]]])
      expect(await commerce.cart.findForCustomer({ customerId: 'cus_somebody_else' })).toBeNull()
      await expectCommerceError(commerce.cart.findForCustomer({ customerId: '' }), 'validation.failed')

      // A guest cart on the laptop merges into it when the customer signs in there.
      const guest = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: guest.id, sku, quantity: 1 })
      const merged = await commerce.cart.merge({ guestCartId: guest.id, customerId })
      expect([merged.id, merged.lines.map((l) => l.quantity)]).toEqual([phone.id, [3]])
      expect((await commerce.cart.findForCustomer({ customerId }))?.totals.itemCount).toBe(3)

      await commerce.checkout.placeOrder({
        cartId: phone.id,
        customerId,
        idempotencyKey: `devices-${phone.id}`,
        payment: { method: 'pm_card_visa' },
      })
      expect(await commerce.cart.findForCustomer({ customerId })).toBeNull()

      const next = await commerce.cart.create({ currency: 'USD', customerId })
      expect((await commerce.cart.findForCustomer({ customerId }))?.id).toBe(next.id)
      clock.advance(31 * 86_400_000)
      expect(await commerce.cart.findForCustomer({ customerId })).toBeNull()
    })

    it('merges a cart made under an id the host gave the visitor before they signed in', async () => {
      const { commerce } = shop()
      const customerId = `cus_signed_${products}`
      const visitor = `cus_visitor_${products}`
      const sku = await product(commerce)
      const own = await commerce.cart.create({ currency: 'USD', customerId })
      await commerce.cart.addItem({ cartId: own.id, customerId, sku, quantity: 1 })
      const before = await commerce.cart.create({ currency: 'USD', customerId: visitor })
      await commerce.cart.addItem({ cartId: before.id, customerId: visitor, sku, quantity: 4 })
      // Without the visitor's id the cart is somebody else's.
      await expectCommerceError(commerce.cart.merge({ guestCartId: before.id, customerId }), 'not_found')
      const merged = await commerce.cart.merge({
        guestCartId: before.id,
        customerId,
        guestCustomerId: visitor,
      })
      expect([merged.id, merged.lines.map((l) => l.quantity)]).toEqual([own.id, [5]])
      await expectCommerceError(commerce.cart.get({ cartId: before.id, customerId: visitor }), 'not_found')
    })
  })
})

describe('checkout statements with a shipping method (node-postgres)', () => {
  it('stores the estimate within the money path budget: 4 statements, 2 commits', async () => {
    const database = await createTestDatabase('delivery_budget')
    const counter = countingPool({ connectionString: database.url, max: 4 })
    const { postgresStorage } = await import('../src/postgres-storage.js')
    const commerce = createCommerce({
      storage: postgresStorage({ pool: counter.pool }),
      logger: silentLogger,
      payments: [createTestPaymentProvider()],
      // No background pollers: they would land in the call being counted.
      unitsSold: false,
      stockStatus: false,
    })
    try {
      await commerce.migrate()
      const zone = await commerce.shipping.createZone({ name: 'US', countries: ['US'] })
      const method = await commerce.shipping.createMethod({
        zoneId: zone.id,
        name: 'Ground',
        kind: 'flat',
        price: usd(500),
        estimatedDays: { min: 2, max: 4 },
      })
      const cart = await commerce.cart.create({ currency: 'USD', email: 'budget@example.com' })
      for (let i = 0; i < 3; i++) {
        const sku = await product(commerce)
        await commerce.cart.addItem({ cartId: cart.id, sku, quantity: 1 })
      }
      await commerce.cart.setShippingAddress({ cartId: cart.id, address: US })
      const view = await commerce.cart.setShippingMethod({ cartId: cart.id, shippingMethodId: method.id })
      counter.reset()
      const { order } = await commerce.checkout.placeOrder({
        cartId: cart.id,
        idempotencyKey: 'delivery-budget',
        payment: { method: 'pm_card_visa' },
      })
      const trace = counter.trace()
      expect(order.estimatedDelivery).toEqual(view.shippingQuote?.estimatedDelivery)
      // checkout_read, the shipping method's zones (the quote the price needs), checkout_begin and
      // checkout_finish: the estimate rides in checkout_begin's insert.
      expect(trace.count, trace.statements.join('\n')).toBeLessThanOrEqual(4)
      expect(trace.commits).toBeLessThanOrEqual(2)
    } finally {
      await commerce.close()
      await counter.pool.end()
      await database.drop()
    }
  })
})

/** A Kysely over a fresh database of each driver, for running the migrations one by one. */
const MIGRATION_DRIVERS = {
  'node-postgres': async () => {
    const database = await createTestDatabase('delivery_migration')
    const pool = new pg.Pool({ connectionString: database.url, max: 2 })
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    return {
      db,
      close: async () => {
        await db.destroy()
        await database.drop()
      },
    }
  },
  PGlite: async () => {
    const pglite = new PGlite('memory://')
    const db = new Kysely<unknown>({ dialect: pgliteDialect(pglite) })
    return {
      db,
      close: async () => {
        await db.destroy()
        await pglite.close()
      },
    }
  },
} satisfies Record<string, () => Promise<{ db: Kysely<unknown>; close(): Promise<void> }>>

for (const [driver, open] of Object.entries(MIGRATION_DRIVERS)) {
  describe(`migration 014-delivery (${driver})`, () => {
    it("rewrites 'shipped' shipments to label_created, checks statuses, and leaves old orders without an estimate", async () => {
      const { db, close } = await open()
      try {
        const migrator = new Migrator({
          db,
          provider: { getMigrations: async () => soukMigrations('souk') },
          migrationTableSchema: 'souk',
          migrationTableName: 'migrations',
          migrationLockTableName: 'migrations_lock',
        })
        expect((await migrator.migrateTo('012-inventory-events')).error).toBeUndefined()
        await sql`
          insert into souk.orders (id, email, status, currency, subtotal, total, created_at, updated_at)
            values ('ord_old', 'old@example.com', 'shipped', 'USD', 1000, 1000, now(), now());
          insert into souk.order_lines (id, order_id, sku, name, quantity, unit_price, discount, tax, total)
            values ('oli_old', 'ord_old', 'OLD', 'Old', 2, 500, 0, 0, 1000);
          insert into souk.shipments (id, order_id, carrier, tracking_number, status, shipped_at) values
            ('shp_a', 'ord_old', 'DHL', 'A', 'shipped', now()),
            ('shp_b', 'ord_old', 'DHL', 'B', 'in_transit', now());
          insert into souk.tracking_events (id, shipment_id, status, occurred_at) values
            ('trk_1', 'shp_b', 'shipped', now()), ('trk_2', 'shp_b', 'in_transit', now())`.execute(db)
        expect((await migrator.migrateToLatest()).error).toBeUndefined()

        const shipments = await sql<{ id: string; status: string }>`
          select id, status from souk.shipments order by id`.execute(db)
        expect(shipments.rows).toEqual([
          { id: 'shp_a', status: 'label_created' },
          { id: 'shp_b', status: 'in_transit' },
        ])
        const events = await sql<{ id: string; status: string }>`
          select id, status from souk.tracking_events order by id`.execute(db)
        expect(events.rows).toEqual([
          { id: 'trk_1', status: 'label_created' },
          { id: 'trk_2', status: 'in_transit' },
        ])
        const order = await sql<{ estimated_delivery: unknown }>`
          select estimated_delivery from souk.orders where id = 'ord_old'`.execute(db)
        expect(order.rows).toEqual([{ estimated_delivery: null }])

        // The checks hold the new statuses, and only them.
        for (const status of SHIPMENT_STATUSES) {
          await sql`update souk.shipments set status = ${status} where id = 'shp_a'`.execute(db)
          await sql`insert into souk.tracking_events (id, shipment_id, status, occurred_at)
            values (${`trk_${status}`}, 'shp_a', ${status}, now())`.execute(db)
        }
        await expect(
          sql`update souk.shipments set status = 'shipped' where id = 'shp_a'`.execute(db),
        ).rejects.toThrow(/shipments_status_check/)
        await expect(
          sql`insert into souk.tracking_events (id, shipment_id, status, occurred_at)
            values ('trk_bad', 'shp_a', 'lost', now())`.execute(db),
        ).rejects.toThrow(/tracking_events_status_check/)
        await expect(
          sql`update souk.orders set estimated_delivery = '{"earliest":"2026-07-09","latest":"2026-07-03"}'
            where id = 'ord_old'`.execute(db),
        ).rejects.toThrow(/estimated_delivery/)
      } finally {
        await close()
      }
    })
  })
}
