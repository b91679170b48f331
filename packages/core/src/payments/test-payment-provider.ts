import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { type Clock, systemClock } from '../clock/clock.js'
import { ConflictError, NotFoundError, type PaymentError, ValidationError } from '../errors/error-classes.js'
import { createIdGenerator, type IdGenerator } from '../ids/id-generator.js'
import { currencyCodeSchema } from '../money/currencies.js'
import { type Money, money } from '../money/money.js'
import type {
  AuthorizeInput,
  PaymentProvider,
  PaymentState,
  PaymentStatus,
  PaymentWebhookEvent,
  RefundResult,
  WebhookInput,
} from '../ports/payment-provider.js'
import { parseConfig } from '../validation/parse-config.js'
import { parseInput, toValidationIssues } from '../validation/parse-input.js'
import { paymentAmountExceeded, paymentDeclined, paymentInvalidState } from './payment-errors.js'
import {
  authorizeInputSchema,
  captureInputSchema,
  paymentIdSchema,
  paymentOrderIdSchema,
  refundInputSchema,
  voidInputSchema,
  webhookInputSchema,
} from './payment-schemas.js'
import {
  checkTestWebhookSignature,
  signTestWebhook,
  TEST_SIGNATURE_HEADER,
} from './test-webhook-signature.js'
import { webhookHeader } from './webhook-headers.js'

/** What the test provider does with an authorization: a decline may name its failure code. */
export type TestPaymentOutcome = 'approve' | 'decline' | 'requires_action' | { readonly decline: string }

/** A fixed outcome for every authorization, or a function that decides per authorization. */
export type TestPaymentBehaviour = TestPaymentOutcome | ((input: AuthorizeInput) => TestPaymentOutcome)

/**
 * Payment methods that behave like Stripe's test cards of the same name, whatever `behaviour`
 * says, so a storefront can exercise every path against the test provider.
 */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, TestPaymentOutcome>> = Object.freeze({
  pm_card_visa: 'approve',
  pm_card_mastercard: 'approve',
  pm_card_amex: 'approve',
  pm_card_chargeDeclined: { decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { decline: 'insufficient_funds' },
  pm_card_chargeDeclinedExpiredCard: { decline: 'expired_card' },
  pm_card_threeDSecure2Required: 'requires_action',
  pm_card_authenticationRequired: 'requires_action',
})

/** Failure code of a payment whose customer action (3-D Secure) failed; Stripe's name for it. */
export const AUTHENTICATION_FAILURE_CODE = 'payment_intent_authentication_failure'

export interface TestPaymentProviderOptions {
  /**
   * Outcome of authorizations whose payment method is not one of {@link TEST_PAYMENT_METHODS}
   * (including authorizations with no payment method). Default `'approve'`.
   */
  readonly behaviour?: TestPaymentBehaviour
  /** Delay before every provider call takes effect, in ms, to simulate a network. Default 0. */
  readonly latencyMs?: number
  /** Source of `createdAt`, event times and the webhook signature clock. Default the system clock. */
  readonly clock?: Clock
  /** Id generator for payments (`pay_`), refunds (`re_`) and events (`evt_`). Default a fresh ULID generator. */
  readonly ids?: IdGenerator
  /** HMAC secret webhooks are signed with. Default a random secret per provider instance. */
  readonly webhookSecret?: string
  /** The provider id orders record. Default `'test'`. */
  readonly id?: string
  /** Capture method when `authorize` names none. Default `'manual'`. */
  readonly captureMethod?: 'manual' | 'automatic'
  /** How far a webhook's signature timestamp may be from the clock, in ms. Default 5 minutes. */
  readonly webhookToleranceMs?: number
  /** Webhooks kept for {@link TestPaymentProvider.takeWebhooks}; the oldest are dropped beyond it. Default 10,000. */
  readonly maxQueuedWebhooks?: number
}

/** A signed webhook as the test provider would POST it: pass it to `parseWebhook` as is. */
export interface TestWebhookDelivery {
  readonly rawBody: string
  readonly headers: Readonly<Record<string, string>>
}

/** The test provider: the {@link PaymentProvider} port plus controls a test or a demo needs. */
export interface TestPaymentProvider extends PaymentProvider {
  /**
   * Finishes the customer action of a `requires_action` payment as the customer would: `succeed`
   * authorizes it (or captures it, for automatic capture), `fail` fails it with failure code
   * {@link AUTHENTICATION_FAILURE_CODE}. Returns the webhook announcing the change (also queued).
   * Throws `payment.invalid_state` when the payment does not await an action, `not_found` when unknown.
   */
  completeAction(paymentId: string, outcome: 'succeed' | 'fail'): Promise<TestWebhookDelivery>
  /** Every webhook emitted since the last call (one per state change), oldest first; empties the queue. */
  takeWebhooks(): TestWebhookDelivery[]
  /** Signs any body with this provider's secret and clock, e.g. to test malformed but signed bodies. */
  signWebhook(rawBody: string): TestWebhookDelivery
  /** Every payment this instance holds, oldest first, read directly from its memory. */
  payments(): PaymentState[]
}

interface StoredPayment {
  readonly paymentId: string
  readonly orderId: string
  readonly currency: string
  readonly amount: number
  readonly captureMethod: 'manual' | 'automatic'
  readonly createdAt: Date
  status: PaymentStatus
  captured: number
  refunded: number
  action: PaymentState['action']
  failureCode: string | undefined
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PaymentError }

interface KeyEntry {
  readonly fingerprint: string
  readonly outcome: Promise<Outcome<unknown>>
}

const DEFAULT_TOLERANCE_MS = 5 * 60 * 1000

const optionsSchema = z.strictObject({
  behaviour: z
    .union([
      z.enum(['approve', 'decline', 'requires_action']),
      z.strictObject({ decline: z.string().min(1) }),
      z.custom<(input: AuthorizeInput) => TestPaymentOutcome>((value) => typeof value === 'function'),
    ])
    .optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  clock: z.custom<Clock>((value) => typeof (value as Clock | undefined)?.now === 'function').optional(),
  ids: z.custom<IdGenerator>((value) => typeof value === 'function').optional(),
  webhookSecret: z.string().min(16).optional(),
  id: z.string().min(1).max(50).optional(),
  captureMethod: z.enum(['manual', 'automatic']).optional(),
  webhookToleranceMs: z.number().int().positive().optional(),
  maxQueuedWebhooks: z.number().int().min(0).optional(),
})

const moneyJsonSchema = z.object({ amount: z.number().int(), currency: currencyCodeSchema })
const eventEnvelopeSchema = z.object({ id: z.string().min(1), type: z.string().min(1) })
const paymentEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.iso.datetime(),
  payment: z.object({
    paymentId: z.string().min(1),
    orderId: z.string().min(1).nullable(),
    status: z.enum([
      'pending',
      'requires_action',
      'authorized',
      'captured',
      'partially_refunded',
      'refunded',
      'voided',
      'failed',
    ]),
    amount: moneyJsonSchema,
    capturedAmount: moneyJsonSchema,
    refundedAmount: moneyJsonSchema,
    action: z
      .object({ type: z.string(), clientSecret: z.string().optional(), url: z.string().optional() })
      .optional(),
    failureCode: z.string().optional(),
    createdAt: z.iso.datetime(),
  }),
})

/**
 * Souk's built-in payment provider for development, demos and tests. It keeps payments in memory
 * per instance and follows the same contract as the Stripe adapter (`paymentProviderSuite` runs
 * against both): idempotency keys, declines as `payment.declined`, 3-D Secure as
 * `requires_action` finished by {@link TestPaymentProvider.completeAction}, partial capture and
 * refunds, and HMAC-signed webhooks that `parseWebhook` verifies.
 *
 * The outcome of an authorization: a payment method from {@link TEST_PAYMENT_METHODS} decides
 * (`pm_card_visa` approves, `pm_card_chargeDeclined` declines, `pm_card_threeDSecure2Required`
 * requires action); any other payment method, or none, gets `behaviour` (default `'approve'`).
 *
 * Throws `ConfigError` (`config.invalid`) for invalid options.
 */
export function createTestPaymentProvider(options: TestPaymentProviderOptions = {}): TestPaymentProvider {
  const config = parseConfig(optionsSchema, options, 'createTestPaymentProvider options')
  const behaviour: TestPaymentBehaviour = config.behaviour ?? 'approve'
  const latencyMs = config.latencyMs ?? 0
  const clock = config.clock ?? systemClock
  const ids = config.ids ?? createIdGenerator()
  const secret = config.webhookSecret ?? randomBytes(32).toString('hex')
  const providerId = config.id ?? 'test'
  const defaultCapture = config.captureMethod ?? 'manual'
  const toleranceMs = config.webhookToleranceMs ?? DEFAULT_TOLERANCE_MS
  const maxQueued = config.maxQueuedWebhooks ?? 10_000

  const store = new Map<string, StoredPayment>()
  const byOrder = new Map<string, string[]>()
  const keys = new Map<string, KeyEntry>()
  let queue: TestWebhookDelivery[] = []

  const pause = (): Promise<void> | undefined =>
    latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : undefined

  // Frozen: replays hand out the same object, so no caller may change what another one sees.
  function snapshot(p: StoredPayment): PaymentState {
    return Object.freeze({
      paymentId: p.paymentId,
      orderId: p.orderId,
      status: p.status,
      amount: money(p.amount, p.currency),
      capturedAmount: money(p.captured, p.currency),
      refundedAmount: money(p.refunded, p.currency),
      ...(p.action === undefined ? {} : { action: p.action }),
      ...(p.failureCode === undefined ? {} : { failureCode: p.failureCode }),
      createdAt: p.createdAt,
    })
  }

  function sign(rawBody: string): TestWebhookDelivery {
    const seconds = Math.floor(clock.now().getTime() / 1000)
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        [TEST_SIGNATURE_HEADER]: signTestWebhook(secret, rawBody, seconds),
      },
    }
  }

  function emit(p: StoredPayment): TestWebhookDelivery {
    const state = snapshot(p)
    const body = {
      id: ids('evt'),
      type: `payment.${p.status}`,
      created: clock.now().toISOString(),
      payment: { ...state, createdAt: state.createdAt.toISOString() },
    }
    const delivery = sign(JSON.stringify(body))
    if (maxQueued > 0) {
      queue.push(delivery)
      if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued)
    }
    return delivery
  }

  function find(paymentId: string): StoredPayment {
    const p = store.get(paymentId)
    if (p === undefined) throw new NotFoundError('payment', paymentId)
    return p
  }

  function checkCurrency(p: StoredPayment, amount: Money): void {
    if (amount.currency !== p.currency) {
      throw new ValidationError(`Payment ${p.paymentId} is in ${p.currency}, not ${amount.currency}`, [
        { path: 'amount.currency', message: `must be ${p.currency}, the payment's currency` },
      ])
    }
  }

  /**
   * Runs `run` once per idempotency key. A racing call with the same key waits for the first and
   * gets its outcome; completed outcomes (a state, or a decline) are replayed; a refusal (thrown
   * error) saves nothing, so the key can be used again.
   */
  async function once<T>(key: string, fingerprint: string, run: () => Outcome<T>): Promise<T> {
    const existing = keys.get(key)
    if (existing !== undefined) {
      if (existing.fingerprint !== fingerprint) {
        throw new ConflictError(
          `Idempotency key ${key} was already used with a different request`,
          { idempotencyKey: key },
          { code: 'idempotency.conflict' },
        )
      }
      return unwrap((await existing.outcome) as Outcome<T>)
    }
    const outcome = (async () => {
      await pause()
      return run()
    })()
    const entry: KeyEntry = { fingerprint, outcome }
    keys.set(key, entry)
    outcome.catch(() => {
      if (keys.get(key) === entry) keys.delete(key)
    })
    return unwrap(await outcome)
  }

  function decide(input: AuthorizeInput): TestPaymentOutcome {
    const magic = input.paymentMethod === undefined ? undefined : TEST_PAYMENT_METHODS[input.paymentMethod]
    if (magic !== undefined) return magic
    return typeof behaviour === 'function' ? behaviour(input) : behaviour
  }

  function settleApproved(p: StoredPayment): void {
    p.action = undefined
    if (p.captureMethod === 'automatic') {
      p.status = 'captured'
      p.captured = p.amount
    } else {
      p.status = 'authorized'
    }
  }

  return {
    id: providerId,
    findByOrderLagMs: 0,

    async authorize(raw) {
      const input = parseInput(authorizeInputSchema, raw, 'authorize input')
      const { idempotencyKey, ...request } = input
      return once(idempotencyKey, `authorize:${JSON.stringify(request)}`, (): Outcome<PaymentState> => {
        const outcome = decide(input)
        const p: StoredPayment = {
          paymentId: ids('pay'),
          orderId: input.orderId,
          currency: input.amount.currency,
          amount: input.amount.amount,
          captureMethod: input.capture ?? defaultCapture,
          createdAt: clock.now(),
          status: 'pending',
          captured: 0,
          refunded: 0,
          action: undefined,
          failureCode: undefined,
        }
        if (outcome === 'approve') settleApproved(p)
        else if (outcome === 'requires_action') {
          p.status = 'requires_action'
          p.action = {
            type: 'three_d_secure',
            clientSecret: `${p.paymentId}_secret_${randomBytes(12).toString('hex')}`,
          }
        } else {
          p.status = 'failed'
          p.failureCode = outcome === 'decline' ? 'generic_decline' : outcome.decline
        }
        store.set(p.paymentId, p)
        byOrder.set(p.orderId, [...(byOrder.get(p.orderId) ?? []), p.paymentId])
        emit(p)
        if (p.status === 'failed')
          return { ok: false, error: paymentDeclined(p.paymentId, p.failureCode ?? 'generic_decline') }
        return { ok: true, value: snapshot(p) }
      })
    },

    async capture(raw) {
      const input = parseInput(captureInputSchema, raw, 'capture input')
      const { idempotencyKey, ...request } = input
      return once(idempotencyKey, `capture:${JSON.stringify(request)}`, (): Outcome<PaymentState> => {
        const p = find(input.paymentId)
        if (input.amount !== undefined) checkCurrency(p, input.amount)
        if (p.status !== 'authorized') throw paymentInvalidState(p.paymentId, p.status, 'capture')
        const amount = input.amount?.amount ?? p.amount
        if (amount > p.amount) {
          throw paymentAmountExceeded(
            p.paymentId,
            'capture',
            money(amount, p.currency),
            money(p.amount, p.currency),
          )
        }
        p.status = 'captured'
        p.captured = amount
        emit(p)
        return { ok: true, value: snapshot(p) }
      })
    },

    async void(raw) {
      const input = parseInput(voidInputSchema, raw, 'void input')
      const { idempotencyKey, ...request } = input
      return once(idempotencyKey, `void:${JSON.stringify(request)}`, (): Outcome<PaymentState> => {
        const p = find(input.paymentId)
        if (!['pending', 'requires_action', 'authorized', 'failed'].includes(p.status)) {
          throw paymentInvalidState(p.paymentId, p.status, 'void')
        }
        p.status = 'voided'
        p.action = undefined
        emit(p)
        return { ok: true, value: snapshot(p) }
      })
    },

    async refund(raw) {
      const input = parseInput(refundInputSchema, raw, 'refund input')
      const { idempotencyKey, ...request } = input
      return once(idempotencyKey, `refund:${JSON.stringify(request)}`, (): Outcome<RefundResult> => {
        const p = find(input.paymentId)
        checkCurrency(p, input.amount)
        if (!['captured', 'partially_refunded', 'refunded'].includes(p.status)) {
          throw paymentInvalidState(p.paymentId, p.status, 'refund')
        }
        const available = p.captured - p.refunded
        if (input.amount.amount > available) {
          throw paymentAmountExceeded(p.paymentId, 'refund', input.amount, money(available, p.currency))
        }
        p.refunded += input.amount.amount
        p.status = p.refunded === p.captured ? 'refunded' : 'partially_refunded'
        const refundId = ids('re')
        emit(p)
        return { ok: true, value: Object.freeze({ ...snapshot(p), refundId }) }
      })
    },

    async status(paymentId) {
      const id = parseInput(paymentIdSchema, paymentId, 'payment id')
      await pause()
      return snapshot(find(id))
    },

    async findByOrder(orderId) {
      const id = parseInput(paymentOrderIdSchema, orderId, 'order id')
      await pause()
      return (byOrder.get(id) ?? []).map((paymentId) => snapshot(find(paymentId)))
    },

    async parseWebhook(raw: WebhookInput): Promise<PaymentWebhookEvent> {
      const input = parseInput(webhookInputSchema, raw, 'webhook')
      const header = webhookHeader(input.headers, TEST_SIGNATURE_HEADER)
      const signaturePath = `headers.${TEST_SIGNATURE_HEADER}`
      if (header === undefined) {
        throw new ValidationError('Webhook has no signature', [{ path: signaturePath, message: 'missing' }])
      }
      const body = decodeBody(input.rawBody)
      const refusal = checkTestWebhookSignature(secret, body, header, clock.now().getTime(), toleranceMs)
      if (refusal !== null) {
        throw new ValidationError(`Webhook signature refused: ${refusal}`, [
          { path: signaturePath, message: refusal },
        ])
      }
      const json = parseJson(body)
      const envelope = bodyOrThrow(eventEnvelopeSchema, json)
      if (!envelope.type.startsWith('payment.'))
        return { kind: 'ignored', eventId: envelope.id, type: envelope.type }
      const event = bodyOrThrow(paymentEventSchema, json)
      const p = event.payment
      const state: PaymentState = {
        paymentId: p.paymentId,
        orderId: p.orderId,
        status: p.status,
        amount: money(p.amount.amount, p.amount.currency),
        capturedAmount: money(p.capturedAmount.amount, p.capturedAmount.currency),
        refundedAmount: money(p.refundedAmount.amount, p.refundedAmount.currency),
        ...(p.action === undefined ? {} : { action: p.action }),
        ...(p.failureCode === undefined ? {} : { failureCode: p.failureCode }),
        createdAt: new Date(p.createdAt),
      }
      return {
        kind: 'payment.updated',
        eventId: event.id,
        type: event.type,
        orderId: p.orderId,
        state,
        occurredAt: new Date(event.created),
      }
    },

    async completeAction(paymentId, outcome) {
      const id = parseInput(paymentIdSchema, paymentId, 'payment id')
      const which = parseInput(z.enum(['succeed', 'fail']), outcome, 'action outcome')
      await pause()
      const p = find(id)
      if (p.status !== 'requires_action') throw paymentInvalidState(p.paymentId, p.status, 'complete_action')
      if (which === 'succeed') settleApproved(p)
      else {
        p.status = 'failed'
        p.action = undefined
        p.failureCode = AUTHENTICATION_FAILURE_CODE
      }
      return emit(p)
    },

    takeWebhooks() {
      const taken = queue
      queue = []
      return taken
    },

    signWebhook(rawBody) {
      return sign(parseInput(z.string(), rawBody, 'webhook body'))
    },

    payments() {
      return [...store.values()].map(snapshot)
    },
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value
  throw outcome.error
}

function decodeBody(rawBody: string | Uint8Array): string {
  if (typeof rawBody === 'string') return rawBody
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(rawBody)
  } catch (error) {
    throw new ValidationError('Webhook body is not UTF-8', [{ path: 'rawBody', message: 'not UTF-8' }], {
      cause: error,
    })
  }
}

/** Validates a webhook body; issues are reported under `rawBody`. */
function bodyOrThrow<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json)
  if (parsed.success) return parsed.data
  const issues = toValidationIssues(parsed.error).map((i) => ({
    path: i.path === '' ? 'rawBody' : `rawBody.${i.path}`,
    message: i.message,
  }))
  throw new ValidationError('Webhook body is not a test provider event', issues)
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch (error) {
    throw new ValidationError('Webhook body is not JSON', [{ path: 'rawBody', message: 'not JSON' }], {
      cause: error,
    })
  }
}
