import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { allocateEvenly } from '../money/allocate.js'
import { money, sum } from '../money/money.js'
import type { NewOrder, OrderLineRecord, OrderStatus, OrderStore } from '../ports/order-store.js'
import { pageThrough } from './page-through.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** Orders as the listings serve them: newest first, the larger id first on a tie. */
function newestFirst(orders: readonly NewOrder[]): NewOrder[] {
  return [...orders].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
}

export interface OrderInspector {
  /** Stored status read directly, or null. */
  status(orderId: string): Promise<string | null>
  /** Number of history rows stored for the order. */
  historyCount(orderId: string): Promise<number>
}

export interface OrderStoreHarness {
  readonly store: OrderStore
  readonly inspect: OrderInspector
}

/** The order store contract. Every test makes its own customers and sellers. */
export function orderStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<OrderStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const usd = (n: number) => money(n, 'USD')

  const newOrder = (over: Partial<NewOrder> = {}): NewOrder => {
    const id = ids('ord')
    return {
      id,
      customerId: ids('cus'),
      email: 'shopper@example.com',
      status: 'pending_payment',
      currency: 'USD',
      totals: {
        subtotal: usd(2500),
        discountTotal: usd(0),
        shippingTotal: usd(500),
        taxTotal: usd(250),
        total: usd(3250),
      },
      lines: [
        {
          id: ids('oli'),
          sku: 'TEE-M',
          productId: 'prod_1',
          variantId: 'var_1',
          sellerId: 'sel_1',
          name: 'Tee, M',
          quantity: 2,
          unitPrice: usd(1250),
          discount: usd(0),
          tax: usd(250),
          total: usd(2750),
          returnedQuantity: 0,
        },
      ],
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Springfield', country: 'US', region: 'IL' },
      billingAddress: null,
      shippingMethodId: null,
      promoCode: null,
      cartId: null,
      reservationId: null,
      paymentProvider: 'test',
      createdAt: new Date(),
      ...over,
    }
  }

  /** A line of `sellerId`'s, its total consistent with its price, discount and (added) tax. */
  const sellerLine = (
    sellerId: string,
    l: {
      quantity: number
      unitPrice: number
      tax?: number
      discount?: number
      productId?: string
      currency?: string
    },
  ): OrderLineRecord => {
    const c = l.currency ?? 'USD'
    const tax = l.tax ?? 0
    const discount = l.discount ?? 0
    return {
      id: ids('oli'),
      sku: ids('sku'),
      productId: l.productId ?? ids('prod'),
      variantId: null,
      sellerId,
      name: 'Thing',
      quantity: l.quantity,
      unitPrice: money(l.unitPrice, c),
      discount: money(discount, c),
      tax: money(tax, c),
      total: money(l.quantity * l.unitPrice - discount + tax, c),
      returnedQuantity: 0,
    }
  }
  const march3 = new Date(Date.UTC(2026, 2, 3, 10))
  /** Analytics window: all of March 2026 but the 31st. */
  const march = { from: new Date(Date.UTC(2026, 2, 1)), to: new Date(Date.UTC(2026, 2, 31)) }

  describe('order store contract', () => {
    it('inserts an order with lines, a display number and its first history entry', async () => {
      const { store, inspect } = await makeHarness()
      const order = newOrder()
      const stored = await store.insert(order)
      assert.match(stored.displayNumber, /^\d+$/)
      const read = await store.get(order.id)
      assert.ok(read)
      assert.deepEqual(read.lines, order.lines)
      assert.deepEqual(read.totals, order.totals)
      assert.deepEqual(read.shippingAddress, order.shippingAddress)
      assert.equal(await inspect.status(order.id), 'pending_payment')
      assert.equal(await inspect.historyCount(order.id), 1)
      assert.equal(await store.get('ord_missing'), null)
      const other = await store.insert(newOrder())
      assert.notEqual(other.displayNumber, stored.displayNumber)
    })

    it('moves status only from the expected state, recording history', async () => {
      const { store, inspect } = await makeHarness()
      const order = newOrder()
      await store.insert(order)
      assert.equal(
        await store.transition({ id: order.id, from: 'pending_payment', to: 'confirmed', at: new Date() }),
        true,
      )
      assert.equal(
        await store.transition({
          id: order.id,
          from: 'pending_payment',
          to: 'payment_failed',
          at: new Date(),
        }),
        false,
      )
      assert.equal(await inspect.status(order.id), 'confirmed')
      const history = await store.history(order.id)
      assert.deepEqual(
        history.map((h) => [h.from, h.to]),
        [
          [null, 'pending_payment'],
          ['pending_payment', 'confirmed'],
        ],
      )
    })

    it(`lets exactly one of ${concurrency} concurrent transitions win`, async () => {
      const { store, inspect } = await makeHarness()
      const order = newOrder()
      await store.insert(order)
      const targets: OrderStatus[] = ['confirmed', 'payment_failed', 'cancelled']
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.transition({ id: order.id, from: 'pending_payment', to: targets[i % 3]!, at: new Date() }),
        ),
      )
      assert.equal(results.filter(Boolean).length, 1)
      assert.equal(await inspect.historyCount(order.id), 2)
    })

    it('pages a customer history newest first, ties broken by id, without repeats or gaps', async () => {
      const { store } = await makeHarness()
      const customerId = ids('cus')
      const made: NewOrder[] = []
      for (let i = 0; i < 7; i++) {
        // Three orders a second: the keyset's tie-breaker is the id.
        const order = newOrder({
          customerId,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))),
        })
        made.push(order)
        await store.insert(order)
      }
      await store.insert(newOrder())
      for (const limit of [1, 3, 7]) {
        const rows = await pageThrough((after) => store.listForCustomer({ customerId, after, limit }), {
          sort: 'customer_orders',
          limit,
          key: (o) => o.id,
        })
        assert.deepEqual(
          rows.map((o) => o.id),
          newestFirst(made).map((o) => o.id),
        )
      }
      const bad = { sort: 'customer_orders', key: 'yesterday', id: made[0]!.id }
      await assert.rejects(store.listForCustomer({ customerId, after: bad, limit: 3 }), (e: unknown) =>
        isCommerceError(e, 'validation.failed'),
      )
    })

    it("pages a seller's orders newest first, ties broken by id", async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      const at = new Date(Date.UTC(2026, 1, 1))
      const made: NewOrder[] = []
      for (let i = 0; i < 5; i++) {
        const order = newOrder({
          createdAt: i < 4 ? at : march3,
          lines: [sellerLine(seller, { quantity: 1, unitPrice: 100 })],
        })
        made.push(order)
        await store.insert(order)
      }
      await store.insert(newOrder({ createdAt: at }))
      const rows = await pageThrough((after) => store.listForSeller({ sellerId: seller, after, limit: 2 }), {
        sort: 'seller_orders',
        limit: 2,
        key: (o) => o.id,
      })
      assert.deepEqual(
        rows.map((o) => o.id),
        newestFirst(made).map((o) => o.id),
      )
    })

    it('shows a seller only orders with their lines, and sums their kept sales per day', async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      const other = ids('sel')
      const mixed = newOrder({
        createdAt: march3,
        lines: [
          sellerLine(seller, { productId: 'prod_x', quantity: 3, unitPrice: 1000, tax: 300 }),
          sellerLine(other, { productId: 'prod_x', quantity: 5, unitPrice: 700, tax: 350 }),
        ],
      })
      const unpaid = newOrder({
        createdAt: march3,
        lines: [sellerLine(seller, { productId: 'prod_x', quantity: 2, unitPrice: 1000 })],
      })
      await store.insert(mixed)
      await store.insert(unpaid)
      await store.insert(newOrder())
      await store.transition({ id: mixed.id, from: 'pending_payment', to: 'confirmed', at: march3 })
      const page = await store.listForSeller({ sellerId: seller, limit: 10 })
      assert.deepEqual(page.items.map((o) => o.id).sort(), [mixed.id, unpaid.id].sort())
      assert.ok(page.items.every((o) => o.lines.every((l) => l.sellerId === seller)))
      const kept = { currency: 'USD', units: 3, revenue: usd(3000), tax: usd(300) }
      assert.deepEqual(await store.sellerDailyFigures({ sellerId: seller, ...march }), [
        { day: '2026-03-03', ...kept },
      ])
      assert.deepEqual(await store.sellerTopProducts({ sellerId: seller, ...march, limit: 5 }), [
        { productId: 'prod_x', name: 'Thing', ...kept },
      ])
      // The other seller's line of the same order is theirs alone.
      assert.deepEqual(await store.sellerDailyFigures({ sellerId: other, ...march }), [
        { day: '2026-03-03', currency: 'USD', units: 5, revenue: usd(3500), tax: usd(350) },
      ])
    })

    it("takes received returns and their share of revenue and tax off a seller's figures", async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      // 4 sold, 3 returned: 1 kept. Uneven amounts, so the share kept is the refund rule's.
      const returned = sellerLine(seller, {
        productId: 'prod_mostly_back',
        quantity: 4,
        unitPrice: 1001,
        tax: 401,
      })
      const kept = sellerLine(seller, { productId: 'prod_kept', quantity: 2, unitPrice: 500, tax: 50 })
      const order = newOrder({ createdAt: march3, lines: [returned, kept] })
      await store.insert(order)
      await store.transition({ id: order.id, from: 'pending_payment', to: 'partially_refunded', at: march3 })
      assert.equal(await store.addReturnedQuantity({ orderLineId: returned.id, quantity: 3 }), true)

      // What the refund of 3 of 4 units took back: the first 3 of the line's even parts.
      const refunded = (amount: number) => sum(allocateEvenly(usd(amount), 4).slice(0, 3), 'USD').amount
      const keptTotal = returned.total.amount - refunded(returned.total.amount)
      const keptTax = returned.tax.amount - refunded(returned.tax.amount)
      assert.equal(keptTotal - keptTax, 1001) // one unit's price, tax excluded
      const one = { currency: 'USD', units: 1, revenue: usd(keptTotal - keptTax), tax: usd(keptTax) }
      const two = { currency: 'USD', units: 2, revenue: usd(1000), tax: usd(50) }
      assert.deepEqual(await store.sellerDailyFigures({ sellerId: seller, ...march }), [
        { day: '2026-03-03', currency: 'USD', units: 3, revenue: usd(2001), tax: usd(keptTax + 50) },
      ])
      // Ranked by units kept, not sold.
      assert.deepEqual(await store.sellerTopProducts({ sellerId: seller, ...march, limit: 5 }), [
        { productId: 'prod_kept', name: 'Thing', ...two },
        { productId: 'prod_mostly_back', name: 'Thing', ...one },
      ])

      // The last unit back too: the product drops out of the figures.
      assert.equal(await store.addReturnedQuantity({ orderLineId: returned.id, quantity: 1 }), true)
      assert.deepEqual(await store.sellerTopProducts({ sellerId: seller, ...march, limit: 5 }), [
        { productId: 'prod_kept', name: 'Thing', ...two },
      ])
    })

    it('counts nothing of unpaid, failed, cancelled or wholly returned orders', async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      const endsIn: OrderStatus[] = ['pending_payment', 'payment_failed', 'cancelled', 'refunded']
      for (const status of endsIn) {
        const line = sellerLine(seller, { quantity: 2, unitPrice: 900, tax: 90 })
        const order = newOrder({ createdAt: march3, lines: [line] })
        await store.insert(order)
        if (status !== 'pending_payment')
          await store.transition({ id: order.id, from: 'pending_payment', to: status, at: march3 })
        if (status === 'refunded')
          assert.equal(await store.addReturnedQuantity({ orderLineId: line.id, quantity: 2 }), true)
      }
      assert.deepEqual(await store.sellerDailyFigures({ sellerId: seller, ...march }), [])
      assert.deepEqual(await store.sellerTopProducts({ sellerId: seller, ...march, limit: 5 }), [])
    })

    it('reports each currency on its own, never summed, with top products per currency', async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      const eur = (n: number) => money(n, 'EUR')
      const sold = async (currency: string, lines: OrderLineRecord[], createdAt = march3) => {
        const order = newOrder({ currency, createdAt, lines })
        await store.insert(order)
        await store.transition({ id: order.id, from: 'pending_payment', to: 'delivered', at: createdAt })
      }
      await sold('USD', [sellerLine(seller, { productId: 'prod_a', quantity: 1, unitPrice: 1000, tax: 100 })])
      await sold('EUR', [
        sellerLine(seller, { productId: 'prod_a', quantity: 2, unitPrice: 900, tax: 171, currency: 'EUR' }),
        sellerLine(seller, { productId: 'prod_b', quantity: 1, unitPrice: 400, tax: 76, currency: 'EUR' }),
      ])
      // Orders placed at `to` are outside the window.
      await sold(
        'EUR',
        [sellerLine(seller, { productId: 'prod_b', quantity: 9, unitPrice: 400, currency: 'EUR' })],
        march.to,
      )

      assert.deepEqual(await store.sellerDailyFigures({ sellerId: seller, ...march }), [
        { day: '2026-03-03', currency: 'EUR', units: 3, revenue: eur(2200), tax: eur(247) },
        { day: '2026-03-03', currency: 'USD', units: 1, revenue: usd(1000), tax: usd(100) },
      ])
      assert.deepEqual(await store.sellerTopProducts({ sellerId: seller, ...march, limit: 1 }), [
        { productId: 'prod_a', name: 'Thing', currency: 'EUR', units: 2, revenue: eur(1800), tax: eur(171) },
        { productId: 'prod_a', name: 'Thing', currency: 'USD', units: 1, revenue: usd(1000), tax: usd(100) },
      ])
    })

    it('limits returned quantity to what was ordered', async () => {
      const { store } = await makeHarness()
      const order = newOrder()
      await store.insert(order)
      const lineId = order.lines[0]!.id
      assert.equal(await store.addReturnedQuantity({ orderLineId: lineId, quantity: 1 }), true)
      assert.equal(await store.addReturnedQuantity({ orderLineId: lineId, quantity: 2 }), false)
      assert.equal(await store.addReturnedQuantity({ orderLineId: lineId, quantity: 1 }), true)
      assert.equal((await store.get(order.id))?.lines[0]?.returnedQuantity, 2)
    })

    it('lists stale orders of a status oldest first', async () => {
      const { store } = await makeHarness()
      const old = newOrder({ createdAt: new Date(Date.UTC(2020, 0, 1)) })
      await store.insert(old)
      const updatedBefore = new Date(Date.UTC(2020, 0, 2))
      const stale = await store.listStale({ status: 'pending_payment', updatedBefore, limit: 100 })
      assert.ok(stale.some((o) => o.id === old.id))
      assert.ok(
        !(await store.listStale({ status: 'confirmed', updatedBefore, limit: 100 })).some(
          (o) => o.id === old.id,
        ),
      )
    })
  })
}
