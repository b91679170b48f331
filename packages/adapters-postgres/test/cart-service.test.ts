import {
  type CartStore,
  type Commerce,
  type CommerceErrorCode,
  type CommerceEvent,
  createCommerce,
  createManualClock,
  type ManualClock,
  silentLogger,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allPages, expectCursorRefused, promotionsCursor } from './paging-support.js'
import { describeOnDrivers } from './support.js'

let n = 0
const uniq = (p: string) => `${p}-${++n}`

describeOnDrivers('cart_service', (fixture) => {
  let commerce: Commerce
  let clock: ManualClock
  const seen: CommerceEvent[] = []

  beforeAll(() => {
    clock = createManualClock(new Date('2026-05-04T09:00:00Z'))
    commerce = createCommerce({ storage: fixture().storage, clock, logger: silentLogger })
    commerce.events.onAny((e) => {
      seen.push(e)
    })
  })
  afterAll(() => commerce.close())

  async function product(
    stock: number,
    price = 1000,
    status: 'active' | 'draft' = 'active',
  ): Promise<string> {
    const sku = uniq('SKU')
    await commerce.catalog.createProduct({
      slug: sku.toLowerCase(),
      name: `Item ${sku}`,
      status,
      variants: [
        { sku, options: { size: 'M' }, prices: [{ amount: price, currency: 'USD' }], weightGrams: 300 },
      ],
    })
    await commerce.inventory.setStock({ sku, onHand: stock })
    return sku
  }

  describe('cart service', () => {
    it('adds, updates, removes and prices lines at current prices', async () => {
      const a = await product(10, 1250)
      const b = await product(10, 399)
      const cart = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 2 })
      await commerce.cart.addItem({ cartId: cart.id, sku: b, quantity: 1 })
      let view = await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 1 })
      expect(view.lines.map((l) => [l.sku, l.quantity])).toEqual([
        [a, 3],
        [b, 1],
      ])
      expect(view.lines[0]?.name).toBe(`Item ${a} (M)`)
      expect(view.totals).toMatchObject({
        subtotal: { amount: 4149, currency: 'USD' },
        total: { amount: 4149, currency: 'USD' },
        itemCount: 4,
      })
      view = await commerce.cart.updateItem({ cartId: cart.id, sku: a, quantity: 0 })
      expect(view.lines.map((l) => l.sku)).toEqual([b])
      view = await commerce.cart.removeItem({ cartId: cart.id, sku: b })
      expect(view.lines).toEqual([])
      expect(view.totals.total).toEqual({ amount: 0, currency: 'USD' })
    })

    it('checks stock on add without reserving it', async () => {
      const a = await product(2)
      const cart = await commerce.cart.create({ currency: 'USD' })
      await expectCommerceError(
        commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 3 }),
        'inventory.insufficient_stock',
      )
      await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 2 })
      expect(await commerce.inventory.available({ sku: a })).toBe(2)
      await expectCommerceError(
        commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 1 }),
        'inventory.insufficient_stock',
      )
    })

    it('rejects bad input, unsellable SKUs and other customers with typed errors, changing nothing', async () => {
      const a = await product(5)
      const draft = await product(5, 1000, 'draft')
      const mine = await commerce.cart.create({ currency: 'USD', customerId: 'cus_alice' })
      const cases: [() => Promise<unknown>, CommerceErrorCode][] = [
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_alice', sku: a, quantity: -1 }),
          'validation.failed',
        ],
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_alice', sku: a, quantity: 1.5 }),
          'validation.failed',
        ],
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_alice', sku: a, quantity: 1e9 }),
          'validation.failed',
        ],
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_alice', sku: 'NOPE', quantity: 1 }),
          'not_found',
        ],
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_alice', sku: draft, quantity: 1 }),
          'not_found',
        ],
        [
          () => commerce.cart.addItem({ cartId: mine.id, customerId: 'cus_mallory', sku: a, quantity: 1 }),
          'not_found',
        ],
        [() => commerce.cart.addItem({ cartId: mine.id, sku: a, quantity: 1 }), 'not_found'],
        [() => commerce.cart.get({ cartId: 'cart_01JZZZZZZZZZZZZZZZZZZZZZZZ' }), 'not_found'],
        [() => commerce.cart.create({ currency: 'usd' } as never), 'validation.failed'],
        [() => commerce.cart.create({ currency: 'XXX' }), 'validation.failed'],
        [
          () => commerce.cart.setEmail({ cartId: mine.id, customerId: 'cus_alice', email: 'not-an-email' }),
          'validation.failed',
        ],
        [
          () =>
            commerce.cart.setShippingAddress({
              cartId: mine.id,
              customerId: 'cus_alice',
              address: { name: 'A', line1: 'x', city: 'y', country: 'Germany' },
            }),
          'validation.failed',
        ],
      ]
      for (const [call, code] of cases) await expectCommerceError(call(), code)
      const after = await commerce.cart.get({ cartId: mine.id, customerId: 'cus_alice' })
      expect(after.lines).toEqual([])
      expect(after.version).toBe(1)
    })

    it('loses no update when one cart is edited concurrently', async () => {
      const skus = await Promise.all(Array.from({ length: 5 }, () => product(1000)))
      const cart = await commerce.cart.create({ currency: 'USD' })
      await Promise.all([
        ...Array.from({ length: 30 }, () =>
          commerce.cart.addItem({ cartId: cart.id, sku: skus[0]!, quantity: 1 }),
        ),
        ...skus.slice(1).map((sku) => commerce.cart.addItem({ cartId: cart.id, sku, quantity: 2 })),
      ])
      const view = await commerce.cart.get({ cartId: cart.id })
      expect(view.lines.find((l) => l.sku === skus[0])?.quantity).toBe(30)
      expect(view.lines).toHaveLength(5)
      expect(view.totals.itemCount).toBe(38)
      expect(view.version).toBe(35)
    })

    it('adds shipping, tax-free totals and a promo code, refusing one whose minimum is not met', async () => {
      const a = await product(50, 2000)
      const zone = await commerce.shipping.createZone({ name: uniq('zone'), countries: ['DE'] })
      const method = await commerce.shipping.createMethod({
        zoneId: zone.id,
        name: 'Standard',
        kind: 'flat',
        price: { amount: 495, currency: 'USD' },
        estimatedDays: { min: 2, max: 4 },
      })
      const code = uniq('SAVE').replace('-', '')
      await commerce.promotions.create({
        code,
        kind: 'percentage',
        percent: '10',
        minSubtotal: { amount: 5000, currency: 'USD' },
      })
      const cart = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 2 })
      await commerce.cart.setShippingAddress({
        cartId: cart.id,
        address: { name: 'Ada', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      })
      let view = await commerce.cart.setShippingMethod({ cartId: cart.id, shippingMethodId: method.id })
      expect(view.totals.shippingTotal).toEqual({ amount: 495, currency: 'USD' })
      await expectCommerceError(
        commerce.cart.applyPromoCode({ cartId: cart.id, code }),
        'promotion.minimum_not_met',
      )
      await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 1 })
      view = await commerce.cart.applyPromoCode({ cartId: cart.id, code: code.toLowerCase() })
      expect(view.promoCode).toBe(code)
      expect(view.totals).toMatchObject({
        subtotal: { amount: 6000, currency: 'USD' },
        discountTotal: { amount: 600, currency: 'USD' },
        total: { amount: 5895, currency: 'USD' },
      })
      // Dropping below the minimum keeps the code but prices without it, and says why.
      view = await commerce.cart.updateItem({ cartId: cart.id, sku: a, quantity: 1 })
      expect(view.totals.discountTotal.amount).toBe(0)
      expect(view.promotionError?.code).toBe('promotion.minimum_not_met')
      await expectCommerceError(
        commerce.cart.applyPromoCode({ cartId: cart.id, code: 'NOSUCHCODE' }),
        'promotion.invalid',
      )
    })

    it('merges a guest cart into the customer cart on sign-in', async () => {
      const a = await product(100)
      const b = await product(100)
      const customerCart = await commerce.cart.create({ currency: 'USD', customerId: 'cus_bob' })
      await commerce.cart.addItem({ cartId: customerCart.id, customerId: 'cus_bob', sku: a, quantity: 2 })
      const guest = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: guest.id, sku: a, quantity: 1 })
      await commerce.cart.addItem({ cartId: guest.id, sku: b, quantity: 4 })
      const merged = await commerce.cart.merge({ guestCartId: guest.id, customerId: 'cus_bob' })
      expect(merged.id).toBe(customerCart.id)
      expect(merged.lines.map((l) => [l.sku, l.quantity])).toEqual([
        [a, 3],
        [b, 4],
      ])
      await expectCommerceError(commerce.cart.get({ cartId: guest.id }), 'not_found')
      // Without a cart of their own, the guest cart simply becomes the customer's.
      const lone = await commerce.cart.create({ currency: 'USD' })
      await commerce.cart.addItem({ cartId: lone.id, sku: b, quantity: 1 })
      const adopted = await commerce.cart.merge({ guestCartId: lone.id, customerId: 'cus_carol' })
      expect(adopted).toMatchObject({ id: lone.id, customerId: 'cus_carol' })
      await expectCommerceError(commerce.cart.get({ cartId: lone.id }), 'not_found')
    })

    it('lists abandoned carts and raises the event once per idle spell', async () => {
      const a = await product(10)
      const cart = await commerce.cart.create({ currency: 'USD', email: 'idle@example.com' })
      await commerce.cart.addItem({ cartId: cart.id, sku: a, quantity: 1 })
      clock.advance(2 * 3_600_000)
      const abandoned = await allPages((cursor) =>
        commerce.cart.listAbandoned({ idleForMs: 3_600_000, cursor, limit: 1 }),
      )
      expect(abandoned.map((c) => c.id)).toContain(cart.id)
      const whole = await commerce.cart.listAbandoned({ idleForMs: 3_600_000, limit: 1000 })
      expect(abandoned).toEqual(whole.items)
      await expectCursorRefused(commerce.cart.listAbandoned({ cursor: await promotionsCursor(commerce) }))
      await expectCursorRefused(commerce.cart.listAbandoned({ cursor: 'garbage' }))
      seen.length = 0
      await commerce.cart.notifyAbandoned({ idleForMs: 3_600_000 })
      await commerce.cart.notifyAbandoned({ idleForMs: 3_600_000 })
      const raised = seen.filter((e) => e.type === 'cart.abandoned' && e.cartId === cart.id)
      expect(raised).toHaveLength(1)
      expect(raised[0]).toMatchObject({ email: 'idle@example.com', itemCount: 1 })
    })

    it('keeps every rule of addItem and updateItem with and without the store reading for edits', async () => {
      // The same carts without readForEdit: the service reads the cart, the catalog and stock apart.
      const plain: CartStore = { ...fixture().storage.carts, readForEdit: undefined }
      const fallback = createCommerce({
        storage: fixture().storage,
        carts: plain,
        clock,
        logger: silentLogger,
        unitsSold: false,
      })
      const scarce = await product(3)
      const backorder = await product(0)
      await commerce.inventory.configureItem({ sku: backorder, allowBackorder: true })
      const untracked = await product(0)
      await commerce.inventory.configureItem({ sku: untracked, tracked: false })
      const noItem = uniq('SKU')
      await commerce.catalog.createProduct({
        slug: noItem.toLowerCase(),
        name: noItem,
        status: 'active',
        variants: [{ sku: noItem, prices: [{ amount: 1000, currency: 'USD' }] }],
      })
      for (const c of [commerce, fallback]) {
        const cart = await c.cart.create({ currency: 'USD' })
        const add = (sku: string, quantity: number) => c.cart.addItem({ cartId: cart.id, sku, quantity })
        await expectCommerceError(add(scarce, 4), 'inventory.insufficient_stock')
        await add(scarce, 3)
        await add(backorder, 5)
        await add(untracked, 10_000)
        await expectCommerceError(add(untracked, 1), 'validation.failed') // MAX_CART_LINE_QUANTITY
        // Sold but never stocked: out of stock, not unknown.
        await expectCommerceError(add(noItem, 1), 'inventory.insufficient_stock', {
          shortfalls: [{ sku: noItem, requested: 1, available: 0 }],
        })
        await expectCommerceError(
          c.cart.updateItem({ cartId: cart.id, sku: scarce, quantity: 4 }),
          'inventory.insufficient_stock',
        )
        const euros = await c.cart.create({ currency: 'EUR' })
        await expectCommerceError(
          c.cart.addItem({ cartId: euros.id, sku: scarce, quantity: 1 }),
          'validation.failed',
        )
        const view = await c.cart.get({ cartId: cart.id })
        expect(view.lines.map((l) => [l.sku, l.quantity])).toEqual([
          [scarce, 3],
          [backorder, 5],
          [untracked, 10_000],
        ])
        expect(view.totals.subtotal.amount).toBe(1000 * 10_008)
        // Checkout closed it (written past the store, as checkout's transaction does).
        await fixture()
          .storage.db.updateTable('carts')
          .set({ order_id: 'ord_test' })
          .where('id', '=', cart.id)
          .execute()
        await expectCommerceError(add(scarce, 1), 'cart.checked_out')
      }
    })

    it('expires idle carts after the TTL', async () => {
      const cart = await commerce.cart.create({ currency: 'USD' })
      clock.advance(31 * 86_400_000)
      await expectCommerceError(commerce.cart.get({ cartId: cart.id }), 'not_found')
      const { deleted } = await commerce.cart.deleteExpired()
      expect(deleted).toBeGreaterThanOrEqual(1)
    })
  })
})
