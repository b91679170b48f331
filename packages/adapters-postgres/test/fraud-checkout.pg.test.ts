import {
  type Commerce,
  createCommerce,
  createEventBus,
  createFraudReviewService,
  createIdGenerator,
  createManualClock,
  createTestPaymentProvider,
  defaultFraudRules,
  type FraudCheck,
  FraudRejectedError,
  type ManualClock,
  silentLogger,
  type TestPaymentProvider,
} from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { NO_STOCK_VIOLATIONS, stockInvariantViolations, type TestDatabase } from '@souk/test-harness'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

const HOUR = 3_600_000

// Every test runs on node-postgres and on PGlite: the races too, where PGlite's one connection
// serialises the checkouts and the velocity limits must still hold exactly.
describeOnDrivers(
  'fraud_checkout',
  (fixture) => {
    let commerce: Commerce
    let clock: ManualClock
    let payments: TestPaymentProvider
    let n = 0
    const uniq = (p: string) => `${p}-${++n}`
    /** The SKUs this file stocked, for the per-SKU invariants. */
    const skus: string[] = []

    /** Decides what the test tells it to, for the tests of combining and failing checks. */
    const scripted: { next: FraudCheck['assess'] | null } = { next: null }
    const scriptedCheck: FraudCheck = {
      id: 'scripted',
      assess: (input) => scripted.next?.(input) ?? Promise.resolve({ decision: 'approve', reasons: [] }),
    }

    beforeAll(() => {
      clock = createManualClock(new Date('2026-03-02T10:00:00Z'))
      payments = createTestPaymentProvider({ clock })
      commerce = createCommerce({
        storage: fixture().storage,
        clock,
        logger: silentLogger,
        payments: [payments],
        fraud: [
          defaultFraudRules({
            velocity: {
              windowMs: HOUR,
              perEmail: { review: 3, reject: 5 },
              perIp: { reject: 4 },
              perCard: { review: 2 },
            },
            amount: { USD: { reviewAbove: 50_000, rejectAbove: 200_000 }, EUR: { reviewAbove: 10_000 } },
          }),
          scriptedCheck,
        ],
      })
    })
    // Before describeOnDrivers closes the fixture (after-hooks run last registered first).
    afterAll(() => commerce.close())

    async function product(stock: number, priceCents = 2500): Promise<string> {
      const sku = uniq('SKU')
      await commerce.catalog.createProduct({
        slug: sku.toLowerCase(),
        name: `Product ${sku}`,
        status: 'active',
        variants: [
          {
            sku,
            prices: [
              { amount: priceCents, currency: 'USD' },
              { amount: priceCents, currency: 'EUR' },
            ],
            weightGrams: 200,
          },
        ],
      })
      await commerce.inventory.setStock({ sku, onHand: stock })
      skus.push(sku)
      return sku
    }

    async function cartWith(
      sku: string,
      quantity = 1,
      currency = 'USD',
      email = `${uniq('shopper')}@example.com`,
    ) {
      const cart = await commerce.cart.create({ currency, email })
      await commerce.cart.addItem({ cartId: cart.id, sku, quantity })
      return cart.id
    }

    /** A checkout with its own IP and card unless told otherwise, so tests do not count each other. */
    function place(
      cartId: string,
      options: { key?: string; ip?: string; fingerprint?: string; method?: string; email?: string } = {},
    ) {
      return commerce.checkout.placeOrder({
        cartId,
        idempotencyKey: options.key ?? uniq('fraud-key'),
        payment: {
          method: options.method ?? 'pm_card_visa',
          fingerprint: options.fingerprint ?? uniq('fp'),
        },
        client: { ip: options.ip ?? `10.1.${n % 250}.${++n % 250}` },
        ...(options.email ? { email: options.email } : {}),
      })
    }

    async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
      const { rows } = await query.execute(fixture().storage.db)
      return Number(rows[0]?.n)
    }

    async function checkInvariants() {
      // Over the whole database where the harness can connect (by URL); per SKU of this file on both.
      const database = (fixture() as { database?: TestDatabase }).database
      if (database) expect(await stockInvariantViolations(database.url)).toEqual(NO_STOCK_VIOLATIONS)
      for (const sku of skus) {
        const level = await fixture().inspect.level(sku, 'default')
        expect(level?.reserved, sku).toBe(await fixture().inspect.activeReservedSum(sku, 'default'))
        expect(level!.reserved, sku).toBeLessThanOrEqual(level!.onHand)
      }
      // A held order keeps its stock reserved (an active reservation) until staff decide.
      expect(
        await count(sql`select count(*) as n from souk.orders o left join souk.reservations r on r.id = o.reservation_id
        where o.status = 'held_for_review' and r.status is distinct from 'active'`),
      ).toBe(0)
    }

    const statusOfPayments = (orderId: string) =>
      payments
        .payments()
        .filter((p) => p.orderId === orderId)
        .map((p) => p.status)

    describe('fraud checks at checkout', () => {
      it('approves an ordinary order: confirmed as without checks', async () => {
        const sku = await product(5, 1999)
        const result = await place(await cartWith(sku, 2))
        expect(result.outcome).toBe('confirmed')
        expect(result.order.status).toBe('confirmed')
        await checkInvariants()
      })

      it('holds a flagged order for review: paid, stock reserved past the usual hold, listed for staff', async () => {
        const sku = await product(5, 30_000)
        const cartId = await cartWith(sku, 2)
        const key = uniq('key-review')
        const result = await place(cartId, { key, fingerprint: 'fp-review' })
        expect(result.outcome).toBe('held_for_review')
        expect(result.order.status).toBe('held_for_review')
        const orderId = result.order.id
        expect(statusOfPayments(orderId)).toEqual(['authorized'])
        expect(await commerce.inventory.getLevels({ sku })).toEqual([
          { sku, locationId: 'default', onHand: 5, reserved: 2, available: 3 },
        ])
        const reservation = await fixture().storage.inventory.getReservation(result.order.reservationId!)
        expect(reservation?.status).toBe('active')
        expect(reservation?.expiresAt.getTime()).toBe(clock.now().getTime() + 3 * 24 * HOUR)

        const review = await commerce.fraud.getReview({ orderId })
        expect(review).toMatchObject({ status: 'pending', heldAt: clock.now() })
        expect(review.reasons).toEqual([
          expect.objectContaining({ check: 'default-rules', code: 'amount.review' }),
        ])
        const held = await commerce.fraud.listHeld({ limit: 100 })
        expect(held.items.map((h) => h.order.id)).toContain(orderId)

        // The sweeper leaves the stock of a held order alone.
        clock.advance(HOUR)
        await commerce.checkout.recover({ staleAfterMs: 0 })
        expect((await commerce.orders.get({ orderId })).status).toBe('held_for_review')

        // The same key answers the same.
        const again = await place(cartId, { key, fingerprint: 'fp-review' })
        expect(again).toMatchObject({ outcome: 'held_for_review', order: { id: orderId } })
        const history = await commerce.orders.history({ orderId })
        expect(history.map((h) => h.to)).toEqual(['pending_payment', 'held_for_review'])
        expect(
          await count(sql`select count(*) as n from souk.outbox where key = ${orderId}
          and payload->>'type' = 'order.status_changed' and payload->'data'->>'to' = 'held_for_review'`),
        ).toBe(1)
        await checkInvariants()
      })

      it('staff approve a held order: stock committed, confirmed, payment captured', async () => {
        const sku = await product(3, 60_000)
        const result = await place(await cartWith(sku, 1))
        expect(result.outcome).toBe('held_for_review')
        const seen: string[] = []
        const off = commerce.events.on('order.status_changed', (e) => {
          if (e.orderId === result.order.id) seen.push(`${e.from}->${e.to}`)
        })
        const approved = await commerce.fraud.approve({
          orderId: result.order.id,
          decidedBy: 'staff:ann',
          note: 'called the buyer',
        })
        off()
        expect(approved.status).toBe('confirmed')
        expect(seen).toEqual(['held_for_review->confirmed'])
        expect(statusOfPayments(result.order.id)).toEqual(['captured'])
        expect(await commerce.inventory.getLevels({ sku })).toEqual([
          { sku, locationId: 'default', onHand: 2, reserved: 0, available: 2 },
        ])
        expect(await commerce.fraud.getReview({ orderId: result.order.id })).toMatchObject({
          status: 'approved',
          decidedBy: 'staff:ann',
          note: 'called the buyer',
        })
        // Again: nothing moves twice.
        expect((await commerce.fraud.approve({ orderId: result.order.id })).status).toBe('confirmed')
        await expectCommerceError(
          commerce.fraud.reject({ orderId: result.order.id }),
          'order.invalid_transition',
        )
        const held = await commerce.fraud.listHeld({ limit: 100 })
        expect(held.items.map((h) => h.order.id)).not.toContain(result.order.id)
        await checkInvariants()
      })

      it('staff reject a held order: cancelled, stock released, payment voided', async () => {
        const sku = await product(3, 60_000)
        const result = await place(await cartWith(sku, 2))
        expect(result.outcome).toBe('held_for_review')
        const rejected = await commerce.fraud.reject({
          orderId: result.order.id,
          note: 'card reported stolen',
        })
        expect(rejected.status).toBe('cancelled')
        expect(statusOfPayments(result.order.id)).toEqual(['voided'])
        expect(await commerce.inventory.getLevels({ sku })).toEqual([
          { sku, locationId: 'default', onHand: 3, reserved: 0, available: 3 },
        ])
        expect((await commerce.fraud.getReview({ orderId: result.order.id })).status).toBe('rejected')
        expect((await commerce.fraud.reject({ orderId: result.order.id })).status).toBe('cancelled')
        await expectCommerceError(
          commerce.fraud.approve({ orderId: result.order.id }),
          'order.invalid_transition',
        )
        await checkInvariants()
      })

      it('createFraudReviewService serves the same reviews without createCommerce', async () => {
        const sku = await product(3, 60_000)
        const result = await place(await cartWith(sku, 1))
        expect(result.outcome).toBe('held_for_review')
        const reviews = createFraudReviewService({
          storage: fixture().storage,
          providers: [payments],
          clock,
          ids: createIdGenerator(),
          events: createEventBus(silentLogger),
          logger: silentLogger,
        })
        expect((await reviews.listHeld({ limit: 100 })).items.map((h) => h.order.id)).toContain(
          result.order.id,
        )
        const approved = await reviews.approve({ orderId: result.order.id, decidedBy: 'staff:bo' })
        expect(approved.status).toBe('confirmed')
        expect(statusOfPayments(result.order.id)).toEqual(['captured'])
        expect((await commerce.fraud.getReview({ orderId: result.order.id })).decidedBy).toBe('staff:bo')
        await checkInvariants()
      })

      it('rejects at checkout: a typed error, nothing created, the key answers the same', async () => {
        const sku = await product(5, 250_000)
        const cartId = await cartWith(sku, 1)
        const key = uniq('key-reject')
        const orders = await count(sql`select count(*) as n from souk.orders`)
        const reservations = await count(sql`select count(*) as n from souk.reservations`)
        const error = await expectCommerceError(
          place(cartId, { key, fingerprint: 'fp-rej' }),
          'checkout.fraud_rejected',
        )
        expect(error).toBeInstanceOf(FraudRejectedError)
        // Nothing tells the shopper which rule tripped.
        expect(JSON.stringify(error.toJSON())).not.toContain('amount')
        expect(await count(sql`select count(*) as n from souk.orders`)).toBe(orders)
        expect(await count(sql`select count(*) as n from souk.reservations`)).toBe(reservations)
        expect((await commerce.cart.get({ cartId })).orderId).toBeNull()
        expect(payments.payments().filter((p) => p.amount.amount === 250_000)).toHaveLength(0)
        // The key is completed with the refusal: never stuck, the same answer on a retry.
        expect(
          await count(
            sql`select count(*) as n from souk.idempotency_keys where key = ${key} and status = 'completed'`,
          ),
        ).toBe(1)
        const again = await expectCommerceError(
          place(cartId, { key, fingerprint: 'fp-rej' }),
          'checkout.fraud_rejected',
        )
        expect(again).toBeInstanceOf(FraudRejectedError)
        await expectCommerceError(place(cartId, { key, fingerprint: 'another-card' }), 'idempotency.conflict')
        await checkInvariants()
      })

      it('limits amounts per currency', async () => {
        const sku = await product(10, 20_000)
        // 20 000 EUR cents is above EUR's review limit (10 000), the same in USD is below USD's (50 000).
        expect((await place(await cartWith(sku, 1, 'USD'))).outcome).toBe('confirmed')
        expect((await place(await cartWith(sku, 1, 'EUR'))).outcome).toBe('held_for_review')
        // Exactly at the limit is within it.
        const edge = await product(10, 50_000)
        expect((await place(await cartWith(edge, 1, 'USD'))).outcome).toBe('confirmed')
        const over = await product(10, 50_001)
        expect((await place(await cartWith(over, 1, 'USD'))).outcome).toBe('held_for_review')
        await checkInvariants()
      })

      it('velocity per email: the 4th attempt in the window is reviewed, the 6th rejected, and the window slides', async () => {
        const sku = await product(20, 1000)
        const email = `${uniq('Velo')}@Example.com`
        const outcomes: string[] = []
        for (let i = 0; i < 6; i++) {
          // The same mailbox however it is spelt.
          const spelt = i % 2 === 0 ? email : email.replace('@', '+shop@').toUpperCase()
          outcomes.push(
            await place(await cartWith(sku, 1, 'USD', spelt)).then(
              (r) => r.outcome,
              (e: { code: string }) => e.code,
            ),
          )
        }
        expect(outcomes).toEqual([
          'confirmed',
          'confirmed',
          'confirmed',
          'held_for_review',
          'held_for_review',
          'checkout.fraud_rejected',
        ])
        clock.advance(HOUR)
        expect((await place(await cartWith(sku, 1, 'USD', email))).outcome).toBe('confirmed')
        await checkInvariants()
      })

      it('velocity per IP holds under concurrency: of 10 racing checkouts from one IP, exactly 4 pass', async () => {
        const sku = await product(50, 1000)
        const carts = await Promise.all(Array.from({ length: 10 }, () => cartWith(sku, 1)))
        const results = await Promise.allSettled(
          // IPv4 and the IPv4-mapped IPv6 form Node reports are one address.
          carts.map((cartId, i) => place(cartId, { ip: i % 2 ? '::ffff:192.0.2.7' : '192.0.2.7' })),
        )
        const passed = results.filter((r) => r.status === 'fulfilled')
        const refused = results.filter(
          (r) =>
            r.status === 'rejected' && (r.reason as { code?: string }).code === 'checkout.fraud_rejected',
        )
        expect(passed).toHaveLength(4)
        expect(refused).toHaveLength(6)
        await checkInvariants()
      })

      it('velocity per email under concurrency: 8 racing checkouts, 3 confirmed, 2 held, 3 rejected', async () => {
        const sku = await product(50, 1000)
        const email = `${uniq('race')}@example.com`
        const carts = await Promise.all(Array.from({ length: 8 }, () => cartWith(sku, 1, 'USD', email)))
        const outcomes = await Promise.all(
          carts.map((cartId) =>
            place(cartId).then(
              (r) => r.outcome,
              (e: { code: string }) => e.code,
            ),
          ),
        )
        expect(outcomes.filter((o) => o === 'confirmed')).toHaveLength(3)
        expect(outcomes.filter((o) => o === 'held_for_review')).toHaveLength(2)
        expect(outcomes.filter((o) => o === 'checkout.fraud_rejected')).toHaveLength(3)
        await checkInvariants()
      })

      it('velocity per card counts the fingerprint across payment method tokens', async () => {
        const sku = await product(20, 1000)
        const card = uniq('fp-card')
        const outcomes: string[] = []
        for (const method of ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex']) {
          outcomes.push((await place(await cartWith(sku, 1), { fingerprint: card, method })).outcome)
        }
        expect(outcomes).toEqual(['confirmed', 'confirmed', 'held_for_review'])
        await checkInvariants()
      })

      it('a 3-D Secure payment of a flagged order is held when the webhook confirms it, not confirmed', async () => {
        const sku = await product(3, 60_000)
        const first = await place(await cartWith(sku, 1), { method: 'pm_card_threeDSecure2Required' })
        expect(first.outcome).toBe('requires_action')
        const payment = payments.payments().find((p) => p.orderId === first.order.id)!
        payments.takeWebhooks()
        const delivery = await payments.completeAction(payment.paymentId, 'succeed')
        await commerce.checkout.handlePaymentWebhook({ provider: payments.id, ...delivery })
        expect((await commerce.orders.get({ orderId: first.order.id })).status).toBe('held_for_review')
        await checkInvariants()
      })

      it('recovery rejects held orders whose review window ended, releasing their stock', async () => {
        const sku = await product(2, 60_000)
        const result = await place(await cartWith(sku, 2))
        expect(result.outcome).toBe('held_for_review')
        clock.advance(3 * 24 * HOUR)
        const report = await commerce.checkout.recover({ staleAfterMs: 0 })
        expect(report.reviewsExpired).toBeGreaterThanOrEqual(1)
        expect((await commerce.orders.get({ orderId: result.order.id })).status).toBe('cancelled')
        expect(statusOfPayments(result.order.id)).toEqual(['voided'])
        expect(await commerce.inventory.getLevels({ sku })).toEqual([
          { sku, locationId: 'default', onHand: 2, reserved: 0, available: 2 },
        ])
        expect((await commerce.fraud.getReview({ orderId: result.order.id })).decidedBy).toBe('souk:recovery')
        await checkInvariants()
      })

      it('a customer may cancel a held order: stock released (not restocked), payment voided', async () => {
        const sku = await product(2, 60_000)
        const result = await place(await cartWith(sku, 1))
        expect(result.outcome).toBe('held_for_review')
        const cancelled = await commerce.orders.cancel({ orderId: result.order.id })
        expect(cancelled.status).toBe('cancelled')
        expect(await commerce.inventory.getLevels({ sku })).toEqual([
          { sku, locationId: 'default', onHand: 2, reserved: 0, available: 2 },
        ])
        expect(statusOfPayments(result.order.id)).toEqual(['voided'])
        await checkInvariants()
      })

      it('combines checks: any reject wins, else any review; a check that throws holds for review', async () => {
        const sku = await product(10, 1000)
        scripted.next = async () => ({
          decision: 'review',
          reasons: [{ check: 'scripted', code: 'x', message: 'x' }],
        })
        expect((await place(await cartWith(sku))).outcome).toBe('held_for_review')
        scripted.next = async () => ({ decision: 'reject', reasons: [] })
        await expectCommerceError(place(await cartWith(sku)), 'checkout.fraud_rejected')
        scripted.next = async () => {
          throw new Error('scoring service down')
        }
        const failed = await place(await cartWith(sku))
        expect(failed.outcome).toBe('held_for_review')
        expect((await commerce.fraud.getReview({ orderId: failed.order.id })).reasons).toEqual([
          expect.objectContaining({ check: 'scripted', code: 'check.failed' }),
        ])
        scripted.next = async () => ({ decision: 'maybe' as never, reasons: [] })
        expect((await place(await cartWith(sku))).outcome).toBe('held_for_review')
        scripted.next = null
        await checkInvariants()
      })

      it('refuses fraud checks over a storage without a fraud store', () => {
        const { fraud: _none, ...withoutFraud } = fixture().storage
        let error: unknown
        try {
          createCommerce({ storage: withoutFraud, fraud: defaultFraudRules(), logger: silentLogger })
        } catch (e) {
          error = e
        }
        expect(error).toMatchObject({ code: 'config.invalid' })
        expect(() =>
          createCommerce({
            storage: fixture().storage,
            fraud: [scriptedCheck, scriptedCheck],
            logger: silentLogger,
          }),
        ).toThrow(/unique/)
        expect(() =>
          createCommerce({ storage: fixture().storage, fraud: { id: 'x' } as never, logger: silentLogger }),
        ).toThrow(/Invalid createCommerce config: fraud/)
      })

      it('refuses nasty input with validation errors', async () => {
        const sku = await product(5, 1000)
        const cartId = await cartWith(sku)
        const bad = (client: unknown, payment: Record<string, unknown> = {}) =>
          commerce.checkout.placeOrder({
            cartId,
            idempotencyKey: uniq('nasty-key'),
            payment: { method: 'pm_card_visa', ...payment },
            client: client as never,
          })
        for (const ip of ['not-an-ip', '999.1.1.1', '1.2.3.4\u0000', "1.2.3.4' or 1=1", '', 'a'.repeat(100)])
          await expectCommerceError(bad({ ip }), 'validation.failed')
        await expectCommerceError(bad({ userAgent: 'x'.repeat(501) }), 'validation.failed')
        await expectCommerceError(bad({ userAgent: 'bad\u0007bell' }), 'validation.failed')
        await expectCommerceError(bad({ unknown: 1 }), 'validation.failed')
        await expectCommerceError(bad({}, { fingerprint: 'x'.repeat(201) }), 'validation.failed')
        await expectCommerceError(bad({}, { fingerprint: '\ud800' }), 'validation.failed')
        for (const orderId of ['', 'x'.repeat(500), "ord'; drop table souk.orders; --"])
          await expectCommerceError(commerce.fraud.approve({ orderId }), 'validation.failed')
        await expectCommerceError(commerce.fraud.reject({ orderId: 'ord_unknown' }), 'not_found')
        await expectCommerceError(
          commerce.fraud.approve({ orderId: 'ord_unknown', decidedBy: 'a\u0000b' }),
          'validation.failed',
        )
        await expectCommerceError(commerce.fraud.listHeld({ cursor: 'garbage' }), 'validation.failed')
        await expectCommerceError(commerce.fraud.listHeld({ limit: 1000 }), 'validation.failed')
        // An IPv6 shopper counts with the /64: valid input, accepted.
        expect((await bad({ ip: '2001:DB8::1' })).outcome).toBe('confirmed')
      })
    })
  },
  { poolSize: 40 },
)
