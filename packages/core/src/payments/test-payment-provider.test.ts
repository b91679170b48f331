import { describe, expect, it } from 'vitest'
import { createManualClock } from '../clock/clock.js'
import { money } from '../money/money.js'
import type { AuthorizeInput } from '../ports/payment-provider.js'
import { expectConfigError } from '../testing/expect-config-error.js'
import { paymentProviderSuite } from '../testing/payment-provider-suite.js'
import { AUTHENTICATION_FAILURE_CODE, createTestPaymentProvider } from './test-payment-provider.js'

paymentProviderSuite({ describe, it }, async () => {
  const provider = createTestPaymentProvider()
  return {
    provider,
    paymentMethods: {
      approve: 'pm_card_visa',
      decline: 'pm_card_chargeDeclined',
      requiresAction: 'pm_card_threeDSecure2Required',
    },
    completeAction: (paymentId, outcome) => provider.completeAction(paymentId, outcome),
    signWebhook: (rawBody) => provider.signWebhook(rawBody),
    inspect: {
      paymentCount: async (orderId) => provider.payments().filter((p) => p.orderId === orderId).length,
    },
  }
})

const eur = (amount: number) => money(amount, 'EUR')
let seq = 0
const authorizeInput = (over: Partial<AuthorizeInput> = {}): AuthorizeInput => {
  seq += 1
  return { amount: eur(1000), orderId: `ord_${seq}`, idempotencyKey: `key-${seq}`, ...over }
}

describe('createTestPaymentProvider', () => {
  it('applies behaviour to ordinary payment methods, while magic test cards keep their meaning', async () => {
    const declining = createTestPaymentProvider({ behaviour: 'decline' })
    await expect(declining.authorize(authorizeInput({ paymentMethod: 'pm_anything' }))).rejects.toMatchObject(
      {
        code: 'payment.declined',
        details: { failureCode: 'generic_decline' },
      },
    )
    expect((await declining.authorize(authorizeInput({ paymentMethod: 'pm_card_visa' }))).status).toBe(
      'authorized',
    )
    await expect(
      declining.authorize(authorizeInput({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' })),
    ).rejects.toMatchObject({ details: { failureCode: 'insufficient_funds' } })

    const approving = createTestPaymentProvider()
    expect((await approving.authorize(authorizeInput())).status).toBe('authorized')
    const acting = createTestPaymentProvider({ behaviour: 'requires_action' })
    const pending = await acting.authorize(authorizeInput())
    expect(pending.status).toBe('requires_action')
    expect(pending.action?.type).toBe('three_d_secure')
  })

  it('lets a function decide per authorization, with a custom failure code', async () => {
    const provider = createTestPaymentProvider({
      behaviour: (input) => (input.amount.amount > 5000 ? { decline: 'amount_too_large' } : 'approve'),
    })
    expect((await provider.authorize(authorizeInput({ amount: eur(5000) }))).status).toBe('authorized')
    await expect(provider.authorize(authorizeInput({ amount: eur(5001) }))).rejects.toMatchObject({
      code: 'payment.declined',
      details: { failureCode: 'amount_too_large' },
    })
  })

  it('captures at once with automatic capture, also after a completed 3-D Secure step', async () => {
    const provider = createTestPaymentProvider({ captureMethod: 'automatic' })
    const state = await provider.authorize(authorizeInput({ paymentMethod: 'pm_card_threeDSecure2Required' }))
    expect(state.status).toBe('requires_action')
    await provider.completeAction(state.paymentId, 'succeed')
    const read = await provider.status(state.paymentId)
    expect(read.status).toBe('captured')
    expect(read.capturedAmount).toEqual(eur(1000))
    await expect(provider.completeAction(state.paymentId, 'fail')).rejects.toMatchObject({
      code: 'payment.invalid_state',
      details: { attempted: 'complete_action' },
    })
  })

  it('emits one signed webhook per state change, in order, that parseWebhook accepts', async () => {
    const provider = createTestPaymentProvider()
    const state = await provider.authorize(authorizeInput({ paymentMethod: 'pm_card_threeDSecure2Required' }))
    await provider.completeAction(state.paymentId, 'fail')
    await provider.void({ paymentId: state.paymentId, idempotencyKey: 'void-1' })
    const events = await Promise.all(provider.takeWebhooks().map((w) => provider.parseWebhook(w)))
    expect(events.map((e) => (e.kind === 'payment.updated' ? e.state.status : e.kind))).toEqual([
      'requires_action',
      'failed',
      'voided',
    ])
    const failed = events[1]
    expect(failed?.kind === 'payment.updated' && failed.state.failureCode).toBe(AUTHENTICATION_FAILURE_CODE)
    expect(provider.takeWebhooks()).toEqual([])
  })

  it('refuses webhooks signed too long ago or in the future, by the injected clock', async () => {
    const clock = createManualClock(new Date('2030-01-01T00:00:00Z'))
    const provider = createTestPaymentProvider({ clock })
    const delivery = provider.signWebhook(JSON.stringify({ id: 'evt_1', type: 'x' }))
    clock.advance(5 * 60 * 1000)
    expect((await provider.parseWebhook(delivery)).kind).toBe('ignored')
    clock.advance(1000)
    await expect(provider.parseWebhook(delivery)).rejects.toMatchObject({ code: 'validation.failed' })
    clock.set(new Date('2029-12-31T23:54:00Z'))
    await expect(provider.parseWebhook(delivery)).rejects.toMatchObject({ code: 'validation.failed' })
  })

  it('refuses a webhook signed by another instance (another secret)', async () => {
    const a = createTestPaymentProvider()
    const b = createTestPaymentProvider()
    await expect(b.parseWebhook(a.signWebhook(JSON.stringify({ id: 'e', type: 'x' })))).rejects.toMatchObject(
      {
        code: 'validation.failed',
      },
    )
    const shared = 'a-shared-secret-of-32-characters'
    const c = createTestPaymentProvider({ webhookSecret: shared })
    const d = createTestPaymentProvider({ webhookSecret: shared })
    expect((await d.parseWebhook(c.signWebhook(JSON.stringify({ id: 'e', type: 'x' })))).kind).toBe('ignored')
  })

  it('waits latencyMs per call and still authorizes once for racing calls with one key', async () => {
    const provider = createTestPaymentProvider({ latencyMs: 5 })
    const input = authorizeInput({ paymentMethod: 'pm_card_visa' })
    const results = await Promise.all(Array.from({ length: 20 }, () => provider.authorize(input)))
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(1)
    expect(provider.payments()).toHaveLength(1)
  })

  it('frees a key whose call was refused, so a corrected retry can use it', async () => {
    const provider = createTestPaymentProvider()
    const state = await provider.authorize(authorizeInput({ paymentMethod: 'pm_card_visa' }))
    const capture = { paymentId: state.paymentId, amount: eur(2000), idempotencyKey: 'cap-1' }
    await expect(provider.capture(capture)).rejects.toMatchObject({
      code: 'payment.amount_exceeded',
      details: { available: eur(1000), requested: eur(2000) },
    })
    // The refusal saved nothing under the key: the same key with a valid amount works.
    expect((await provider.capture({ ...capture, amount: eur(1000) })).status).toBe('captured')
  })

  it('rejects invalid options with config.invalid', () => {
    for (const options of [
      { latencyMs: -1 },
      { behaviour: 'maybe' },
      { webhookSecret: 'short' },
      { nope: 1 },
    ]) {
      expectConfigError(
        () => createTestPaymentProvider(options as never),
        'createTestPaymentProvider options',
      )
    }
  })

  it('gives each instance its own payments', async () => {
    const a = createTestPaymentProvider()
    const b = createTestPaymentProvider()
    const state = await a.authorize(authorizeInput())
    await expect(b.status(state.paymentId)).rejects.toMatchObject({ code: 'not_found' })
  })
})
