import type { X509Certificate } from 'node:crypto'
import {
  CheckoutPaymentIntent,
  type Client,
  type OrderRequest,
  OrdersController,
  type PaymentSource,
  PaymentsController,
  ProcessingInstruction,
  TransactionSearchController,
} from '@paypal/paypal-server-sdk'
import {
  authorizeInputSchema,
  ConflictError,
  captureInputSchema,
  type Money,
  type PaymentProvider,
  type PaymentState,
  parseConfig,
  parseInput,
  paymentAmountExceeded,
  paymentDeclined,
  paymentIdempotencyKeySchema,
  paymentIdSchema,
  paymentInvalidState,
  paymentOrderIdSchema,
  refundInputSchema,
  ValidationError,
  voidInputSchema,
} from '@souk/core'
import { z } from 'zod'
import { isUnavailable, mapPaypalError, type PaypalCallContext, paypalIssue } from './map-paypal-error.js'
import { fromPaypalMoney, toPaypalMoney } from './paypal-amounts.js'
import {
  latestAuthorization,
  type OrderSnapshot,
  paymentStateFromOrder,
  purchaseUnit,
  refundableCapture,
} from './paypal-payment-state.js'
import {
  type CertificateFetcher,
  fetchCertificateWithFetch,
  PAYPAL_CERTIFICATE_ORIGINS,
  type PaypalWebhookVerifier,
  translatePaypalEvent,
  verifyPaypalWebhook,
} from './paypal-webhook.js'

/** PayPal documents that a transaction can take up to three hours to appear in transaction search. */
export const DEFAULT_PAYPAL_SEARCH_LAG_MS = 3 * 60 * 60 * 1000
/** PayPal's limit for `custom_id`, where the Souk order id is kept. */
const MAX_CUSTOM_ID_LENGTH = 127
const REPRESENTATION = 'return=representation'

export interface PaypalPaymentsConfig {
  /** A `@paypal/paypal-server-sdk` `Client` with client credentials, e.g. from `paypalClient()`. */
  readonly client: Client
  /** The id of the webhook in the PayPal app's settings; PayPal signs deliveries with it. */
  readonly webhookId: string
  /** Intent when `authorize` names no capture: `manual` → AUTHORIZE, `automatic` → CAPTURE. Default `'manual'`. */
  readonly captureMethod?: 'manual' | 'automatic'
  /** Provider id recorded with orders. Default `'paypal'`. */
  readonly id?: string
  /**
   * Retries of a call that got no answer, a 5xx or a 429, with the same `PayPal-Request-Id` (so
   * PayPal does the work once). Default 2.
   */
  readonly maxNetworkRetries?: number
  /** First retry delay in ms, doubled each time. Default 250. */
  readonly retryDelayMs?: number
  /**
   * Send `processing_instruction: ORDER_COMPLETE_ON_PAYMENT_APPROVAL`, so PayPal authorizes (or
   * captures) by itself once the payer has approved or finished 3-D Secure. Default true.
   */
  readonly completeOnApproval?: boolean
  /** How far back `findByOrder` searches transactions, in days (1-31). Default 7. */
  readonly findByOrderWindowDays?: number
  /** Reported as `findByOrderLagMs`. Default 3 hours (PayPal's documented search delay). */
  readonly searchLagMs?: number
  /** Origins a webhook's `PAYPAL-CERT-URL` may point at. Default PayPal's live and sandbox API origins. */
  readonly webhookCertificateOrigins?: readonly string[]
  /** Downloads a signing certificate (PEM). Default: `fetch`. */
  readonly fetchCertificate?: CertificateFetcher
  /** Current time (certificate validity, the search window). Default `() => new Date()`. */
  readonly now?: () => Date
}

const configSchema = z.strictObject({
  client: z.custom<Client>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Client).getRequestBuilderFactory === 'function',
    'must be a @paypal/paypal-server-sdk Client (paypalClient({ clientId, clientSecret }))',
  ),
  webhookId: z.string().min(1, 'webhookId must not be empty').max(50),
  captureMethod: z.enum(['manual', 'automatic']).optional(),
  id: z.string().min(1).max(50).optional(),
  maxNetworkRetries: z.number().int().min(0).max(10).optional(),
  retryDelayMs: z.number().int().min(0).optional(),
  completeOnApproval: z.boolean().optional(),
  findByOrderWindowDays: z.number().int().min(1).max(31).optional(),
  searchLagMs: z.number().int().min(0).optional(),
  webhookCertificateOrigins: z
    .array(z.url().transform((u) => new URL(u).origin))
    .min(1)
    .optional(),
  fetchCertificate: z.custom<CertificateFetcher>((v) => typeof v === 'function').optional(),
  now: z.custom<() => Date>((v) => typeof v === 'function').optional(),
})

/**
 * The payment source for a `paymentMethod`: a PayPal vault payment-token id, as `card:<id>` (or a
 * bare id) for a saved card, `paypal:<id>` for a saved PayPal wallet, `venmo:<id>` for Venmo.
 */
function paymentSource(paymentMethod: string | undefined, returnUrl: string | undefined): PaymentSource {
  const experience = returnUrl === undefined ? undefined : { returnUrl, cancelUrl: returnUrl }
  if (paymentMethod === undefined) return { paypal: experience ? { experienceContext: experience } : {} }
  const [, kind, id] = /^(?:(card|paypal|venmo):)?(.+)$/.exec(paymentMethod) ?? []
  const vaultId = id ?? paymentMethod
  if (kind === 'paypal') return { paypal: { vaultId } }
  if (kind === 'venmo') return { venmo: { vaultId } }
  return { card: { vaultId, ...(experience ? { experienceContext: experience } : {}) } }
}

const sameMoney = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency

/** Input of {@link PaypalPaymentProvider.completeApprovedOrder}. */
export interface CompleteApprovedOrderInput {
  /** The PayPal order id (Souk's payment id, the `clientSecret` of the `requires_action` state). */
  readonly paymentId: string
  /** Derive it from the payment, e.g. `${paymentId}:complete`, so every retry sends the same. */
  readonly idempotencyKey: string
}

const completeInputSchema = z.strictObject({
  paymentId: paymentIdSchema,
  idempotencyKey: paymentIdempotencyKeySchema,
})

/** The PayPal provider: the port, plus the step PayPal needs after a payer approved an order. */
export interface PaypalPaymentProvider extends PaymentProvider {
  /**
   * Authorizes (intent AUTHORIZE) or captures (intent CAPTURE) an order the payer has approved at
   * PayPal: `POST /v2/checkout/orders/:id/authorize` or `.../capture`. Call it when the buyer comes
   * back (PayPal's JS SDK `onApprove`, or the return URL with `?token=<order id>`) for payment
   * sources PayPal does not complete by itself on approval. Returns the payment as `authorized` or
   * `captured`; PayPal's webhook about it then confirms the Souk order. A decline throws
   * `payment.declined`; an order the payer has not approved is `payment.invalid_state`.
   */
  completeApprovedOrder(input: CompleteApprovedOrderInput): Promise<PaymentState>
}

/**
 * Souk's `PaymentProvider` over PayPal's Orders v2 and Payments v2 APIs, through the
 * `@paypal/paypal-server-sdk` `Client` you inject. The payment id is the PayPal order id.
 *
 * - `authorize` creates the order with intent AUTHORIZE (or CAPTURE for automatic capture) and the
 *   Souk order id as `custom_id`. With a vaulted `paymentMethod` PayPal completes it in the same
 *   call; otherwise (or when 3-D Secure is needed) it answers `requires_action` with the
 *   payer-action link and the PayPal order id as `clientSecret` for PayPal's JS SDK.
 * - `capture`, `void`, `refund` act on the order's authorization and capture.
 * - Every mutating call sends the idempotency key as `PayPal-Request-Id`, and retries that got
 *   no answer resend it.
 * - `findByOrder` uses transaction search (`custom_field`), which lags up to three hours.
 * - Webhooks are verified offline (RSA-SHA256 with PayPal's certificate, CRC32 of the body).
 *
 * Throws `ConfigError` (`config.invalid`) for an invalid config.
 */
export function paypalPayments(config: PaypalPaymentsConfig): PaypalPaymentProvider {
  const parsed = parseConfig(configSchema, config, 'paypalPayments config')
  const providerId = parsed.id ?? 'paypal'
  const defaultCapture = parsed.captureMethod ?? 'manual'
  const retries = parsed.maxNetworkRetries ?? 2
  const retryDelayMs = parsed.retryDelayMs ?? 250
  const now = parsed.now ?? (() => new Date())
  const orders = new OrdersController(parsed.client)
  const payments = new PaymentsController(parsed.client)
  const search = new TransactionSearchController(parsed.client)
  const verifier: PaypalWebhookVerifier = {
    webhookId: parsed.webhookId,
    certificateOrigins: parsed.webhookCertificateOrigins ?? PAYPAL_CERTIFICATE_ORIGINS,
    fetchCertificate: parsed.fetchCertificate ?? fetchCertificateWithFetch,
    now,
    cache: new Map<string, Promise<X509Certificate>>(),
    provider: providerId,
  }

  /** Runs an SDK call, retrying unanswered ones (the same request, so the same PayPal-Request-Id). */
  async function call<T>(
    context: Omit<PaypalCallContext, 'provider'>,
    request: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request()
      } catch (error) {
        if (attempt < retries && isUnavailable(error)) {
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** attempt))
          continue
        }
        throw mapPaypalError(error, { provider: providerId, ...context })
      }
    }
  }

  async function getOrder(
    paymentId: string,
    operation: PaypalCallContext['operation'],
  ): Promise<OrderSnapshot> {
    const response = await call({ operation, paymentId }, () => orders.getOrder({ id: paymentId }))
    return response.result
  }

  function checkCurrency(state: PaymentState, amount: Money): void {
    if (amount.currency !== state.amount.currency) {
      throw new ValidationError(
        `Payment ${state.paymentId} is in ${state.amount.currency}, not ${amount.currency}`,
        [{ path: 'amount.currency', message: `must be ${state.amount.currency}, the payment's currency` }],
      )
    }
  }

  function conflict(what: string): ConflictError {
    return new ConflictError(
      `This idempotency key was used for ${what}`,
      { provider: providerId },
      {
        code: 'idempotency.conflict',
      },
    )
  }

  /** A transaction id from transaction search → the PayPal order it belongs to. */
  async function orderOfTransaction(transactionId: string): Promise<string | undefined> {
    try {
      const auth = await call({ operation: 'find_by_order' }, () =>
        payments.getAuthorizedPayment({ authorizationId: transactionId }),
      )
      return auth.result.supplementaryData?.relatedIds?.orderId
    } catch (error) {
      if (paypalIssueOf(error) === undefined) throw error
    }
    const capture = await call({ operation: 'find_by_order' }, () =>
      payments.getCapturedPayment({ captureId: transactionId }),
    )
    return capture.result.supplementaryData?.relatedIds?.orderId
  }

  // A 404 mapped by `call` (find_by_order has no payment id, so it stays payment.failed with status 404).
  function paypalIssueOf(error: unknown): string | undefined {
    const cause = (error as { cause?: unknown }).cause
    return (cause as { statusCode?: unknown })?.statusCode === 404
      ? (paypalIssue(cause) ?? 'NOT_FOUND')
      : undefined
  }

  return {
    id: providerId,
    findByOrderLagMs: parsed.searchLagMs ?? DEFAULT_PAYPAL_SEARCH_LAG_MS,

    async authorize(raw) {
      const input = parseInput(authorizeInputSchema, raw, 'authorize input')
      if (input.orderId.length > MAX_CUSTOM_ID_LENGTH) {
        throw new ValidationError('Order id too long for PayPal', [
          { path: 'orderId', message: `must be at most ${MAX_CUSTOM_ID_LENGTH} characters for PayPal` },
        ])
      }
      const capture = input.capture ?? defaultCapture
      const intent = capture === 'automatic' ? CheckoutPaymentIntent.Capture : CheckoutPaymentIntent.Authorize
      const body: OrderRequest = {
        intent,
        ...(parsed.completeOnApproval === false
          ? {}
          : { processingInstruction: ProcessingInstruction.OrderCompleteOnPaymentApproval }),
        purchaseUnits: [
          { referenceId: 'default', customId: input.orderId, amount: toPaypalMoney(input.amount) },
        ],
        paymentSource: paymentSource(input.paymentMethod, input.returnUrl),
      }
      const response = await call({ operation: 'authorize' }, () =>
        orders.createOrder({ body, paypalRequestId: input.idempotencyKey, prefer: REPRESENTATION }),
      )
      const order = response.result
      const state = paymentStateFromOrder(order)
      // PayPal answers a reused PayPal-Request-Id with the first request's order, whatever the body.
      if (
        state.orderId !== input.orderId ||
        !sameMoney(state.amount, input.amount) ||
        (order.intent !== undefined && order.intent !== intent)
      ) {
        throw conflict('another payment')
      }
      if (state.status === 'failed') {
        throw paymentDeclined(state.paymentId, state.failureCode ?? 'DECLINED')
      }
      return state
    },

    async capture(raw) {
      const input = parseInput(captureInputSchema, raw, 'capture input')
      const { paymentId, amount } = input
      const order = await getOrder(paymentId, 'capture')
      const state = paymentStateFromOrder(order)
      if (amount !== undefined) {
        checkCurrency(state, amount)
        // PayPal lets a capture exceed the authorization (by up to 115%); Souk's contract does not.
        if (amount.amount > state.amount.amount) {
          throw paymentAmountExceeded(paymentId, 'capture', amount, state.amount)
        }
      }
      const authorization = latestAuthorization(order)
      if (authorization?.id === undefined || authorization.status === 'DENIED') {
        throw paymentInvalidState(paymentId, state.status, 'capture')
      }
      const authorizationId = authorization.id
      const requested = amount ?? state.amount
      const captured = await call({ operation: 'capture', paymentId, status: state.status, requested }, () =>
        payments.captureAuthorizedPayment({
          authorizationId,
          paypalRequestId: input.idempotencyKey,
          prefer: REPRESENTATION,
          body: { finalCapture: true, ...(amount === undefined ? {} : { amount: toPaypalMoney(amount) }) },
        }),
      )
      if (
        captured.result.amount !== undefined &&
        !sameMoney(fromPaypalMoney(captured.result.amount), requested)
      ) {
        throw conflict('another capture')
      }
      return paymentStateFromOrder(await getOrder(paymentId, 'capture'))
    },

    async void(raw) {
      const input = parseInput(voidInputSchema, raw, 'void input')
      const { paymentId } = input
      const order = await getOrder(paymentId, 'void')
      const state = paymentStateFromOrder(order)
      const authorization = latestAuthorization(order)
      if (authorization?.id === undefined || authorization.status === 'DENIED') {
        if (state.capturedAmount.amount > 0) throw paymentInvalidState(paymentId, state.status, 'void')
        // Nothing is held: an order awaiting the payer, or one whose authorization was refused.
        // Orders v2 has no call to cancel an order; PayPal lets an unapproved order expire.
        const { action: _action, ...rest } = state
        return { ...rest, status: 'voided' }
      }
      const authorizationId = authorization.id
      await call({ operation: 'void', paymentId, status: state.status }, () =>
        payments.voidPayment({
          authorizationId,
          paypalRequestId: input.idempotencyKey,
          prefer: REPRESENTATION,
        }),
      )
      return paymentStateFromOrder(await getOrder(paymentId, 'void'))
    },

    async refund(raw) {
      const input = parseInput(refundInputSchema, raw, 'refund input')
      const { paymentId, amount } = input
      const order = await getOrder(paymentId, 'refund')
      const state = paymentStateFromOrder(order)
      checkCurrency(state, amount)
      const capture = refundableCapture(order)
      if (capture?.id === undefined) throw paymentInvalidState(paymentId, state.status, 'refund')
      const captureId = capture.id
      const refund = await call(
        { operation: 'refund', paymentId, status: state.status, requested: amount },
        () =>
          payments.refundCapturedPayment({
            captureId,
            paypalRequestId: input.idempotencyKey,
            prefer: REPRESENTATION,
            // The reason stays with Souk: PayPal's only free-text field on a refund is shown to the payer.
            body: { amount: toPaypalMoney(amount), customId: purchaseUnit(order).customId },
          }),
      )
      if (refund.result.amount !== undefined && !sameMoney(fromPaypalMoney(refund.result.amount), amount)) {
        throw conflict('another refund')
      }
      const refundId = refund.result.id
      if (refundId === undefined) throw conflict('another request')
      return { ...paymentStateFromOrder(await getOrder(paymentId, 'refund')), refundId }
    },

    async status(paymentId) {
      const id = parseInput(paymentIdSchema, paymentId, 'payment id')
      return paymentStateFromOrder(await getOrder(id, 'status'))
    },

    async findByOrder(orderId) {
      const id = parseInput(paymentOrderIdSchema, orderId, 'order id')
      const end = now()
      const start = new Date(end.getTime() - (parsed.findByOrderWindowDays ?? 7) * 24 * 60 * 60 * 1000)
      const transactionIds: string[] = []
      for (let page = 1, pages = 1; page <= pages; page++) {
        const response = await call({ operation: 'find_by_order' }, () =>
          search.searchTransactions({
            startDate: start.toISOString(),
            endDate: end.toISOString(),
            fields: 'transaction_info',
            // Authorizations do not move the balance: without N they are not listed.
            balanceAffectingRecordsOnly: 'N',
            pageSize: 500,
            page,
          }),
        )
        pages = response.result.totalPages ?? 1
        for (const detail of response.result.transactionDetails ?? []) {
          const info = detail.transactionInfo
          if (info?.customField === id && info.transactionId !== undefined)
            transactionIds.push(info.transactionId)
        }
      }
      const orderIds: string[] = []
      for (const transactionId of transactionIds) {
        const paypalOrderId = await orderOfTransaction(transactionId)
        if (paypalOrderId !== undefined && !orderIds.includes(paypalOrderId)) orderIds.push(paypalOrderId)
      }
      const states: PaymentState[] = []
      for (const paypalOrderId of orderIds) {
        states.push(paymentStateFromOrder(await getOrder(paypalOrderId, 'find_by_order')))
      }
      // Stable: orders created in the same second keep the order transaction search listed them in.
      return states
        .filter((s) => s.orderId === id)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    },

    async parseWebhook(input) {
      return translatePaypalEvent(await verifyPaypalWebhook(verifier, input))
    },

    async completeApprovedOrder(raw) {
      const input = parseInput(completeInputSchema, raw, 'completeApprovedOrder input')
      const { paymentId, idempotencyKey } = input
      const order = await getOrder(paymentId, 'authorize')
      const state = paymentStateFromOrder(order)
      const request = { id: paymentId, paypalRequestId: idempotencyKey, prefer: REPRESENTATION }
      await call({ operation: 'authorize', paymentId, status: state.status }, () =>
        order.intent === CheckoutPaymentIntent.Capture
          ? orders.captureOrder(request)
          : orders.authorizeOrder(request),
      )
      const completed = paymentStateFromOrder(await getOrder(paymentId, 'authorize'))
      if (completed.status === 'failed') throw paymentDeclined(paymentId, completed.failureCode ?? 'DECLINED')
      return completed
    },
  }
}
