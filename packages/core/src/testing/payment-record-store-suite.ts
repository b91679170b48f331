import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import { money } from '../money/money.js'
import type { PaymentState } from '../ports/payment-provider.js'
import type { PaymentRecordStore } from '../ports/payment-record-store.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/**
 * The payment record store contract. `makeHarness` also returns a function that creates an order
 * row the records can point at (stores may enforce the reference).
 */
export function paymentRecordStoreSuite(
  api: SuiteApi,
  makeHarness: () => Promise<{ store: PaymentRecordStore; createOrder(orderId: string): Promise<void> }>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 10
  const ids = createIdGenerator()
  const state = (over: Partial<PaymentState>): PaymentState => ({
    paymentId: ids('pi'),
    orderId: null,
    status: 'authorized',
    amount: money(5000, 'EUR'),
    capturedAmount: money(0, 'EUR'),
    refundedAmount: money(0, 'EUR'),
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    ...over,
  })

  describe('payment record store contract', () => {
    it('keeps the newest state whatever order states arrive in', async () => {
      const { store, createOrder } = await makeHarness()
      const orderId = ids('ord')
      await createOrder(orderId)
      const authorized = state({ orderId })
      const captured = { ...authorized, status: 'captured' as const, capturedAmount: money(5000, 'EUR') }
      const refunded = {
        ...captured,
        status: 'partially_refunded' as const,
        refundedAmount: money(1000, 'EUR'),
      }
      const first = await store.save({
        id: ids('pay'),
        orderId,
        provider: 'test',
        state: refunded,
        at: new Date(),
      })
      assert.equal(first.changed, true)
      assert.equal(
        (await store.save({ id: ids('pay'), orderId, provider: 'test', state: authorized, at: new Date() }))
          .changed,
        false,
      )
      assert.equal(
        (await store.save({ id: ids('pay'), orderId, provider: 'test', state: captured, at: new Date() }))
          .changed,
        false,
      )
      const [record] = await store.listByOrder(orderId)
      assert.equal(record?.id, first.record.id)
      assert.deepEqual(record?.state, refunded)
      assert.deepEqual(
        await store.findByProviderId({ provider: 'test', paymentId: authorized.paymentId }),
        record,
      )
      assert.equal(await store.findByProviderId({ provider: 'other', paymentId: authorized.paymentId }), null)
    })

    it(`applies ${concurrency} concurrent saves of increasing states without losing the newest`, async () => {
      const { store, createOrder } = await makeHarness()
      const orderId = ids('ord')
      await createOrder(orderId)
      const base = state({ orderId, status: 'captured', capturedAmount: money(5000, 'EUR') })
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.save({
            id: ids('pay'),
            orderId,
            provider: 'test',
            state: { ...base, status: 'partially_refunded', refundedAmount: money(100 * (i + 1), 'EUR') },
            at: new Date(),
          }),
        ),
      )
      const [record] = await store.listByOrder(orderId)
      assert.equal(record?.state.refundedAmount.amount, 100 * concurrency)
    })

    it('records a retried refund once', async () => {
      const { store, createOrder } = await makeHarness()
      const orderId = ids('ord')
      await createOrder(orderId)
      const { record } = await store.save({
        id: ids('pay'),
        orderId,
        provider: 'test',
        state: state({ orderId, status: 'captured', capturedAmount: money(5000, 'EUR') }),
        at: new Date(),
      })
      const refund = {
        id: ids('re'),
        paymentRecordId: record.id,
        amount: 700,
        reason: 'return',
        providerRefundId: 're_1',
        at: new Date(),
      }
      await store.recordRefund(refund)
      await store.recordRefund(refund)
      await assert.rejects(
        store.recordRefund({ ...refund, id: ids('re'), paymentRecordId: 'pay_missing' }),
        (e: unknown) => e instanceof Error,
      )
    })

    it('sees each webhook event id once', async () => {
      const { store } = await makeHarness()
      const eventId = ids('evt')
      const seen = await Promise.all(
        Array.from({ length: concurrency }, () =>
          store.markWebhookEvent({ provider: 'test', eventId, at: new Date() }),
        ),
      )
      assert.equal(seen.filter(Boolean).length, 1)
      assert.equal(await store.markWebhookEvent({ provider: 'other', eventId, at: new Date() }), true)
    })
  })
}
