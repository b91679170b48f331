import { createIdGenerator, money, type PaymentProvider } from '@souk/core'
import { expectCommerceError, expectConfigError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mapStripeError, stripePayments } from '../src/index.js'
import { type StripeMockServer, startStripeMockServer } from './stripe-mock-server.js'
import { delivery, signed, stripeClient, WEBHOOK_SECRET } from './support.js'

let server: StripeMockServer
beforeAll(async () => {
  server = await startStripeMockServer()
})
afterAll(async () => {
  await server.close()
})

const ids = createIdGenerator()
const eur = (amount: number) => money(amount, 'EUR')
const provider = (config: { maxNetworkRetries?: number; key?: string } = {}): PaymentProvider =>
  stripePayments({ stripe: stripeClient(server, config), webhookSecret: WEBHOOK_SECRET })
const intentsOf = (orderId: string) =>
  server.paymentIntents().filter((pi) => (pi.metadata as Record<string, string>).souk_order_id === orderId)
const requestsWith = (key: string) => server.requests.filter((r) => r.idempotencyKey === key)

describe('stripePayments over the real SDK', () => {
  it('creates a confirmed PaymentIntent with the order in metadata and an Idempotency-Key on every mutation', async () => {
    const p = provider()
    const orderId = ids('ord')
    const before = server.requests.length
    const state = await p.authorize({
      amount: eur(2599),
      orderId,
      customerId: 'cus-42',
      idempotencyKey: `${orderId}:authorize`,
      paymentMethod: 'pm_card_visa',
    })
    await p.capture({ paymentId: state.paymentId, amount: eur(2000), idempotencyKey: `${orderId}:capture` })
    await p.refund({ paymentId: state.paymentId, amount: eur(500), idempotencyKey: `${orderId}:refund:1` })
    const other = await p.authorize({
      amount: eur(100),
      orderId,
      idempotencyKey: `${orderId}:authorize:2`,
      paymentMethod: 'pm_card_visa',
    })
    await p.void({ paymentId: other.paymentId, idempotencyKey: `${orderId}:void` })

    const [pi] = intentsOf(orderId)
    expect(pi).toMatchObject({
      id: state.paymentId,
      amount: 2599,
      amount_received: 2000,
      currency: 'eur',
      capture_method: 'manual',
      status: 'succeeded',
      metadata: { souk_order_id: orderId, souk_customer_id: 'cus-42' },
    })
    const mutations = server.requests.slice(before).filter((r) => r.method === 'POST')
    expect(mutations.map((r) => r.path)).toEqual([
      '/v1/payment_intents',
      `/v1/payment_intents/${state.paymentId}/capture`,
      '/v1/refunds',
      '/v1/payment_intents',
      `/v1/payment_intents/${other.paymentId}/cancel`,
    ])
    expect(mutations.every((r) => r.idempotencyKey?.startsWith(`${orderId}:`))).toBe(true)
  })

  it('retries a request whose response was lost with the same key: one PaymentIntent, a replayed answer', async () => {
    const p = provider()
    const orderId = ids('ord')
    const idempotencyKey = `${orderId}:authorize`
    server.dropResponses(1)
    const state = await p.authorize({
      amount: eur(1000),
      orderId,
      idempotencyKey,
      paymentMethod: 'pm_card_visa',
    })
    expect(state.status).toBe('authorized')
    expect(intentsOf(orderId)).toHaveLength(1)
    expect(requestsWith(idempotencyKey).map((r) => r.replayed)).toEqual([false, true])
  })

  it('reports a call whose outcome is unknown as payment.provider_unavailable; the same key then finds it', async () => {
    const p = provider({ maxNetworkRetries: 0 })
    const orderId = ids('ord')
    const idempotencyKey = `${orderId}:authorize`
    const input = { amount: eur(1000), orderId, idempotencyKey, paymentMethod: 'pm_card_visa' }
    // The SDK retries a cut connection once even with retries off; cut both attempts.
    server.dropResponses(2)
    await expectCommerceError(p.authorize(input), 'payment.provider_unavailable')
    expect(intentsOf(orderId)).toHaveLength(1)
    const state = await p.authorize(input)
    expect(state.paymentId).toBe(intentsOf(orderId)[0]?.id)
    expect(intentsOf(orderId)).toHaveLength(1)
    expect(requestsWith(idempotencyKey).at(-1)?.replayed).toBe(true)
  })

  it('maps a 5xx to payment.provider_unavailable and creates nothing', async () => {
    const p = provider({ maxNetworkRetries: 0 })
    const orderId = ids('ord')
    server.failRequests(1)
    await expectCommerceError(
      p.authorize({
        amount: eur(1000),
        orderId,
        idempotencyKey: `${orderId}:a`,
        paymentMethod: 'pm_card_visa',
      }),
      'payment.provider_unavailable',
      { stripeType: 'api_error' },
    )
    expect(intentsOf(orderId)).toHaveLength(0)
  })

  it('surfaces a 402 card_error as payment.declined with the decline code and the PaymentIntent id', async () => {
    const p = provider()
    const orderId = ids('ord')
    const { details } = await expectCommerceError(
      p.authorize({
        amount: eur(1000),
        orderId,
        idempotencyKey: `${orderId}:a`,
        paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
      }),
      'payment.declined',
    )
    const [pi] = intentsOf(orderId)
    expect(details).toMatchObject({ paymentId: pi?.id, failureCode: 'insufficient_funds' })
    expect(pi?.status).toBe('requires_payment_method')
    const state = await p.status(String(pi?.id))
    expect(state).toMatchObject({ status: 'failed', failureCode: 'insufficient_funds' })
  })

  it('returns requires_action with the client secret for 3-D Secure, and the redirect URL when given a returnUrl', async () => {
    const p = provider()
    const sdk = await p.authorize({
      amount: eur(1000),
      orderId: ids('ord'),
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_threeDSecure2Required',
    })
    expect(sdk.status).toBe('requires_action')
    expect(sdk.action).toMatchObject({
      type: 'use_stripe_sdk',
      clientSecret: expect.stringContaining('_secret_'),
    })
    const redirect = await p.authorize({
      amount: eur(1000),
      orderId: ids('ord'),
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_threeDSecure2Required',
      returnUrl: 'https://shop.example/checkout/return',
    })
    expect(redirect.action).toMatchObject({
      type: 'redirect_to_url',
      url: expect.stringContaining(redirect.paymentId),
    })
  })

  it('without a payment method only creates the PaymentIntent, for the storefront to confirm', async () => {
    const p = provider()
    const orderId = ids('ord')
    const state = await p.authorize({ amount: eur(1000), orderId, idempotencyKey: ids('k') })
    expect(state.status).toBe('requires_action')
    expect(state.action).toMatchObject({ type: 'collect_payment_method', clientSecret: expect.any(String) })
    expect(intentsOf(orderId)[0]?.status).toBe('requires_payment_method')
  })

  it('captures automatically when configured so', async () => {
    const p = stripePayments({
      stripe: stripeClient(server),
      webhookSecret: WEBHOOK_SECRET,
      captureMethod: 'automatic',
    })
    const orderId = ids('ord')
    const state = await p.authorize({
      amount: eur(700),
      orderId,
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_visa',
    })
    expect(state).toMatchObject({ status: 'captured', capturedAmount: eur(700) })
    expect(intentsOf(orderId)[0]?.capture_method).toBe('automatic')
  })

  it('refuses an unknown payment method with validation.failed at paymentMethod', async () => {
    await expectCommerceError(
      provider().authorize({
        amount: eur(100),
        orderId: ids('ord'),
        idempotencyKey: ids('k'),
        paymentMethod: 'pm_nope',
      }),
      'validation.failed',
      { issues: [{ path: 'paymentMethod', message: 'unknown to Stripe' }] },
    )
  })

  it('converts between ISO-4217 and Stripe minor units', async () => {
    const p = provider()
    const cases = [
      { amount: money(500, 'JPY'), stripe: 500 },
      { amount: money(500, 'ISK'), stripe: 50_000 },
      { amount: money(12_000, 'MGA'), stripe: 120 },
      { amount: money(1250, 'KWD'), stripe: 1250 },
    ]
    for (const { amount, stripe } of cases) {
      const orderId = ids('ord')
      const state = await p.authorize({
        amount,
        orderId,
        idempotencyKey: ids('k'),
        paymentMethod: 'pm_card_visa',
      })
      expect(state.amount).toEqual(amount)
      expect(intentsOf(orderId)[0]).toMatchObject({ amount: stripe, currency: amount.currency.toLowerCase() })
    }
    await expectCommerceError(
      p.authorize({
        amount: money(1050, 'MGA'),
        orderId: ids('ord'),
        idempotencyKey: ids('k'),
        paymentMethod: 'pm_card_visa',
      }),
      'validation.failed',
    )
  })

  it("passes Stripe's own refund reasons through and keeps any other reason in metadata only", async () => {
    const p = provider()
    const state = await p.authorize({
      amount: eur(1000),
      orderId: ids('ord'),
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_visa',
      capture: 'automatic',
    })
    const a = await p.refund({
      paymentId: state.paymentId,
      amount: eur(100),
      idempotencyKey: ids('k'),
      reason: 'requested_by_customer',
    })
    const b = await p.refund({
      paymentId: state.paymentId,
      amount: eur(100),
      idempotencyKey: ids('k'),
      reason: 'box arrived crushed',
    })
    expect(a.refundedAmount).toEqual(eur(100))
    expect(b).toMatchObject({ status: 'partially_refunded', refundedAmount: eur(200) })
    const refunded = server.events.filter((e) => e.type === 'refund.created').map((e) => e.data.object)
    expect(refunded.at(-2)).toMatchObject({
      reason: 'requested_by_customer',
      metadata: { souk_reason: 'requested_by_customer' },
    })
    expect(refunded.at(-1)).toMatchObject({ reason: null, metadata: { souk_reason: 'box arrived crushed' } })
  })

  it('pages through search results for orders with many payments', async () => {
    const p = provider()
    const orderId = ids('ord')
    for (let i = 0; i < 103; i++) {
      await p.authorize({
        amount: eur(100 + i),
        orderId,
        idempotencyKey: `${orderId}:${i}`,
        paymentMethod: 'pm_card_visa',
      })
    }
    const found = await p.findByOrder(orderId)
    expect(found).toHaveLength(103)
    expect(new Set(found.map((s) => s.paymentId)).size).toBe(103)
    expect(found[0]?.amount).toEqual(eur(100))
    expect(found.at(-1)?.amount).toEqual(eur(202))
    expect(p.findByOrderLagMs).toBe(5 * 60 * 1000)
  })

  it('maps bad credentials to payment.failed and leaves other errors untouched', async () => {
    await expectCommerceError(provider({ key: 'sk_live_wrong' }).status('pi_123'), 'payment.failed', {
      stripeType: 'invalid_request_error',
    })
    const bug = new TypeError('not a Stripe error')
    expect(mapStripeError(bug, { provider: 'stripe', operation: 'status' })).toBe(bug)
  })

  it('refuses an invalid config with config.invalid', () => {
    for (const [config, path] of [
      [{ stripe: {}, webhookSecret: WEBHOOK_SECRET }, 'stripe'],
      [{ stripe: stripeClient(server), webhookSecret: '' }, 'webhookSecret'],
      [
        { stripe: stripeClient(server), webhookSecret: WEBHOOK_SECRET, captureMethod: 'later' },
        'captureMethod',
      ],
    ] as const) {
      expectConfigError(() => stripePayments(config as never), 'stripePayments config', path)
    }
  })
})

describe('stripePayments webhooks', () => {
  it('translates the events of a whole payment, signed with the SDK helper, into payment states', async () => {
    const stripe = stripeClient(server)
    const p = provider()
    const orderId = ids('ord')
    const from = server.events.length
    const state = await p.authorize({
      amount: eur(1000),
      orderId,
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_threeDSecure2Required',
    })
    server.completeAction(state.paymentId, 'succeed')
    await p.capture({ paymentId: state.paymentId, amount: eur(800), idempotencyKey: ids('k') })
    await p.refund({ paymentId: state.paymentId, amount: eur(300), idempotencyKey: ids('k') })
    await p.refund({ paymentId: state.paymentId, amount: eur(500), idempotencyKey: ids('k') })
    const parsed = await Promise.all(
      server.events.slice(from).map((event) => p.parseWebhook(delivery(stripe, event))),
    )
    const applied = parsed.flatMap((e) =>
      e.kind === 'payment.updated' ? [`${e.type} ${e.state.status} ${e.state.refundedAmount.amount}`] : [],
    )
    expect(applied).toEqual([
      'payment_intent.created requires_action 0',
      'payment_intent.requires_action requires_action 0',
      'payment_intent.amount_capturable_updated authorized 0',
      'payment_intent.succeeded captured 0',
      'charge.refunded partially_refunded 300',
      'charge.refunded refunded 800',
    ])
    expect(parsed.filter((e) => e.kind === 'ignored').map((e) => e.type)).toEqual([
      'charge.succeeded',
      'charge.captured',
      'refund.created',
      'refund.created',
    ])
    for (const event of parsed) {
      if (event.kind === 'payment.updated') {
        expect(event.orderId).toBe(orderId)
        expect(event.state.paymentId).toBe(state.paymentId)
      }
    }
  })

  it('reports a failed 3-D Secure step as failed with Stripe failure code', async () => {
    const stripe = stripeClient(server)
    const p = provider()
    const state = await p.authorize({
      amount: eur(1000),
      orderId: ids('ord'),
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_authenticationRequired',
    })
    const event = await p.parseWebhook(delivery(stripe, server.completeAction(state.paymentId, 'fail')))
    expect(event).toMatchObject({
      kind: 'payment.updated',
      type: 'payment_intent.payment_failed',
      state: { status: 'failed', failureCode: 'payment_intent_authentication_failure' },
    })
  })

  it('ignores events for PaymentIntents Souk did not create', async () => {
    const stripe = stripeClient(server)
    const foreign = await stripe.paymentIntents.create(
      {
        amount: 500,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { idempotencyKey: ids('k') },
    )
    const events = server.events.filter((e) => e.data.object.id === foreign.id)
    expect(events.length).toBeGreaterThan(0)
    for (const event of events)
      expect((await provider().parseWebhook(delivery(stripe, event))).kind).toBe('ignored')
  })

  it('accepts bytes, any header case and a redelivery; refuses stale, wrongly keyed and tampered deliveries', async () => {
    const stripe = stripeClient(server)
    const p = provider()
    const state = await p.authorize({
      amount: eur(1000),
      orderId: ids('ord'),
      idempotencyKey: ids('k'),
      paymentMethod: 'pm_card_threeDSecure2Required',
    })
    const good = delivery(stripe, server.completeAction(state.paymentId, 'succeed'))
    const first = await p.parseWebhook(good)
    const bytes = await p.parseWebhook({
      rawBody: new TextEncoder().encode(good.rawBody),
      headers: { 'Stripe-Signature': good.headers['stripe-signature'] },
    })
    expect(bytes).toEqual(first)

    const refused = async (input: Parameters<PaymentProvider['parseWebhook']>[0]) => {
      const { details } = await expectCommerceError(p.parseWebhook(input), 'validation.failed')
      return (details.issues as { path: string }[])[0]?.path
    }
    const stale = signed(stripe, good.rawBody, { timestamp: Math.floor(Date.now() / 1000) - 301 })
    expect(await refused(stale)).toBe('headers.stripe-signature')
    expect(await refused(signed(stripe, good.rawBody, { secret: 'whsec_someone_else' }))).toBe(
      'headers.stripe-signature',
    )
    expect(
      await refused({
        rawBody: good.rawBody.replace('"amount": 1000', '"amount": 1'),
        headers: good.headers,
      }),
    ).toBe('headers.stripe-signature')
    expect(await refused({ rawBody: good.rawBody, headers: {} })).toBe('headers.stripe-signature')
    expect(await refused(signed(stripe, '{"id": "evt_1"'))).toBe('rawBody')
    const noObject = JSON.stringify({
      id: 'evt_x',
      type: 'payment_intent.succeeded',
      created: 1,
      data: { object: { id: 'pi_x' } },
    })
    expect(await refused(signed(stripe, noObject))).toMatch(/^rawBody\.data\.object/)
  })
})
