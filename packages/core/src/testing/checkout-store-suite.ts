import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import type { CartRecord } from '../ports/cart-store.js'
import type { BeginCheckoutInput } from '../ports/checkout-store.js'
import type { Storage } from '../ports/storage.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

export interface CheckoutInspector {
  /** The key's stored status and bound resource, read directly, or null. */
  key(scope: string, key: string): Promise<{ status: string; resourceId: string | null } | null>
  /** The order's stored status, or null. */
  orderStatus(orderId: string): Promise<string | null>
  /** On hand and reserved of a SKU summed over its locations. */
  stock(sku: string): Promise<{ onHand: number; reserved: number }>
  /** Messages in the outbox with this topic and key. */
  outboxCount(topic: string, key: string): Promise<number>
}

export interface CheckoutStoreHarness {
  readonly storage: Storage
  readonly inspect: CheckoutInspector
  /** Creates an active product with one variant `sku` priced in USD, and stock of it. */
  seedSku(sku: string, onHand: number, priceCents: number): Promise<void>
}

/**
 * The checkout store contract: one read, then `begin` and `finish`, each atomic, and every refusal
 * leaving storage exactly as it was. Every test makes its own SKUs, carts and keys.
 */
export function checkoutStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<CheckoutStoreHarness>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const at = new Date('2026-06-01T10:00:00Z')
  const usd = (n: number) => money(n, 'USD')

  async function cartWith(h: CheckoutStoreHarness, lines: { sku: string; quantity: number }[]) {
    const cart: CartRecord = {
      id: ids('cart'),
      customerId: null,
      currency: 'USD',
      lines: lines.map((l) => ({ ...l, addedAt: at })),
      email: 'suite@example.com',
      promoCode: null,
      shippingAddress: null,
      shippingMethodId: null,
      orderId: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
      expiresAt: new Date(at.getTime() + 86_400_000),
    }
    await h.storage.carts.insert(cart)
    return cart
  }

  function beginInput(
    cart: CartRecord,
    key: string,
    over: Partial<BeginCheckoutInput> = {},
  ): BeginCheckoutInput {
    const orderId = ids('ord')
    const reservationId = ids('res')
    const total = cart.lines.reduce((t, l) => t + l.quantity * 1000, 0)
    return {
      key: {
        scope: 'suite',
        key,
        requestHash: 'hash-1',
        lockedUntil: new Date(at.getTime() + 5000),
        expiresAt: new Date(at.getTime() + 86_400_000),
      },
      order: {
        id: orderId,
        customerId: null,
        email: 'suite@example.com',
        status: 'pending_payment',
        currency: 'USD',
        totals: {
          subtotal: usd(total),
          discountTotal: usd(0),
          shippingTotal: usd(0),
          taxTotal: usd(0),
          total: usd(total),
        },
        lines: cart.lines.map((l) => ({
          id: ids('oli'),
          sku: l.sku,
          productId: null,
          variantId: null,
          sellerId: null,
          name: l.sku,
          quantity: l.quantity,
          unitPrice: usd(1000),
          discount: usd(0),
          tax: usd(0),
          total: usd(1000 * l.quantity),
          returnedQuantity: 0,
        })),
        shippingAddress: null,
        billingAddress: null,
        shippingMethodId: null,
        promoCode: null,
        cartId: cart.id,
        reservationId,
        paymentProvider: 'test',
        createdAt: at,
      },
      cartVersion: cart.version,
      reservation: {
        id: reservationId,
        lines: cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        allocations: null,
        expiresAt: new Date(at.getTime() + 900_000),
      },
      promotion: null,
      outbox: [{ topic: 'suite.order', key: orderId, payload: { orderId } }],
      at,
      ...over,
    }
  }

  describe('checkout store contract', () => {
    it('reads the key, the cart and its variants priced in the cart currency', async () => {
      const h = await makeHarness()
      const sku = ids('SKU').toUpperCase()
      await h.seedSku(sku, 5, 1999)
      const cart = await cartWith(h, [{ sku, quantity: 2 }])
      const snapshot = await h.storage.checkout.read({ scope: 'suite', key: ids('key'), cartId: cart.id })
      assert.equal(snapshot.key, null)
      assert.equal(snapshot.cart?.id, cart.id)
      assert.equal(snapshot.cart?.version, 1)
      assert.deepEqual(
        snapshot.variants.map((v) => [v.sku, v.price?.amount, v.price?.currency]),
        [[sku, 1999, 'USD']],
      )
      const missing = await h.storage.checkout.read({ scope: 'suite', key: ids('key'), cartId: ids('cart') })
      assert.equal(missing.cart, null)
      assert.deepEqual(missing.variants, [])
    })

    it('begin creates the order, holds the stock, closes the cart and binds the key; finish confirms once', async () => {
      const h = await makeHarness()
      const sku = ids('SKU').toUpperCase()
      await h.seedSku(sku, 5, 1000)
      const cart = await cartWith(h, [{ sku, quantity: 2 }])
      const key = ids('key')
      const input = beginInput(cart, key)
      const begun = await h.storage.checkout.begin(input)
      assert.equal(begun.outcome, 'created')
      assert.ok(begun.outcome === 'created' && /^\d+$/.test(begun.displayNumber))
      assert.equal(await h.inspect.orderStatus(input.order.id), 'pending_payment')
      assert.deepEqual(await h.inspect.stock(sku), { onHand: 5, reserved: 2 })
      assert.deepEqual(await h.inspect.key('suite', key), {
        status: 'in_progress',
        resourceId: input.order.id,
      })
      assert.equal(await h.inspect.outboxCount('suite.order', input.order.id), 1)
      const read = await h.storage.checkout.read({ scope: 'suite', key, cartId: cart.id })
      assert.equal(read.cart?.orderId, input.order.id)
      assert.equal(read.key?.resourceId, input.order.id)

      const taken = await h.storage.checkout.begin(beginInput(cart, key))
      assert.equal(taken.outcome, 'key_taken')

      const finish = {
        orderId: input.order.id,
        to: 'confirmed' as const,
        note: null,
        payment: null,
        key: { scope: 'suite', key },
        response: { kind: 'result', orderId: input.order.id },
        outbox: [],
        at,
      }
      const first = await h.storage.checkout.finish(finish)
      assert.equal(first.moved, true)
      assert.equal(first.status, 'confirmed')
      assert.equal(first.reservation?.status, 'committed')
      assert.deepEqual(await h.inspect.stock(sku), { onHand: 3, reserved: 0 })
      assert.deepEqual(await h.inspect.key('suite', key), { status: 'completed', resourceId: input.order.id })
      const second = await h.storage.checkout.finish(finish)
      assert.equal(second.moved, false)
      assert.deepEqual(await h.inspect.stock(sku), { onHand: 3, reserved: 0 })
    })

    it('refusals leave nothing behind: short stock, a changed cart, an unknown SKU', async () => {
      const h = await makeHarness()
      const sku = ids('SKU').toUpperCase()
      await h.seedSku(sku, 1, 1000)
      const cases: [string, () => Promise<BeginCheckoutInput>, string][] = [
        [
          'short',
          async () => beginInput(await cartWith(h, [{ sku, quantity: 2 }]), ids('key')),
          'inventory.insufficient_stock',
        ],
        [
          'changed',
          async () => beginInput(await cartWith(h, [{ sku, quantity: 1 }]), ids('key'), { cartVersion: 7 }),
          'conflict',
        ],
        [
          'unknown',
          async () =>
            beginInput(await cartWith(h, [{ sku: ids('NOPE').toUpperCase(), quantity: 1 }]), ids('key')),
          'not_found',
        ],
      ]
      for (const [name, make, code] of cases) {
        const input = await make()
        const error = await h.storage.checkout.begin(input).then(
          () => null,
          (e: unknown) => e,
        )
        assert.ok(isCommerceError(error, code as never), `${name}: expected ${code}, got ${String(error)}`)
        assert.equal(await h.inspect.key('suite', input.key.key), null, `${name}: no claim`)
        assert.equal(await h.inspect.orderStatus(input.order.id), null, `${name}: no order`)
        assert.equal(await h.inspect.outboxCount('suite.order', input.order.id), 0, `${name}: no message`)
        const read = await h.storage.checkout.read({
          scope: 'suite',
          key: input.key.key,
          cartId: input.order.cartId!,
        })
        assert.equal(read.cart?.orderId, null, `${name}: cart still open`)
      }
      assert.deepEqual(await h.inspect.stock(sku), { onHand: 1, reserved: 0 })
    })

    it('finish to payment_failed releases the stock and reopens the cart', async () => {
      const h = await makeHarness()
      const sku = ids('SKU').toUpperCase()
      await h.seedSku(sku, 3, 1000)
      const cart = await cartWith(h, [{ sku, quantity: 3 }])
      const input = beginInput(cart, ids('key'))
      await h.storage.checkout.begin(input)
      const failed = await h.storage.checkout.finish({
        orderId: input.order.id,
        to: 'payment_failed',
        note: 'payment.declined',
        payment: null,
        key: { scope: 'suite', key: input.key.key },
        response: { kind: 'error', code: 'payment.declined' },
        outbox: [],
        at,
      })
      assert.equal(failed.moved, true)
      assert.equal(failed.reservation?.status, 'released')
      assert.deepEqual(await h.inspect.stock(sku), { onHand: 3, reserved: 0 })
      const read = await h.storage.checkout.read({ scope: 'suite', key: input.key.key, cartId: cart.id })
      assert.equal(read.cart?.orderId, null)
      assert.equal(read.key?.status, 'completed')
    })

    it(`${concurrency} concurrent begins for the last units hold exactly the stock`, async () => {
      const h = await makeHarness()
      const sku = ids('SKU').toUpperCase()
      const stock = Math.max(1, Math.floor(concurrency / 3))
      await h.seedSku(sku, stock, 1000)
      const inputs = await Promise.all(
        Array.from({ length: concurrency }, async () =>
          beginInput(await cartWith(h, [{ sku, quantity: 1 }]), ids('key')),
        ),
      )
      const results = await Promise.allSettled(inputs.map((i) => h.storage.checkout.begin(i)))
      const won = results.filter((r) => r.status === 'fulfilled').length
      const short = results.filter(
        (r) => r.status === 'rejected' && isCommerceError(r.reason, 'inventory.insufficient_stock'),
      ).length
      assert.equal(won, stock)
      assert.equal(short, concurrency - stock)
      assert.deepEqual(await h.inspect.stock(sku), { onHand: stock, reserved: stock })
    })
  })
}
