import assert from 'node:assert/strict'
import { createIdGenerator } from '../ids/id-generator.js'
import type { CurrencyCode } from '../money/currencies.js'
import { type Money, money } from '../money/money.js'
import type { PaymentProvider, PaymentState } from '../ports/payment-provider.js'
import { expectCommerceError } from './expect-commerce-error.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** A signed webhook delivery, as the provider would POST it. */
export interface SignedWebhook {
  readonly rawBody: string
  readonly headers: Readonly<Record<string, string>>
}

/** Reads the payment backend directly, not through the provider, so the suite checks what really exists there. */
export interface PaymentInspector {
  /** How many payments the backend holds for `orderId` (every status). */
  paymentCount(orderId: string): Promise<number>
}

export interface PaymentProviderHarness {
  readonly provider: PaymentProvider
  /** Payment method tokens that approve, decline, and require a customer action (3-D Secure). */
  readonly paymentMethods: {
    readonly approve: string
    readonly decline: string
    readonly requiresAction: string
  }
  /**
   * Finishes the customer action of a `requires_action` payment as the customer would, and
   * returns the signed webhook the provider sends about the outcome.
   */
  completeAction(paymentId: string, outcome: 'succeed' | 'fail'): Promise<SignedWebhook>
  /** Signs any body with the provider's webhook secret, as the provider would. */
  signWebhook(rawBody: string): SignedWebhook
  readonly inspect: PaymentInspector
}

/** Real differences between payment backends, declared instead of skipping tests by name. */
export interface PaymentProviderSuiteOptions extends SuiteOptions {
  /** Calls that race with one idempotency key. Default 10. */
  readonly concurrency?: number
  /** The backend can ask for a customer action (3-D Secure). Default true. */
  readonly supportsRequiresAction?: boolean
  /** Capture can take less than the authorized amount. Default true. */
  readonly supportsPartialCapture?: boolean
  /** `capture: 'automatic'` captures at authorization. Default true. */
  readonly supportsAutomaticCapture?: boolean
  /** Currency the suite pays in. Default `EUR`. */
  readonly currency?: CurrencyCode
}

/**
 * The payment provider contract: authorize (approve, decline, requires action), idempotency keys
 * (replays, races, conflicts), capture (full, partial, bounds), void, refunds (partial, bounds),
 * status, findByOrder and webhook verification. Every test uses fresh order ids and keys.
 * @param makeHarness called once per test.
 */
export function paymentProviderSuite(
  api: SuiteApi,
  makeHarness: () => Promise<PaymentProviderHarness>,
  options: PaymentProviderSuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 10
  const currency = options.currency ?? 'EUR'
  const ids = createIdGenerator()
  const eur = (amount: number): Money => money(amount, currency)
  const order = () => ids('ord')
  const key = (what: string) => `${what}-${ids('k')}`

  async function authorized(
    h: PaymentProviderHarness,
    amount = 1000,
    orderId = order(),
  ): Promise<PaymentState> {
    return h.provider.authorize({
      amount: eur(amount),
      orderId,
      idempotencyKey: key('auth'),
      paymentMethod: h.paymentMethods.approve,
      capture: 'manual',
    })
  }

  describe('payment provider contract', () => {
    describe('authorize', () => {
      it('approves with manual capture: authorized, nothing captured, recorded for the order', async () => {
        const h = await makeHarness()
        const orderId = order()
        const state = await authorized(h, 1234, orderId)
        assert.equal(state.status, 'authorized')
        assert.equal(state.orderId, orderId)
        assert.deepEqual(state.amount, eur(1234))
        assert.deepEqual(state.capturedAmount, eur(0))
        assert.deepEqual(state.refundedAmount, eur(0))
        assert.ok(state.createdAt instanceof Date)
        const read = await h.provider.status(state.paymentId)
        assert.equal(read.status, 'authorized')
        assert.deepEqual(read.amount, eur(1234))
        assert.equal(read.orderId, orderId)
        assert.equal(await h.inspect.paymentCount(orderId), 1)
      })

      if (options.supportsAutomaticCapture ?? true) {
        it('captures at once with automatic capture', async () => {
          const h = await makeHarness()
          const state = await h.provider.authorize({
            amount: eur(500),
            orderId: order(),
            idempotencyKey: key('auth'),
            paymentMethod: h.paymentMethods.approve,
            capture: 'automatic',
          })
          assert.equal(state.status, 'captured')
          assert.deepEqual(state.capturedAmount, eur(500))
        })
      }

      it('throws payment.declined with the failed payment id and a failure code', async () => {
        const h = await makeHarness()
        const orderId = order()
        const idempotencyKey = key('auth')
        const attempt = () =>
          h.provider.authorize({
            amount: eur(700),
            orderId,
            idempotencyKey,
            paymentMethod: h.paymentMethods.decline,
          })
        const { details } = await expectCommerceError(attempt(), 'payment.declined')
        assert.equal(typeof details.paymentId, 'string')
        assert.equal(typeof details.failureCode, 'string')
        assert.ok((details.failureCode as string).length > 0)
        const paymentId = details.paymentId as string
        const read = await h.provider.status(paymentId)
        assert.equal(read.status, 'failed')
        assert.equal(typeof read.failureCode, 'string')
        assert.deepEqual(read.capturedAmount, eur(0))
        // A retry with the same key replays the decline; it does not try the card again.
        await expectCommerceError(attempt(), 'payment.declined', { paymentId })
        assert.equal(await h.inspect.paymentCount(orderId), 1)
      })

      if (options.supportsRequiresAction ?? true) {
        it('asks for a customer action, then authorizes when it succeeds and says so by webhook', async () => {
          const h = await makeHarness()
          const orderId = order()
          const state = await h.provider.authorize({
            amount: eur(900),
            orderId,
            idempotencyKey: key('auth'),
            paymentMethod: h.paymentMethods.requiresAction,
          })
          assert.equal(state.status, 'requires_action')
          assert.equal(typeof state.action?.type, 'string')
          assert.equal(typeof state.action?.clientSecret, 'string')
          await expectCommerceError(
            h.provider.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') }),
            'payment.invalid_state',
          )
          const webhook = await h.completeAction(state.paymentId, 'succeed')
          const event = await h.provider.parseWebhook(webhook)
          assert.equal(event.kind, 'payment.updated')
          assert.ok(event.kind === 'payment.updated')
          assert.equal(event.orderId, orderId)
          assert.equal(event.state.paymentId, state.paymentId)
          assert.equal(event.state.status, 'authorized')
          assert.ok(event.occurredAt instanceof Date)
          assert.equal((await h.provider.status(state.paymentId)).status, 'authorized')
          const captured = await h.provider.capture({
            paymentId: state.paymentId,
            idempotencyKey: key('cap'),
          })
          assert.equal(captured.status, 'captured')
        })

        it('fails the payment when the customer action fails', async () => {
          const h = await makeHarness()
          const state = await h.provider.authorize({
            amount: eur(900),
            orderId: order(),
            idempotencyKey: key('auth'),
            paymentMethod: h.paymentMethods.requiresAction,
          })
          const event = await h.provider.parseWebhook(await h.completeAction(state.paymentId, 'fail'))
          assert.ok(event.kind === 'payment.updated')
          assert.equal(event.state.status, 'failed')
          assert.equal(typeof event.state.failureCode, 'string')
          const read = await h.provider.status(state.paymentId)
          assert.equal(read.status, 'failed')
          assert.deepEqual(read.capturedAmount, eur(0))
        })
      }

      it('refuses bad input with validation.failed and creates nothing', async () => {
        const h = await makeHarness()
        const orderId = order()
        const base = { orderId, idempotencyKey: key('auth'), paymentMethod: h.paymentMethods.approve }
        for (const amount of [0, -100, 10.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN]) {
          await expectCommerceError(
            h.provider.authorize({ ...base, amount: { amount, currency } }),
            'validation.failed',
          )
        }
        await expectCommerceError(
          h.provider.authorize({ ...base, amount: { amount: 100, currency: 'XYZ' } }),
          'validation.failed',
        )
        await expectCommerceError(
          h.provider.authorize({ ...base, amount: eur(100), idempotencyKey: '' }),
          'validation.failed',
        )
        await expectCommerceError(
          h.provider.authorize({ ...base, amount: eur(100), idempotencyKey: 'k'.repeat(256) }),
          'validation.failed',
        )
        await expectCommerceError(
          h.provider.authorize({ ...base, amount: eur(100), orderId: "ord' OR status:'succeeded" }),
          'validation.failed',
        )
        assert.equal(await h.inspect.paymentCount(orderId), 0)
      })
    })

    describe('idempotency keys', () => {
      it('replays the same payment for the same key and input', async () => {
        const h = await makeHarness()
        const orderId = order()
        const input = {
          amount: eur(1500),
          orderId,
          idempotencyKey: key('auth'),
          paymentMethod: h.paymentMethods.approve,
        }
        const first = await h.provider.authorize(input)
        const second = await h.provider.authorize({ ...input })
        assert.equal(second.paymentId, first.paymentId)
        assert.equal(second.status, first.status)
        assert.equal(await h.inspect.paymentCount(orderId), 1)
      })

      it(`authorizes once when ${concurrency} calls with one key race`, async () => {
        const h = await makeHarness()
        const orderId = order()
        const idempotencyKey = key('auth')
        const results = await Promise.all(
          Array.from({ length: concurrency }, () =>
            h.provider.authorize({
              amount: eur(2500),
              orderId,
              idempotencyKey,
              paymentMethod: h.paymentMethods.approve,
            }),
          ),
        )
        assert.equal(new Set(results.map((r) => r.paymentId)).size, 1)
        assert.equal(await h.inspect.paymentCount(orderId), 1)
        assert.equal((await h.provider.findByOrder(orderId)).length, 1)
      })

      it('refuses the same key with another input (idempotency.conflict) and changes nothing', async () => {
        const h = await makeHarness()
        const orderId = order()
        const idempotencyKey = key('auth')
        const state = await h.provider.authorize({
          amount: eur(1000),
          orderId,
          idempotencyKey,
          paymentMethod: h.paymentMethods.approve,
        })
        await expectCommerceError(
          h.provider.authorize({
            amount: eur(1001),
            orderId,
            idempotencyKey,
            paymentMethod: h.paymentMethods.approve,
          }),
          'idempotency.conflict',
        )
        // A key belongs to one operation: reusing it for a capture is a conflict too.
        await expectCommerceError(
          h.provider.capture({ paymentId: state.paymentId, idempotencyKey }),
          'idempotency.conflict',
        )
        assert.equal(await h.inspect.paymentCount(orderId), 1)
        assert.equal((await h.provider.status(state.paymentId)).status, 'authorized')
      })

      it('replays captures, voids and refunds instead of repeating them', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        const capture = { paymentId: state.paymentId, idempotencyKey: key('cap') }
        assert.equal((await h.provider.capture(capture)).status, 'captured')
        assert.equal((await h.provider.capture(capture)).status, 'captured')
        const refund = { paymentId: state.paymentId, amount: eur(300), idempotencyKey: key('ref') }
        const first = await h.provider.refund(refund)
        const again = await h.provider.refund(refund)
        assert.equal(again.refundId, first.refundId)
        assert.deepEqual((await h.provider.status(state.paymentId)).refundedAmount, eur(300))

        const other = await authorized(h, 400)
        const voiding = { paymentId: other.paymentId, idempotencyKey: key('void') }
        assert.equal((await h.provider.void(voiding)).status, 'voided')
        assert.equal((await h.provider.void(voiding)).status, 'voided')
      })
    })

    describe('capture and void', () => {
      it('captures the full authorized amount by default', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1999)
        const captured = await h.provider.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') })
        assert.equal(captured.status, 'captured')
        assert.deepEqual(captured.capturedAmount, eur(1999))
        assert.deepEqual((await h.provider.status(state.paymentId)).capturedAmount, eur(1999))
      })

      if (options.supportsPartialCapture ?? true) {
        it('captures part of the authorization once; a second capture is payment.invalid_state', async () => {
          const h = await makeHarness()
          const state = await authorized(h, 1000)
          const captured = await h.provider.capture({
            paymentId: state.paymentId,
            amount: eur(600),
            idempotencyKey: key('cap'),
          })
          assert.equal(captured.status, 'captured')
          assert.deepEqual(captured.capturedAmount, eur(600))
          assert.deepEqual(captured.amount, eur(1000))
          await expectCommerceError(
            h.provider.capture({ paymentId: state.paymentId, amount: eur(100), idempotencyKey: key('cap') }),
            'payment.invalid_state',
            { paymentId: state.paymentId, attempted: 'capture' },
          )
        })
      }

      it('refuses to capture more than authorized (payment.amount_exceeded) and stays authorized', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        await expectCommerceError(
          h.provider.capture({ paymentId: state.paymentId, amount: eur(1001), idempotencyKey: key('cap') }),
          'payment.amount_exceeded',
          { paymentId: state.paymentId },
        )
        const read = await h.provider.status(state.paymentId)
        assert.equal(read.status, 'authorized')
        assert.deepEqual(read.capturedAmount, eur(0))
      })

      it('refuses a capture in another currency with validation.failed', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        const other = currency === 'USD' ? 'GBP' : 'USD'
        await expectCommerceError(
          h.provider.capture({
            paymentId: state.paymentId,
            amount: money(500, other),
            idempotencyKey: key('cap'),
          }),
          'validation.failed',
        )
        assert.equal((await h.provider.status(state.paymentId)).status, 'authorized')
      })

      it('voids before capture; capture after void and void after capture are payment.invalid_state', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 800)
        const voided = await h.provider.void({ paymentId: state.paymentId, idempotencyKey: key('void') })
        assert.equal(voided.status, 'voided')
        assert.deepEqual(voided.capturedAmount, eur(0))
        await expectCommerceError(
          h.provider.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') }),
          'payment.invalid_state',
        )
        const other = await authorized(h, 800)
        await h.provider.capture({ paymentId: other.paymentId, idempotencyKey: key('cap') })
        await expectCommerceError(
          h.provider.void({ paymentId: other.paymentId, idempotencyKey: key('void') }),
          'payment.invalid_state',
          { attempted: 'void' },
        )
        assert.equal((await h.provider.status(other.paymentId)).status, 'captured')
      })

      it('voids a declined payment', async () => {
        const h = await makeHarness()
        const { details } = await expectCommerceError(
          h.provider.authorize({
            amount: eur(100),
            orderId: order(),
            idempotencyKey: key('auth'),
            paymentMethod: h.paymentMethods.decline,
          }),
          'payment.declined',
        )
        const paymentId = details.paymentId as string
        assert.equal((await h.provider.void({ paymentId, idempotencyKey: key('void') })).status, 'voided')
      })
    })

    describe('refunds', () => {
      it('refunds in parts up to the captured amount, then refuses more', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        await h.provider.capture({ paymentId: state.paymentId, amount: eur(600), idempotencyKey: key('cap') })
        const first = await h.provider.refund({
          paymentId: state.paymentId,
          amount: eur(200),
          idempotencyKey: key('r'),
        })
        assert.equal(first.status, 'partially_refunded')
        assert.deepEqual(first.refundedAmount, eur(200))
        assert.equal(typeof first.refundId, 'string')
        await expectCommerceError(
          h.provider.refund({ paymentId: state.paymentId, amount: eur(401), idempotencyKey: key('r') }),
          'payment.amount_exceeded',
          { paymentId: state.paymentId, attempted: 'refund' },
        )
        assert.deepEqual((await h.provider.status(state.paymentId)).refundedAmount, eur(200))
        const second = await h.provider.refund({
          paymentId: state.paymentId,
          amount: eur(400),
          idempotencyKey: key('r'),
        })
        assert.notEqual(second.refundId, first.refundId)
        assert.equal(second.status, 'refunded')
        assert.deepEqual(second.refundedAmount, eur(600))
        await expectCommerceError(
          h.provider.refund({ paymentId: state.paymentId, amount: eur(1), idempotencyKey: key('r') }),
          'payment.amount_exceeded',
        )
        const read = await h.provider.status(state.paymentId)
        assert.equal(read.status, 'refunded')
        assert.deepEqual(read.capturedAmount, eur(600))
        assert.deepEqual(read.refundedAmount, eur(600))
      })

      it('refuses a refund above the captured amount on a fresh capture', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        await h.provider.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') })
        await expectCommerceError(
          h.provider.refund({ paymentId: state.paymentId, amount: eur(1001), idempotencyKey: key('r') }),
          'payment.amount_exceeded',
        )
        assert.equal((await h.provider.status(state.paymentId)).status, 'captured')
      })

      it('refuses to refund before capture (payment.invalid_state)', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        await expectCommerceError(
          h.provider.refund({ paymentId: state.paymentId, amount: eur(100), idempotencyKey: key('r') }),
          'payment.invalid_state',
          { attempted: 'refund' },
        )
      })

      it('refuses refunds in another currency or of bad amounts with validation.failed', async () => {
        const h = await makeHarness()
        const state = await authorized(h, 1000)
        await h.provider.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') })
        const other = currency === 'USD' ? 'GBP' : 'USD'
        await expectCommerceError(
          h.provider.refund({
            paymentId: state.paymentId,
            amount: money(100, other),
            idempotencyKey: key('r'),
          }),
          'validation.failed',
        )
        for (const amount of [0, -1, 0.5]) {
          await expectCommerceError(
            h.provider.refund({
              paymentId: state.paymentId,
              amount: { amount, currency },
              idempotencyKey: key('r'),
            }),
            'validation.failed',
          )
        }
        assert.deepEqual((await h.provider.status(state.paymentId)).refundedAmount, eur(0))
      })
    })

    describe('lookups', () => {
      it('answers not_found for unknown payments on every call', async () => {
        const h = await makeHarness()
        const paymentId = `pi_${ids('unknown').slice(-20)}`
        await expectCommerceError(h.provider.status(paymentId), 'not_found')
        await expectCommerceError(h.provider.capture({ paymentId, idempotencyKey: key('c') }), 'not_found')
        await expectCommerceError(h.provider.void({ paymentId, idempotencyKey: key('v') }), 'not_found')
        await expectCommerceError(
          h.provider.refund({ paymentId, amount: eur(1), idempotencyKey: key('r') }),
          'not_found',
        )
        await expectCommerceError(h.provider.status('../v1/refunds'), 'validation.failed')
      })

      it('finds every payment of an order, oldest first, and none for another order', async () => {
        const h = await makeHarness()
        const orderId = order()
        await expectCommerceError(
          h.provider.authorize({
            amount: eur(300),
            orderId,
            idempotencyKey: key('auth'),
            paymentMethod: h.paymentMethods.decline,
          }),
          'payment.declined',
        )
        const approved = await authorized(h, 300, orderId)
        const found = await h.provider.findByOrder(orderId)
        assert.deepEqual(
          found.map((p) => p.status),
          ['failed', 'authorized'],
        )
        assert.equal(found[1]?.paymentId, approved.paymentId)
        assert.ok(found.every((p) => p.orderId === orderId))
        assert.deepEqual(await h.provider.findByOrder(order()), [])
        assert.equal(typeof h.provider.findByOrderLagMs, 'number')
      })
    })

    describe('webhooks', () => {
      it('parses a signed event into payment.updated, the same way on redelivery', async () => {
        const h = await makeHarness()
        if (!(options.supportsRequiresAction ?? true)) return
        const orderId = order()
        const state = await h.provider.authorize({
          amount: eur(450),
          orderId,
          idempotencyKey: key('auth'),
          paymentMethod: h.paymentMethods.requiresAction,
        })
        const webhook = await h.completeAction(state.paymentId, 'succeed')
        const first = await h.provider.parseWebhook(webhook)
        const again = await h.provider.parseWebhook({
          rawBody: new TextEncoder().encode(webhook.rawBody),
          headers: webhook.headers,
        })
        assert.ok(first.kind === 'payment.updated' && again.kind === 'payment.updated')
        assert.equal(again.eventId, first.eventId)
        assert.deepEqual(again.state, first.state)
        assert.deepEqual(first.state.amount, eur(450))
      })

      it('rejects forged, tampered, unsigned and malformed deliveries with validation.failed', async () => {
        const h = await makeHarness()
        const genuine = h.signWebhook(JSON.stringify({ id: 'evt_1', type: 'something.else' }))
        /** Refused for its signature: an issue on one of the headers. */
        const refusedForSignature = async (delivery: Promise<unknown>) => {
          const { details } = await expectCommerceError(delivery, 'validation.failed')
          const issues = details.issues as { path: string }[]
          assert.ok(
            issues.some((i) => i.path.startsWith('headers.')),
            JSON.stringify(issues),
          )
        }
        /** Refused for its body: an issue on `rawBody`. */
        const refusedForBody = async (delivery: Promise<unknown>) => {
          const { details } = await expectCommerceError(delivery, 'validation.failed')
          const issues = details.issues as { path: string }[]
          assert.ok(
            issues.some((i) => i.path.startsWith('rawBody')),
            JSON.stringify(issues),
          )
        }
        // Tampered body under a genuine signature.
        await refusedForSignature(
          h.provider.parseWebhook({
            rawBody: genuine.rawBody.replace('evt_1', 'evt_2'),
            headers: genuine.headers,
          }),
        )
        // Forged signature: every header value replaced by one made without the secret.
        const forged = Object.fromEntries(
          Object.entries(genuine.headers).map(
            ([name, value]) => [name, name === 'content-type' ? value : 't=1,v1=00ff'] as const,
          ),
        )
        await refusedForSignature(h.provider.parseWebhook({ rawBody: genuine.rawBody, headers: forged }))
        await refusedForSignature(
          h.provider.parseWebhook({
            rawBody: genuine.rawBody,
            headers: { 'content-type': 'application/json' },
          }),
        )
        // Signed, but not an event.
        for (const body of ['not json', '{"id": 1}', '[]']) {
          await refusedForBody(h.provider.parseWebhook(h.signWebhook(body)))
        }
        await expectCommerceError(
          h.provider.parseWebhook({ rawBody: 'x'.repeat(1024 * 1024 + 1), headers: genuine.headers }),
          'validation.failed',
        )
      })

      it('answers ignored for provider events that are not about payments', async () => {
        const h = await makeHarness()
        const event = await h.provider.parseWebhook(
          h.signWebhook(
            JSON.stringify({
              id: 'evt_ignored_1',
              object: 'event',
              type: 'customer.created',
              created: Math.floor(Date.now() / 1000),
              data: { object: { id: 'cus_1', object: 'customer' } },
            }),
          ),
        )
        assert.equal(event.kind, 'ignored')
        assert.equal(event.eventId, 'evt_ignored_1')
      })
    })
  })
}
