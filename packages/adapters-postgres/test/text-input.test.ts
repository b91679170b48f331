/**
 * Free text through the services on real Postgres: NUL, other control characters and unpaired
 * surrogates are `validation.failed` before anything is written (Postgres itself would refuse NUL
 * with a driver error), and dates are parsed strictly.
 */
import {
  type Commerce,
  type CommerceError,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

let n = 0
const uniq = (prefix: string) => `${prefix}-${++n}`

/** The paths of a validation error's issues. */
function issuePaths(error: CommerceError): string[] {
  return ((error.details as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path)
}

describeOnDrivers('text_input', (fixture) => {
  let commerce: Commerce
  beforeAll(() => {
    const clock = createManualClock(new Date('2026-07-01T08:00:00Z'))
    const payments = createTestPaymentProvider({ clock })
    commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger: silentLogger,
      payments: [payments],
    })
  })
  afterAll(() => commerce.close())

  /** Rows of a table, read with plain SQL beside the stores under test. */
  async function count(table: string): Promise<number> {
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from ${sql.table(`souk.${table}`)}`.execute(fixture().storage.db)
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

  describe('free text', () => {
    it('refuses bad text in every address field of the address book, storing nothing', async () => {
      const customerId = uniq('cus_text')
      const before = await count('addresses')
      for (const field of ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'phone'] as const) {
        for (const bad of BAD_TEXT) {
          expect(
            issuePaths(
              await expectCommerceError(
                commerce.customers.addAddress({ customerId, address: { ...address, [field]: bad } }),
                'validation.failed',
              ),
            ),
          ).toEqual([`address.${field}`])
        }
      }
      expect(await count('addresses')).toBe(before)
      expect(await commerce.customers.listAddresses({ customerId })).toEqual([])
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
        issuePaths(
          await expectCommerceError(
            commerce.cart.setShippingAddress({
              cartId: cart.id,
              address: { ...address, city: 'Ber\u0000lin' },
            }),
            'validation.failed',
          ),
        ),
      ).toEqual(['address.city'])
      expect((await commerce.cart.get({ cartId: cart.id })).shippingAddress).toBeNull()
      const orders = await count('orders')
      expect(
        issuePaths(
          await expectCommerceError(
            commerce.checkout.placeOrder({
              cartId: cart.id,
              idempotencyKey: uniq('text-checkout'),
              payment: { method: 'pm_card_visa' },
              shippingAddress: { ...address, line1: '1 Main St\u0000' },
            }),
            'validation.failed',
          ),
        ),
      ).toEqual(['shippingAddress.line1'])
      await expectCommerceError(
        commerce.cart.setEmail({ cartId: cart.id, email: 'guest\u0000@example.com' }),
        'validation.failed',
      )
      expect(await count('orders')).toBe(orders)
    })

    it('refuses a bad cancel reason and leaves the order as it was', async () => {
      const customerId = uniq('cus_cancel')
      const order = await confirmedOrder(customerId)
      const history = await count('order_status_history')
      for (const reason of BAD_TEXT) {
        expect(
          issuePaths(
            await expectCommerceError(
              commerce.orders.cancel({ orderId: order.id, customerId, reason }),
              'validation.failed',
            ),
          ),
        ).toEqual(['reason'])
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
        expect(
          issuePaths(
            await expectCommerceError(
              commerce.shipping.createZone({ name, countries: ['DE'] }),
              'validation.failed',
            ),
          ),
        ).toEqual(['name'])
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
        expect(
          issuePaths(
            await expectCommerceError(
              commerce.shipping.createMethod({ ...method, name: bad }),
              'validation.failed',
            ),
          ),
        ).toEqual(['name'])
        expect(
          issuePaths(
            await expectCommerceError(
              commerce.shipping.createMethod({ ...method, name: 'Standard', carrier: bad }),
              'validation.failed',
            ),
          ),
        ).toEqual(['carrier'])
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
        expect(
          issuePaths(
            await expectCommerceError(
              commerce.catalog.createProduct({ ...product, name }),
              'validation.failed',
            ),
          ),
        ).toEqual(['name'])
      }
      expect(
        issuePaths(
          await expectCommerceError(
            commerce.catalog.createProduct({ ...product, name: 'Tee', description: 'soft\u0000cotton' }),
            'validation.failed',
          ),
        ),
      ).toEqual(['description'])
      expect(await count('products')).toBe(products)
      await expectCommerceError(
        commerce.catalog.createSeller({ slug: uniq('seller'), name: 'Acme\u0000' }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.catalog.createCategory({ slug: uniq('cat'), name: '\ud800Tees' }),
        'validation.failed',
      )

      const created = await commerce.catalog.createProduct({ ...product, name: 'Tee 👕', status: 'active' })
      expect(created.name).toBe('Tee 👕')
      expect(
        issuePaths(
          await expectCommerceError(
            commerce.catalog.addReview({
              productId: created.id,
              customerId: 'cus_1',
              rating: 5,
              body: 'great\u0000',
            }),
            'validation.failed',
          ),
        ),
      ).toEqual(['body'])
      expect(
        issuePaths(
          await expectCommerceError(
            commerce.catalog.addReview({
              productId: created.id,
              customerId: 'cus_1',
              rating: 5,
              title: 'two\nlines',
            }),
            'validation.failed',
          ),
        ),
      ).toEqual(['title'])

      await commerce.inventory.setStock({ sku, onHand: 3 })
      expect(
        issuePaths(
          await expectCommerceError(
            commerce.inventory.adjust({ sku, delta: 1, reason: 'count\u0000' }),
            'validation.failed',
          ),
        ),
      ).toEqual(['reason'])
      expect(await commerce.inventory.available({ sku })).toBe(3)
    })

    it('parses analytics windows strictly: an invalid date is a validation error, never a RangeError', async () => {
      const seller = await commerce.catalog.createSeller({ slug: uniq('seller'), name: 'Acme' })
      for (const window of [
        { from: 'not a date', to: '2026-07-01T00:00:00Z' },
        { from: '2026-06-01T00:00:00Z', to: new Date(Number.NaN) },
        { from: true, to: '2026-07-01T00:00:00Z' },
        { from: '2026-06-01', to: '2026-07-01' },
      ]) {
        await expectCommerceError(
          commerce.orders.sellerAnalytics({ sellerId: seller.id, ...window } as never),
          'validation.failed',
        )
      }
      const report = await commerce.orders.sellerAnalytics({
        sellerId: seller.id,
        from: '2026-06-01T00:00:00Z',
        to: new Date('2026-07-01T00:00:00Z'),
      })
      expect(report).toBeDefined()
    })
  })
})
