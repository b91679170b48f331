import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import type { NewOrder, OrderStatus, OrderStore } from '../ports/order-store.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

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

    it('pages a customer history newest first without repeats or gaps', async () => {
      const { store } = await makeHarness()
      const customerId = ids('cus')
      const made: string[] = []
      for (let i = 0; i < 7; i++) {
        const order = newOrder({ customerId, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) })
        made.push(order.id)
        await store.insert(order)
      }
      await store.insert(newOrder())
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page = await store.listForCustomer(customerId, cursor, 3)
        seen.push(...page.items.map((o) => o.id))
        cursor = page.nextCursor
      } while (cursor !== null)
      assert.deepEqual(seen, [...made].reverse())
      await assert.rejects(store.listForCustomer(customerId, 'not-a-cursor', 3), (e: unknown) =>
        isCommerceError(e, 'validation.failed'),
      )
    })

    it('shows a seller only orders with their lines, and sums paid sales per day', async () => {
      const { store } = await makeHarness()
      const seller = ids('sel')
      const day = new Date(Date.UTC(2026, 2, 3, 10))
      const base = newOrder({ createdAt: day })
      const mixed = newOrder({
        createdAt: day,
        lines: [
          {
            ...base.lines[0]!,
            id: ids('oli'),
            sellerId: seller,
            productId: 'prod_x',
            quantity: 3,
            total: usd(3000),
          },
          { ...base.lines[0]!, id: ids('oli'), sellerId: 'someone_else' },
        ],
      })
      const unpaid = newOrder({
        createdAt: day,
        lines: [{ ...base.lines[0]!, id: ids('oli'), sellerId: seller, productId: 'prod_x' }],
      })
      await store.insert(mixed)
      await store.insert(unpaid)
      await store.insert(newOrder())
      await store.transition({ id: mixed.id, from: 'pending_payment', to: 'confirmed', at: day })
      const page = await store.listForSeller(seller, null, 10)
      assert.deepEqual(page.items.map((o) => o.id).sort(), [mixed.id, unpaid.id].sort())
      assert.ok(page.items.every((o) => o.lines.every((l) => l.sellerId === seller)))
      const figures = await store.sellerDailyFigures(
        seller,
        new Date(Date.UTC(2026, 2, 1)),
        new Date(Date.UTC(2026, 2, 31)),
      )
      assert.deepEqual(figures, [{ day: '2026-03-03', currency: 'USD', revenue: usd(3000), units: 3 }])
      const top = await store.sellerTopProducts(
        seller,
        new Date(Date.UTC(2026, 2, 1)),
        new Date(Date.UTC(2026, 2, 31)),
        5,
      )
      assert.deepEqual(top, [{ productId: 'prod_x', name: 'Tee, M', units: 3, revenue: usd(3000) }])
    })

    it('limits returned quantity to what was ordered', async () => {
      const { store } = await makeHarness()
      const order = newOrder()
      await store.insert(order)
      const lineId = order.lines[0]!.id
      assert.equal(await store.addReturnedQuantity(lineId, 1), true)
      assert.equal(await store.addReturnedQuantity(lineId, 2), false)
      assert.equal(await store.addReturnedQuantity(lineId, 1), true)
      assert.equal((await store.get(order.id))?.lines[0]?.returnedQuantity, 2)
    })

    it('lists stale orders of a status oldest first', async () => {
      const { store } = await makeHarness()
      const old = newOrder({ createdAt: new Date(Date.UTC(2020, 0, 1)) })
      await store.insert(old)
      const stale = await store.listStale('pending_payment', new Date(Date.UTC(2020, 0, 2)), 100)
      assert.ok(stale.some((o) => o.id === old.id))
      assert.ok(
        !(await store.listStale('confirmed', new Date(Date.UTC(2020, 0, 2)), 100)).some(
          (o) => o.id === old.id,
        ),
      )
    })
  })
}
