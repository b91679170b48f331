import { generateKeyPairSync } from 'node:crypto'
import { createIdGenerator, type Money, money } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromPaypalMoney, paypalClient, paypalPayments, toPaypalMoney } from '../src/index.js'
import { type PaypalMockServer, startPaypalMockServer, VAULT, WEBHOOK_ID } from '../src/testing/index.js'
import { provider, sdkClient } from './support.js'

let server: PaypalMockServer
beforeAll(async () => {
  server = await startPaypalMockServer()
})
afterAll(async () => {
  await server.close()
})

const ids = createIdGenerator()
const eur = (amount: number): Money => money(amount, 'EUR')
const key = (what: string) => `${what}-${ids('k')}`

async function authorized(amount = 1000, orderId = ids('ord')) {
  return provider(server).authorize({
    amount: eur(amount),
    orderId,
    idempotencyKey: key('auth'),
    paymentMethod: VAULT.approve,
  })
}

const requestsWith = (requestId: string) => server.requests.filter((r) => r.requestId === requestId)

describe('amounts: Souk minor units ↔ PayPal decimal strings, per currency, without floats', () => {
  it('writes the currency exponent of decimals', () => {
    expect(toPaypalMoney(money(1205, 'EUR'))).toEqual({ currencyCode: 'EUR', value: '12.05' })
    expect(toPaypalMoney(money(5, 'USD'))).toEqual({ currencyCode: 'USD', value: '0.05' })
    expect(toPaypalMoney(money(1205, 'JPY'))).toEqual({ currencyCode: 'JPY', value: '1205' })
    expect(toPaypalMoney(money(1205, 'KWD'))).toEqual({ currencyCode: 'KWD', value: '1.205' })
    expect(toPaypalMoney(money(900719925474099, 'USD')).value).toBe('9007199254740.99')
  })

  it('sends HUF and TWD as whole units, which PayPal requires, and refuses fractions', async () => {
    expect(toPaypalMoney(money(120500, 'HUF'))).toEqual({ currencyCode: 'HUF', value: '1205' })
    expect(fromPaypalMoney({ currencyCode: 'HUF', value: '1205' })).toEqual(money(120500, 'HUF'))
    expect(() => toPaypalMoney(money(120550, 'HUF'))).toThrow(/whole units/)
    await expectCommerceError(
      provider(server).authorize({
        amount: money(120550, 'HUF'),
        orderId: ids('ord'),
        idempotencyKey: key('auth'),
        paymentMethod: VAULT.approve,
      }),
      'validation.failed',
    )
  })

  it('reads PayPal amounts exactly and refuses ones with more decimals than the currency has', () => {
    expect(fromPaypalMoney({ currencyCode: 'EUR', value: '0.10' })).toEqual(money(10, 'EUR'))
    expect(fromPaypalMoney({ currencyCode: 'EUR', value: '19.9' })).toEqual(money(1990, 'EUR'))
    expect(fromPaypalMoney({ currencyCode: 'KWD', value: '1.205' })).toEqual(money(1205, 'KWD'))
    expect(() => fromPaypalMoney({ currencyCode: 'EUR', value: '1.005' })).toThrow(/no exact/)
    expect(() => fromPaypalMoney({ currencyCode: 'XXQ', value: '1' })).toThrow(/does not know/)
  })

  it('authorizes a JPY and a KWD amount with the right PayPal value', async () => {
    const yen = await provider(server).authorize({
      amount: money(1205, 'JPY'),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: VAULT.approve,
    })
    expect(yen.amount).toEqual(money(1205, 'JPY'))
    const stored = server.orders().find((o) => o.id === yen.paymentId) as {
      purchase_units: { amount: unknown }[]
    }
    expect(stored.purchase_units[0]?.amount).toEqual({ currency_code: 'JPY', value: '1205' })
    const dinar = await provider(server).authorize({
      amount: money(1205, 'KWD'),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: VAULT.approve,
    })
    expect(dinar.amount).toEqual(money(1205, 'KWD'))
  })
})

describe('retries resend the same PayPal-Request-Id', () => {
  it('retries a 503 and a cut connection with the same request id; PayPal does the work once', async () => {
    const orderId = ids('ord')
    const idempotencyKey = key('auth')
    server.failRequests(1)
    const first = await provider(server).authorize({
      amount: eur(700),
      orderId,
      idempotencyKey,
      paymentMethod: VAULT.approve,
    })
    expect(first.status).toBe('authorized')
    expect(requestsWith(idempotencyKey).map((r) => r.status)).toEqual([503, 201])

    const captureKey = key('cap')
    server.dropResponses(1)
    const captured = await provider(server).capture({
      paymentId: first.paymentId,
      idempotencyKey: captureKey,
    })
    expect(captured.status).toBe('captured')
    const attempts = requestsWith(captureKey)
    expect(attempts).toHaveLength(2)
    expect(attempts[1]?.replayed).toBe(true)
    expect(server.orders().filter((o) => o.id === first.paymentId)).toHaveLength(1)
    const order = server.orders().find((o) => o.id === first.paymentId) as {
      purchase_units: { payments: { captures: unknown[] } }[]
    }
    expect(order.purchase_units[0]?.payments.captures).toHaveLength(1)
  })

  it('says provider_unavailable when retries run out; a later call with the same key finds the same order', async () => {
    const orderId = ids('ord')
    const idempotencyKey = key('auth')
    const noRetries = provider(server, { maxNetworkRetries: 0 })
    server.dropResponses(1)
    await expectCommerceError(
      noRetries.authorize({ amount: eur(300), orderId, idempotencyKey, paymentMethod: VAULT.approve }),
      'payment.provider_unavailable',
      { attempted: 'authorize' },
    )
    // PayPal did create the order before the connection was cut.
    expect(
      server.orders().filter((o) => (o.purchase_units as { custom_id: string }[])[0]?.custom_id === orderId),
    ).toHaveLength(1)
    const again = await noRetries.authorize({
      amount: eur(300),
      orderId,
      idempotencyKey,
      paymentMethod: VAULT.approve,
    })
    expect(again.status).toBe('authorized')
    expect(requestsWith(idempotencyKey).at(-1)?.replayed).toBe(true)
    expect(
      server.orders().filter((o) => (o.purchase_units as { custom_id: string }[])[0]?.custom_id === orderId),
    ).toHaveLength(1)
  })

  it('says provider_unavailable when nothing listens, and payment.failed for refused credentials', async () => {
    const closed = paypalPayments({
      client: paypalClient({
        clientId: 'x',
        clientSecret: 'y',
        baseUrl: 'http://127.0.0.1:1',
        timeoutMs: 2_000,
      }),
      webhookId: WEBHOOK_ID,
      maxNetworkRetries: 1,
      retryDelayMs: 1,
    })
    await expectCommerceError(closed.status('5O190127TN364715T'), 'payment.provider_unavailable')
    const wrongSecret = paypalPayments({ client: sdkClient(server, 'wrong'), webhookId: WEBHOOK_ID })
    const { details } = await expectCommerceError(wrongSecret.status('5O190127TN364715T'), 'payment.failed')
    expect(details.httpStatus).toBe(401)
  })
})

describe('authorize', () => {
  it('returns PayPal processor response codes as failure codes', async () => {
    const { details } = await expectCommerceError(
      provider(server).authorize({
        amount: eur(100),
        orderId: ids('ord'),
        idempotencyKey: key('auth'),
        paymentMethod: VAULT.insufficientFunds,
      }),
      'payment.declined',
    )
    expect(details.failureCode).toBe('5120')
  })

  it('authorizes a saved PayPal wallet, and asks for payer approval without a payment method', async () => {
    const wallet = await provider(server).authorize({
      amount: eur(100),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: `paypal:${VAULT.wallet}`,
    })
    expect(wallet.status).toBe('authorized')
    const approval = await provider(server).authorize({
      amount: eur(100),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      returnUrl: 'https://shop.example/return',
    })
    expect(approval.status).toBe('requires_action')
    expect(approval.action?.type).toBe('payer_action')
    expect(approval.action?.clientSecret).toBe(approval.paymentId)
    expect(approval.action?.url).toMatch(/checkoutnow\?token=/)
  })

  it('captures at once with automatic capture, and the capture webhook says captured', async () => {
    const state = await provider(server).authorize({
      amount: eur(450),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: VAULT.approve,
      capture: 'automatic',
    })
    expect(state.status).toBe('captured')
    expect(state.capturedAmount).toEqual(eur(450))
    const event = server.events.findLast((e) => e.event_type === 'PAYMENT.CAPTURE.COMPLETED')
    const parsed = await provider(server).parseWebhook(server.deliver(event as never))
    expect(parsed.kind === 'payment.updated' && parsed.state).toMatchObject({
      paymentId: state.paymentId,
      status: 'captured',
      capturedAmount: eur(450),
    })
  })

  it('refuses a config without a client or webhook id with config.invalid', () => {
    expect(() => paypalPayments({} as never)).toThrow(expect.objectContaining({ code: 'config.invalid' }))
    expect(() => paypalClient({ clientId: '', clientSecret: 'x' })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    )
  })
})

describe('payer approval at PayPal, then completeApprovedOrder', () => {
  it('authorizes an order once the payer approved it, idempotently; before approval it is invalid_state', async () => {
    const p = provider(server, { completeOnApproval: false })
    const waiting = await p.authorize({
      amount: eur(1999),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      returnUrl: 'https://shop.example/return',
    })
    expect(waiting.status).toBe('requires_action')
    const complete = { paymentId: waiting.paymentId, idempotencyKey: `${waiting.paymentId}:complete` }
    await expectCommerceError(p.completeApprovedOrder(complete), 'payment.invalid_state', {
      paymentId: waiting.paymentId,
    })
    // The payer approves; PayPal announces it and leaves the order for the merchant to complete.
    const approved = await p.parseWebhook(server.deliver(server.completeAction(waiting.paymentId, 'succeed')))
    expect(approved.kind === 'payment.updated' && approved.state.status).toBe('pending')
    const done = await p.completeApprovedOrder(complete)
    expect(done).toMatchObject({ status: 'authorized', amount: eur(1999), paymentId: waiting.paymentId })
    const again = await p.completeApprovedOrder(complete)
    expect(again.status).toBe('authorized')
    // The refusal saved nothing under the key; the retry was a replay.
    expect(requestsWith(complete.idempotencyKey).map((r) => [r.status, r.replayed])).toEqual([
      [422, false],
      [201, false],
      [201, true],
    ])
    const event = server.events.findLast((e) => e.event_type === 'PAYMENT.AUTHORIZATION.CREATED')
    const parsed = await p.parseWebhook(server.deliver(event as never))
    expect(parsed.kind === 'payment.updated' && parsed.state).toMatchObject({
      paymentId: waiting.paymentId,
      status: 'authorized',
    })
  })

  it('captures an approved order created for automatic capture', async () => {
    const p = provider(server, { completeOnApproval: false })
    const waiting = await p.authorize({
      amount: eur(500),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      capture: 'automatic',
    })
    server.completeAction(waiting.paymentId, 'succeed')
    const done = await p.completeApprovedOrder({
      paymentId: waiting.paymentId,
      idempotencyKey: key('complete'),
    })
    expect(done).toMatchObject({ status: 'captured', capturedAmount: eur(500) })
  })
})

describe('refunds', () => {
  it('refunds part, then the rest; refund ids differ; a refund past the capture is amount_exceeded', async () => {
    const p = provider(server)
    const state = await authorized(1000)
    await p.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') })
    const partial = await p.refund({ paymentId: state.paymentId, amount: eur(250), idempotencyKey: key('r') })
    expect(partial).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: eur(250),
      capturedAmount: eur(1000),
    })
    const rest = await p.refund({ paymentId: state.paymentId, amount: eur(750), idempotencyKey: key('r') })
    expect(rest).toMatchObject({ status: 'refunded', refundedAmount: eur(1000) })
    expect(rest.refundId).not.toBe(partial.refundId)
    await expectCommerceError(
      p.refund({ paymentId: state.paymentId, amount: eur(1), idempotencyKey: key('r') }),
      'payment.amount_exceeded',
      { attempted: 'refund' },
    )
    const refunds = (
      server.orders().find((o) => o.id === state.paymentId) as {
        purchase_units: { payments: { refunds: { amount: unknown }[] } }[]
      }
    ).purchase_units[0]?.payments.refunds
    expect(refunds?.map((r) => r.amount)).toEqual([
      { currency_code: 'EUR', value: '2.50' },
      { currency_code: 'EUR', value: '7.50' },
    ])
  })

  it('refuses a replayed refund key with another amount (idempotency.conflict)', async () => {
    const p = provider(server)
    const state = await authorized(1000)
    await p.capture({ paymentId: state.paymentId, idempotencyKey: key('cap') })
    const idempotencyKey = key('r')
    await p.refund({ paymentId: state.paymentId, amount: eur(100), idempotencyKey })
    await expectCommerceError(
      p.refund({ paymentId: state.paymentId, amount: eur(200), idempotencyKey }),
      'idempotency.conflict',
    )
    expect((await p.status(state.paymentId)).refundedAmount).toEqual(eur(100))
  })
})

describe('void', () => {
  it('voids an authorization at PayPal; its webhook says voided', async () => {
    const p = provider(server)
    const state = await authorized(800)
    const voided = await p.void({ paymentId: state.paymentId, idempotencyKey: key('void') })
    expect(voided.status).toBe('voided')
    expect(server.requests.some((r) => r.path.endsWith('/void') && r.status === 200)).toBe(true)
    const event = server.events.findLast((e) => e.event_type === 'PAYMENT.AUTHORIZATION.VOIDED')
    const parsed = await p.parseWebhook(server.deliver(event as never))
    expect(parsed.kind === 'payment.updated' && parsed.state.status).toBe('voided')
    expect(parsed.kind === 'payment.updated' && parsed.state.paymentId).toBe(state.paymentId)
  })

  it('answers voided without a PayPal call for an order still waiting for the payer', async () => {
    const p = provider(server)
    const waiting = await p.authorize({
      amount: eur(100),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: VAULT.threeDSecure,
    })
    const before = server.requests.length
    const voided = await p.void({ paymentId: waiting.paymentId, idempotencyKey: key('void') })
    expect(voided.status).toBe('voided')
    expect(voided.action).toBeUndefined()
    expect(server.requests.slice(before).every((r) => r.method === 'GET')).toBe(true)
  })
})

describe('webhook signatures', () => {
  async function genuine() {
    const state = await provider(server).authorize({
      amount: eur(300),
      orderId: ids('ord'),
      idempotencyKey: key('auth'),
      paymentMethod: VAULT.threeDSecure,
    })
    return { state, delivery: server.deliver(server.completeAction(state.paymentId, 'succeed')) }
  }

  const issuesOf = async (delivery: Promise<unknown>) => {
    const { details } = await expectCommerceError(delivery, 'validation.failed')
    return (details.issues as { path: string }[]).map((i) => i.path)
  }

  it('accepts a delivery PayPal signed, fetching the certificate once', async () => {
    const p = provider(server)
    const { state, delivery } = await genuine()
    const event = await p.parseWebhook(delivery)
    expect(event.kind === 'payment.updated' && event.state).toMatchObject({
      paymentId: state.paymentId,
      status: 'authorized',
    })
    const certFetches = () =>
      server.requests.filter((r) => r.path.startsWith('/v1/notifications/certs/')).length
    const fetched = certFetches()
    await p.parseWebhook((await genuine()).delivery)
    expect(certFetches()).toBe(fetched)
  })

  it('refuses an altered body, another webhook id, another key, and an untrusted certificate URL', async () => {
    const p = provider(server)
    const { delivery } = await genuine()
    const altered = delivery.rawBody.replace('"CREATED"', '"VOIDED"')
    expect(altered).not.toBe(delivery.rawBody)
    expect(await issuesOf(p.parseWebhook({ rawBody: altered, headers: delivery.headers }))).toEqual([
      'headers.paypal-transmission-sig',
    ])
    // Signed for another webhook (another merchant's endpoint).
    expect(
      await issuesOf(p.parseWebhook(server.sign(delivery.rawBody, { webhookId: 'WH0THER000000000' }))),
    ).toEqual(['headers.paypal-transmission-sig'])
    // Signed with a key that is not PayPal's, pointing at PayPal's certificate.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forgedKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(await issuesOf(p.parseWebhook(server.sign(delivery.rawBody, { privateKey: forgedKey })))).toEqual([
      'headers.paypal-transmission-sig',
    ])
    // A certificate of the forger's own: refused before anything is downloaded.
    const before = server.requests.length
    expect(
      await issuesOf(
        p.parseWebhook(server.sign(delivery.rawBody, { certUrl: 'https://evil.example/cert.pem' })),
      ),
    ).toEqual(['headers.paypal-cert-url'])
    expect(server.requests.length).toBe(before)
    // A path on PayPal's origin that holds no certificate.
    expect(
      await issuesOf(
        p.parseWebhook(
          server.sign(delivery.rawBody, { certUrl: `${server.origin}/v1/notifications/certs/CERT-none` }),
        ),
      ),
    ).toEqual(['headers.paypal-cert-url'])
    // Another algorithm, and a missing header.
    expect(
      await issuesOf(
        p.parseWebhook({ ...delivery, headers: { ...delivery.headers, 'paypal-auth-algo': 'SHA1withRSA' } }),
      ),
    ).toEqual(['headers.paypal-auth-algo'])
    const { 'paypal-transmission-id': _dropped, ...withoutId } = delivery.headers
    expect(await issuesOf(p.parseWebhook({ ...delivery, headers: withoutId }))).toEqual([
      'headers.paypal-transmission-id',
    ])
    // The genuine delivery still passes, as bytes too.
    const event = await p.parseWebhook({
      rawBody: new TextEncoder().encode(delivery.rawBody),
      headers: delivery.headers,
    })
    expect(event.kind).toBe('payment.updated')
  })

  it('refuses deliveries once the signing certificate has expired', async () => {
    const { delivery } = await genuine()
    const later = provider(server, { now: () => new Date('2200-01-01T00:00:00Z') })
    expect(await issuesOf(later.parseWebhook(delivery))).toEqual(['headers.paypal-cert-url'])
  })

  it('ignores events about orders Souk did not create', async () => {
    const body = JSON.stringify({
      id: 'WH-FOREIGN',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      create_time: '2026-01-01T00:00:00Z',
      resource: {
        id: '3C679366HH908993F',
        status: 'COMPLETED',
        amount: { currency_code: 'EUR', value: '1.00' },
        supplementary_data: { related_ids: { order_id: '5O190127TN364715T' } },
      },
    })
    expect(await provider(server).parseWebhook(server.sign(body))).toEqual({
      kind: 'ignored',
      eventId: 'WH-FOREIGN',
      type: 'PAYMENT.CAPTURE.COMPLETED',
    })
  })
})
