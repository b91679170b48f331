/**
 * Free text through the services on real Postgres: NUL, other control characters and unpaired
 * surrogates are `validation.failed` before anything is written (Postgres itself would refuse NUL
 * with a driver error), and dates are parsed strictly.
 */
import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  isCommerceError,
  silentLogger,
} from '@souk/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
let commerce: Commerce
let n = 0
const uniq = (prefix: string) => `${prefix}-${++n}`

beforeAll(async () => {
  fixture = await postgresFixture('text_input', 10)
  const clock = createManualClock(new Date('2026-07-01T08:00:00Z'))
  const payments = createTestPaymentProvider({ clock })
  commerce = createCommerce({ storage: fixture.storage, clock, logger: silentLogger, payments: [payments] })
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

/** The error a call fails with: its code, and the paths of its issues for a validation error. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; paths: string[] }> {
  return promise.then(
    () => ({ code: 'resolved', paths: [] }),
    (e: unknown) => {
      if (!isCommerceError(e)) return { code: `not a CommerceError: ${String(e)}`, paths: [] }
      const issues = (e.details as { issues?: { path: string }[] }).issues ?? []
      return { code: e.code, paths: issues.map((i) => i.path) }
    },
  )
}

/** Rows of a table, read with plain SQL beside the stores under test. */
async function count(table: string): Promise<number> {
  const { rows } = await sql<{
    n: number
  }>`select count(*)::int as n from ${sql.table(`souk.${table}`)}`.execute(fixture.storage.db)
  return rows[0]!.n
}

const BAD_TEXT = ['NUL\u0000', '\u0001SOH', 'DEL\u007f', 'NEL\u0085', 'lone\ud83d', '\ude00lone']
const address = {
  name: 'Ada Lovelace',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
}

async function confirmedOrder(customerId: string) {
  const sku = uniq('TXT')
  await commerce.catalog.createProduct({
    slug: sku.toLowerCase(),
    name: `Thing ${sku}`,
    status: 'active',
    variants: [{ sku, prices: [{ amount: 700, currency: 'USD' }] }],
  })
  await commerce.inventory.setStock({ sku, onHand: 5 })
  const cart = await commerce.cart.create({ currency: 'USD', customerId, email: 'text@example.com' })
  await commerce.cart.addItem({ cartId: cart.id, customerId, sku, quantity: 1 })
  const { order } = await commerce.checkout.placeOrder({
    cartId: cart.id,
    customerId,
    idempotencyKey: uniq('text-order'),
    payment: { method: 'pm_card_visa' },
  })
  return order
}

describe('free text on Postgres', () => {
  it('refuses bad text in every address field of the address book, storing nothing', async () => {
    const customerId = uniq('cus_text')
    const before = await count('addresses')
    for (const field of ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'phone'] as const) {
      for (const bad of BAD_TEXT) {
        expect(
          await failure(commerce.customers.addAddress({ customerId, address: { ...address, [field]: bad } })),
        ).toEqual({ code: 'validation.failed', paths: [`address.${field}`] })
      }
    }
    expect(await count('addresses')).toBe(before)
    expect(await commerce.customers.listAddresses(customerId)).toEqual([])
    // The same address without the bad character is fine, trimmed.
    const stored = await commerce.customers.addAddress({
      customerId,
      address: { ...address, name: '  Ada  ' },
    })
    expect(stored.name).toBe('Ada')
  })

  it('refuses bad text in a cart address and at checkout, changing neither cart nor orders', async () => {
    const cart = await commerce.cart.create({ currency: 'USD', email: 'guest@example.com' })
    expect(
      await failure(
        commerce.cart.setShippingAddress({ cartId: cart.id, address: { ...address, city: 'Ber\u0000lin' } }),
      ),
    ).toEqual({ code: 'validation.failed', paths: ['address.city'] })
    expect((await commerce.cart.get({ cartId: cart.id })).shippingAddress).toBeNull()
    const orders = await count('orders')
    expect(
      await failure(
        commerce.checkout.placeOrder({
          cartId: cart.id,
          idempotencyKey: uniq('text-checkout'),
          payment: { method: 'pm_card_visa' },
          shippingAddress: { ...address, line1: '1 Main St\u0000' },
        }),
      ),
    ).toEqual({ code: 'validation.failed', paths: ['shippingAddress.line1'] })
    expect(
      await failure(commerce.cart.setEmail({ cartId: cart.id, email: 'guest\u0000@example.com' })),
    ).toMatchObject({ code: 'validation.failed' })
    expect(await count('orders')).toBe(orders)
  })

  it('refuses a bad cancel reason and leaves the order as it was', async () => {
    const customerId = uniq('cus_cancel')
    const order = await confirmedOrder(customerId)
    const history = await count('order_status_history')
    for (const reason of BAD_TEXT) {
      expect(await failure(commerce.orders.cancel({ orderId: order.id, customerId, reason }))).toEqual({
        code: 'validation.failed',
        paths: ['reason'],
      })
    }
    expect((await commerce.orders.get({ orderId: order.id })).status).toBe('confirmed')
    expect(await count('order_status_history')).toBe(history)
    // Multi-line reasons keep their line breaks.
    const cancelled = await commerce.orders.cancel({
      orderId: order.id,
      customerId,
      reason: 'Ordered twice.\nSorry!',
    })
    expect(cancelled.status).toBe('cancelled')
  })

  it('refuses bad text in zone, method and carrier names, creating nothing', async () => {
    const zones = await count('shipping_zones')
    for (const name of BAD_TEXT) {
      expect(await failure(commerce.shipping.createZone({ name, countries: ['DE'] }))).toEqual({
        code: 'validation.failed',
        paths: ['name'],
      })
    }
    expect(await count('shipping_zones')).toBe(zones)
    const zone = await commerce.shipping.createZone({ name: ' Germany ', countries: ['DE'] })
    expect(zone.name).toBe('Germany')
    const method = {
      zoneId: zone.id,
      kind: 'flat' as const,
      price: { amount: 495, currency: 'EUR' },
      estimatedDays: { min: 1, max: 3 },
    }
    const methods = await count('shipping_methods')
    for (const bad of BAD_TEXT) {
      expect(await failure(commerce.shipping.createMethod({ ...method, name: bad }))).toMatchObject({
        code: 'validation.failed',
        paths: ['name'],
      })
      expect(
        await failure(commerce.shipping.createMethod({ ...method, name: 'Standard', carrier: bad })),
      ).toMatchObject({ code: 'validation.failed', paths: ['carrier'] })
    }
    expect(await count('shipping_methods')).toBe(methods)
  })

  it('refuses bad text in catalog names, reviews and inventory reasons', async () => {
    const products = await count('products')
    const sku = uniq('CAT')
    const product = {
      slug: sku.toLowerCase(),
      variants: [{ sku, prices: [{ amount: 100, currency: 'USD' }] }],
    }
    for (const name of BAD_TEXT) {
      expect(await failure(commerce.catalog.createProduct({ ...product, name }))).toMatchObject({
        code: 'validation.failed',
        paths: ['name'],
      })
    }
    expect(
      await failure(
        commerce.catalog.createProduct({ ...product, name: 'Tee', description: 'soft\u0000cotton' }),
      ),
    ).toMatchObject({ code: 'validation.failed', paths: ['description'] })
    expect(await count('products')).toBe(products)
    expect(
      await failure(commerce.catalog.createSeller({ slug: uniq('seller'), name: 'Acme\u0000' })),
    ).toMatchObject({
      code: 'validation.failed',
    })
    expect(
      await failure(commerce.catalog.createCategory({ slug: uniq('cat'), name: '\ud800Tees' })),
    ).toMatchObject({
      code: 'validation.failed',
    })

    const created = await commerce.catalog.createProduct({ ...product, name: 'Tee 👕', status: 'active' })
    expect(created.name).toBe('Tee 👕')
    expect(
      await failure(
        commerce.catalog.addReview({
          productId: created.id,
          customerId: 'cus_1',
          rating: 5,
          body: 'great\u0000',
        }),
      ),
    ).toMatchObject({ code: 'validation.failed', paths: ['body'] })
    expect(
      await failure(
        commerce.catalog.addReview({
          productId: created.id,
          customerId: 'cus_1',
          rating: 5,
          title: 'two\nlines',
        }),
      ),
    ).toMatchObject({ code: 'validation.failed', paths: ['title'] })

    await commerce.inventory.setStock({ sku, onHand: 3 })
    expect(await failure(commerce.inventory.adjust({ sku, delta: 1, reason: 'count\u0000' }))).toMatchObject({
      code: 'validation.failed',
      paths: ['reason'],
    })
    expect(await commerce.inventory.available(sku)).toBe(3)
  })

  it('parses analytics windows strictly: an invalid date is a validation error, never a RangeError', async () => {
    const seller = await commerce.catalog.createSeller({ slug: uniq('seller'), name: 'Acme' })
    for (const window of [
      { from: 'not a date', to: '2026-07-01T00:00:00Z' },
      { from: '2026-06-01T00:00:00Z', to: new Date(Number.NaN) },
      { from: true, to: '2026-07-01T00:00:00Z' },
      { from: '2026-06-01', to: '2026-07-01' },
    ]) {
      expect(
        await failure(commerce.orders.sellerAnalytics({ sellerId: seller.id, ...window } as never)),
      ).toMatchObject({ code: 'validation.failed' })
    }
    const report = await commerce.orders.sellerAnalytics({
      sellerId: seller.id,
      from: '2026-06-01T00:00:00Z',
      to: new Date('2026-07-01T00:00:00Z'),
    })
    expect(report).toBeDefined()
  })
})
