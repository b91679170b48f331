import {
  type Commerce,
  createCommerce,
  createManualClock,
  createTestPaymentProvider,
  type ManualClock,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allPages, expectCursorRefused, promotionsCursor } from './paging-support.js'
import { describeOnDrivers } from './support.js'

let n = 0
const uniq = (p: string) => `${p}-${++n}`

describeOnDrivers('order_service', (fixture) => {
  let commerce: Commerce
  let clock: ManualClock
  let payments: TestPaymentProvider

  beforeAll(() => {
    clock = createManualClock(new Date('2026-06-01T12:00:00Z'))
    payments = createTestPaymentProvider({ clock, captureMethod: 'automatic' })
    commerce = createCommerce({
      storage: fixture().storage,
      clock,
      logger: silentLogger,
      payments: [payments],
    })
  })
  afterAll(() => commerce.close())

  async function buy(customerId: string, lines: { quantity: number; price: number; sellerId?: string }[]) {
    const skus: string[] = []
    for (const line of lines) {
      const sku = uniq('SKU')
      await commerce.catalog.createProduct({
        slug: sku.toLowerCase(),
        name: `Thing ${sku}`,
        status: 'active',
        ...(line.sellerId ? { sellerId: line.sellerId } : {}),
        variants: [{ sku, prices: [{ amount: line.price, currency: 'USD' }] }],
      })
      await commerce.inventory.setStock({ sku, onHand: 10 })
      skus.push(sku)
    }
    const cart = await commerce.cart.create({ currency: 'USD', customerId, email: 'c@example.com' })
    for (const [i, line] of lines.entries())
      await commerce.cart.addItem({ cartId: cart.id, customerId, sku: skus[i]!, quantity: line.quantity })
    const { order } = await commerce.checkout.placeOrder({
      cartId: cart.id,
      customerId,
      idempotencyKey: uniq('idem-key'),
      payment: { method: 'pm_card_visa' },
    })
    return { order, skus }
  }

  describe('orders', () => {
    it('shows an order only to its owner and pages a customer history newest first', async () => {
      const first = await buy('cus_dora', [{ quantity: 1, price: 500 }])
      clock.advance(1000)
      const second = await buy('cus_dora', [{ quantity: 1, price: 700 }])
      expect((await commerce.orders.get({ orderId: first.order.id, customerId: 'cus_dora' })).id).toBe(
        first.order.id,
      )
      await expectCommerceError(
        commerce.orders.get({ orderId: first.order.id, customerId: 'cus_eve' }),
        'not_found',
      )
      // Placed in the same millisecond as the second: the id breaks the tie.
      const third = await buy('cus_dora', [{ quantity: 1, price: 900 }])
      const tied = [second, third].map((b) => b.order.id).sort()
      for (const limit of [1, 2]) {
        const orders = await allPages((cursor) =>
          commerce.orders.listForCustomer({ customerId: 'cus_dora', cursor, limit }),
        )
        expect(orders.map((o) => o.id)).toEqual([tied[1], tied[0], first.order.id])
      }
      await expectCursorRefused(
        commerce.orders.listForCustomer({ customerId: 'cus_dora', cursor: 'garbage' }),
      )
      await expectCursorRefused(
        commerce.orders.listForCustomer({ customerId: 'cus_dora', cursor: await promotionsCursor(commerce) }),
      )
      expect(first.order.displayNumber).not.toBe(second.order.displayNumber)
    })

    it('follows the state machine and refuses invalid transitions', async () => {
      const { order } = await buy('cus_fay', [{ quantity: 1, price: 900 }])
      await commerce.orders.transition({ orderId: order.id, to: 'processing' })
      await commerce.orders.transition({ orderId: order.id, to: 'shipped' })
      await expectCommerceError(
        commerce.orders.transition({ orderId: order.id, to: 'processing' }),
        'order.invalid_transition',
      )
      await expectCommerceError(
        commerce.orders.cancel({ orderId: order.id, customerId: 'cus_fay' }),
        'order.invalid_transition',
      )
      const history = await commerce.orders.history({ orderId: order.id })
      expect(history.map((h) => h.to)).toEqual(['pending_payment', 'confirmed', 'processing', 'shipped'])
    })

    it('cancels a paid order before shipping: restocks and refunds, and is safe to repeat', async () => {
      const { order, skus } = await buy('cus_gus', [{ quantity: 3, price: 1000 }])
      expect(await commerce.inventory.available({ sku: skus[0]! })).toBe(7)
      const cancelled = await commerce.orders.cancel({ orderId: order.id, customerId: 'cus_gus' })
      expect(cancelled.status).toBe('cancelled')
      expect(await commerce.inventory.getLevels({ sku: skus[0]! })).toEqual([
        { sku: skus[0], locationId: 'default', onHand: 10, reserved: 0, available: 10 },
      ])
      await commerce.orders.cancel({ orderId: order.id, customerId: 'cus_gus' })
      const [payment] = payments.payments().filter((p) => p.orderId === order.id)
      expect(payment).toMatchObject({ status: 'refunded', refundedAmount: { amount: 3000, currency: 'USD' } })
      expect(await commerce.inventory.available({ sku: skus[0]! })).toBe(10)
      await expectCommerceError(
        commerce.orders.cancel({ orderId: order.id, customerId: 'cus_other' }),
        'not_found',
      )
    })

    it('returns part of a delivered order: restocks the units and refunds their exact share', async () => {
      const { order, skus } = await buy('cus_hal', [{ quantity: 3, price: 1001 }])
      for (const to of ['processing', 'shipped', 'delivered'] as const)
        await commerce.orders.transition({ orderId: order.id, to })
      const line = order.lines[0]!
      await expectCommerceError(
        commerce.orders.requestReturn({
          orderId: order.id,
          customerId: 'cus_hal',
          lines: [{ lineId: line.id, quantity: 4 }],
        }),
        'validation.failed',
      )
      await commerce.orders.requestReturn({
        orderId: order.id,
        customerId: 'cus_hal',
        lines: [{ lineId: line.id, quantity: 1 }],
      })
      const partly = await commerce.orders.receiveReturn({
        orderId: order.id,
        lines: [{ lineId: line.id, quantity: 1 }],
      })
      expect(partly.status).toBe('partially_refunded')
      expect(await commerce.inventory.available({ sku: skus[0]! })).toBe(8)
      const rest = await commerce.orders.receiveReturn({
        orderId: order.id,
        lines: [{ lineId: line.id, quantity: 2 }],
      })
      expect(rest.status).toBe('refunded')
      const [payment] = payments.payments().filter((p) => p.orderId === order.id)
      // 3003 over 3 units is 1001 each: refunds of 1001 and 2002 add up to the line exactly.
      expect(payment?.refundedAmount).toEqual({ amount: 3003, currency: 'USD' })
      await expectCommerceError(
        commerce.orders.receiveReturn({ orderId: order.id, lines: [{ lineId: line.id, quantity: 1 }] }),
        'order.invalid_transition',
      )
    })

    it('shows a seller their orders, lines and daily figures', async () => {
      const seller = await commerce.catalog.createSeller({ slug: uniq('shop'), name: 'Shop' })
      const { order } = await buy('cus_ivy', [
        { quantity: 2, price: 1500, sellerId: seller.id },
        { quantity: 1, price: 100 },
      ])
      const page = await commerce.orders.listForSeller({ sellerId: seller.id })
      expect(page.items.map((o) => o.id)).toEqual([order.id])
      expect(page.items[0]!.lines).toHaveLength(1)
      expect(page.nextCursor).toBeNull()
      const analytics = await commerce.orders.sellerAnalytics({
        sellerId: seller.id,
        from: new Date('2026-06-01T00:00:00Z'),
        to: new Date('2026-06-02T00:00:00Z'),
      })
      expect(analytics.days).toEqual([
        {
          day: '2026-06-01',
          currency: 'USD',
          units: 2,
          revenue: { amount: 3000, currency: 'USD' },
          tax: { amount: 0, currency: 'USD' },
        },
      ])
      expect(analytics.topProducts[0]).toMatchObject({ units: 2, revenue: { amount: 3000, currency: 'USD' } })
      await expectCommerceError(
        commerce.orders.sellerAnalytics({
          sellerId: seller.id,
          from: new Date('2026-06-02'),
          to: new Date('2026-06-01'),
        }),
        'validation.failed',
      )
      clock.advance(1000)
      const { order: later } = await buy('cus_ivy', [{ quantity: 1, price: 1500, sellerId: seller.id }])
      const first = await commerce.orders.listForSeller({ sellerId: seller.id, limit: 1 })
      expect(first.items.map((o) => o.id)).toEqual([later.id])
      const rest = await commerce.orders.listForSeller({
        sellerId: seller.id,
        cursor: first.nextCursor!,
        limit: 1,
      })
      expect(rest).toMatchObject({ items: [{ id: order.id }], nextCursor: null })
      // A seller listing's cursor is no customer listing's.
      await expectCursorRefused(
        commerce.orders.listForCustomer({ customerId: 'cus_ivy', cursor: first.nextCursor! }),
      )
    })
  })
})
