import { verify as verifySignature, X509Certificate } from 'node:crypto'
import { crc32 } from 'node:zlib'
import {
  type PaymentState,
  type PaymentWebhookEvent,
  parseInput,
  paymentProviderUnavailable,
  toValidationIssues,
  ValidationError,
  type WebhookInput,
  webhookHeader,
  webhookInputSchema,
} from '@souk/core'
import { z } from 'zod'
import { fromPaypalJsonMoney, none } from './paypal-amounts.js'
import { type OrderSnapshot, type PaypalTransaction, paymentStateFromOrder } from './paypal-payment-state.js'

/** The headers PayPal sends with every webhook delivery. */
export const PAYPAL_WEBHOOK_HEADERS = {
  transmissionId: 'paypal-transmission-id',
  transmissionTime: 'paypal-transmission-time',
  transmissionSig: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  authAlgo: 'paypal-auth-algo',
} as const

/** Where PayPal serves its webhook signing certificates (live and sandbox). */
export const PAYPAL_CERTIFICATE_ORIGINS: readonly string[] = [
  'https://api.paypal.com',
  'https://api-m.paypal.com',
  'https://api.sandbox.paypal.com',
  'https://api-m.sandbox.paypal.com',
]

/** Downloads a certificate (PEM). The default uses `fetch`; tests and offline hosts may pin certificates. */
export type CertificateFetcher = (url: string) => Promise<string>

/** How {@link verifyPaypalWebhook} checks a delivery. */
export interface PaypalWebhookVerifier {
  /** The webhook's id in the PayPal app's settings: it is part of what PayPal signs. */
  readonly webhookId: string
  /** Origins a `PAYPAL-CERT-URL` may point at. */
  readonly certificateOrigins: readonly string[]
  readonly fetchCertificate: CertificateFetcher
  /** Current time for the certificate's validity window. */
  readonly now: () => Date
  /** Certificates already downloaded, by URL (PayPal rotates them rarely). */
  readonly cache: Map<string, Promise<X509Certificate>>
  readonly provider: string
}

const MAX_CACHED_CERTIFICATES = 16

/** Fetches a PEM over HTTP(S); a 4xx means the URL names no certificate, anything else is transient. */
export const fetchCertificateWithFetch: CertificateFetcher = async (url) => {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) })
  if (!response.ok)
    throw Object.assign(new Error(`certificate download: HTTP ${response.status}`), {
      status: response.status,
    })
  return response.text()
}

function refuse(header: string, message: string, cause?: unknown): ValidationError {
  return new ValidationError(
    `Webhook signature refused: ${message}`,
    [{ path: `headers.${header}`, message }],
    cause === undefined ? undefined : { cause },
  )
}

async function download(verifier: PaypalWebhookVerifier, url: string): Promise<X509Certificate> {
  let pem: string
  try {
    pem = await verifier.fetchCertificate(url)
  } catch (error) {
    const status = (error as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      throw refuse(PAYPAL_WEBHOOK_HEADERS.certUrl, 'names no certificate', error)
    }
    // PayPal could not be reached: answer 5xx and PayPal delivers the event again later.
    throw paymentProviderUnavailable(verifier.provider, 'status', { certUrl: url }, error)
  }
  try {
    return new X509Certificate(pem)
  } catch (error) {
    throw refuse(PAYPAL_WEBHOOK_HEADERS.certUrl, 'does not hold a certificate', error)
  }
}

async function certificate(verifier: PaypalWebhookVerifier, url: string): Promise<X509Certificate> {
  const cached = verifier.cache.get(url)
  if (cached) return cached
  const loading = download(verifier, url)
  if (verifier.cache.size >= MAX_CACHED_CERTIFICATES) {
    const oldest = verifier.cache.keys().next().value
    if (oldest !== undefined) verifier.cache.delete(oldest)
  }
  verifier.cache.set(url, loading)
  // A failed download is not remembered: the next delivery tries again.
  loading.catch(() => verifier.cache.delete(url))
  return loading
}

/**
 * Verifies a PayPal webhook delivery offline, as PayPal documents: the `PAYPAL-TRANSMISSION-SIG`
 * header is an RSA-SHA256 signature (`PAYPAL-AUTH-ALGO: SHA256withRSA`) over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, unsigned decimal>`,
 * checked with the public key of the certificate at `PAYPAL-CERT-URL`. The certificate URL must be
 * on one of PayPal's API origins (so a forger cannot bring their own certificate), is downloaded
 * once and cached, and must be within its validity dates.
 *
 * Why offline and not `POST /v1/notifications/verify-webhook-signature`: the port requires
 * `parseWebhook` to make no provider call, the postback needs an OAuth token and a round trip per
 * delivery, and it takes the event re-serialised as JSON, while the CRC32 covers the exact bytes.
 *
 * Returns the raw body as text. Throws `ValidationError` with an issue at `headers.<header>` for a
 * missing, malformed, forged or altered delivery; `payment.provider_unavailable` when the
 * certificate cannot be downloaded right now (answer 5xx and PayPal delivers again).
 */
export async function verifyPaypalWebhook(
  verifier: PaypalWebhookVerifier,
  raw: WebhookInput,
): Promise<string> {
  const input = parseInput(webhookInputSchema, raw, 'webhook')
  const header = (name: string): string => {
    const value = webhookHeader(input.headers, name)
    if (value === undefined || value.length === 0 || value.length > 2048) throw refuse(name, 'missing')
    return value
  }
  const transmissionId = header(PAYPAL_WEBHOOK_HEADERS.transmissionId)
  const transmissionTime = header(PAYPAL_WEBHOOK_HEADERS.transmissionTime)
  const signature = header(PAYPAL_WEBHOOK_HEADERS.transmissionSig)
  const certUrl = header(PAYPAL_WEBHOOK_HEADERS.certUrl)
  const algo = header(PAYPAL_WEBHOOK_HEADERS.authAlgo)
  if (algo.toLowerCase() !== 'sha256withrsa') {
    throw refuse(
      PAYPAL_WEBHOOK_HEADERS.authAlgo,
      `unsupported algorithm ${JSON.stringify(algo.slice(0, 40))}`,
    )
  }
  let origin: string
  try {
    origin = new URL(certUrl).origin
  } catch (error) {
    throw refuse(PAYPAL_WEBHOOK_HEADERS.certUrl, 'not a URL', error)
  }
  if (!verifier.certificateOrigins.includes(origin)) {
    throw refuse(PAYPAL_WEBHOOK_HEADERS.certUrl, 'not on a PayPal certificate origin')
  }
  const cert = await certificate(verifier, certUrl)
  const now = verifier.now().getTime()
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw refuse(PAYPAL_WEBHOOK_HEADERS.certUrl, 'certificate is outside its validity dates')
  }
  const body =
    typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : Buffer.from(input.rawBody)
  const message = `${transmissionId}|${transmissionTime}|${verifier.webhookId}|${crc32(body) >>> 0}`
  const valid = verifySignature(
    'sha256',
    Buffer.from(message, 'utf8'),
    cert.publicKey,
    Buffer.from(signature, 'base64'),
  )
  if (!valid) throw refuse(PAYPAL_WEBHOOK_HEADERS.transmissionSig, 'does not match the body and headers')
  return body.toString('utf8')
}

const jsonMoney = z.object({ currency_code: z.string(), value: z.string() })
const link = z.object({ href: z.string(), rel: z.string() })

const eventSchema = z.object({
  id: z.string().min(1).max(255),
  event_type: z.string().max(255).optional(),
  create_time: z.string().optional(),
  resource: z.record(z.string(), z.unknown()).optional(),
})

const relatedIds = z
  .object({ related_ids: z.object({ order_id: z.string().optional() }).optional() })
  .optional()

// An authorization or a capture as a PAYMENT.AUTHORIZATION.* / PAYMENT.CAPTURE.* event carries it.
const transactionSchema = z.object({
  id: z.string(),
  status: z.string(),
  amount: jsonMoney,
  custom_id: z.string().optional(),
  create_time: z.string().optional(),
  status_details: z.object({ reason: z.string().optional() }).optional(),
  processor_response: z.object({ response_code: z.string().optional() }).optional(),
  supplementary_data: relatedIds,
})

const jsonTransaction = z.object({
  id: z.string().optional(),
  status: z.string().optional(),
  amount: jsonMoney.optional(),
  create_time: z.string().optional(),
  status_details: z.object({ reason: z.string().optional() }).optional(),
  processor_response: z.object({ response_code: z.string().optional() }).optional(),
})

// An order as CHECKOUT.ORDER.* events carry it (snake_case JSON, the same shape as GET order).
const orderSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  intent: z.string().optional(),
  create_time: z.string().optional(),
  purchase_units: z
    .array(
      z.object({
        custom_id: z.string().optional(),
        amount: jsonMoney,
        payments: z
          .object({
            authorizations: z.array(jsonTransaction).optional(),
            captures: z.array(jsonTransaction).optional(),
            refunds: z.array(jsonTransaction).optional(),
          })
          .optional(),
      }),
    )
    .min(1),
  links: z.array(link).optional(),
})

// CHECKOUT.PAYMENT-APPROVAL.REVERSED: the payer approved, then PayPal could not complete the order.
const reversalSchema = z.object({
  order_id: z.string(),
  purchase_units: z
    .array(z.object({ custom_id: z.string().optional(), amount: jsonMoney.optional() }))
    .optional(),
})

function bodyOrThrow<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = toValidationIssues(parsed.error).map((i) => ({
    path: i.path === '' ? at : `${at}.${i.path}`,
    message: i.message,
  }))
  throw new ValidationError('Webhook body is not a well-formed PayPal event', issues)
}

const camelTransaction = (t: z.output<typeof jsonTransaction>): PaypalTransaction => ({
  ...(t.id === undefined ? {} : { id: t.id }),
  ...(t.status === undefined ? {} : { status: t.status }),
  ...(t.amount === undefined
    ? {}
    : { amount: { currencyCode: t.amount.currency_code, value: t.amount.value } }),
  ...(t.create_time === undefined ? {} : { createTime: t.create_time }),
  ...(t.status_details?.reason === undefined ? {} : { statusDetails: { reason: t.status_details.reason } }),
  ...(t.processor_response?.response_code === undefined
    ? {}
    : { processorResponse: { responseCode: t.processor_response.response_code } }),
})

function orderFromJson(order: z.output<typeof orderSchema>): OrderSnapshot {
  return {
    id: order.id,
    ...(order.status === undefined ? {} : { status: order.status }),
    ...(order.create_time === undefined ? {} : { createTime: order.create_time }),
    ...(order.links === undefined ? {} : { links: order.links }),
    purchaseUnits: order.purchase_units.map((unit) => ({
      ...(unit.custom_id === undefined ? {} : { customId: unit.custom_id }),
      amount: { currencyCode: unit.amount.currency_code, value: unit.amount.value },
      payments: {
        authorizations: (unit.payments?.authorizations ?? []).map(camelTransaction),
        captures: (unit.payments?.captures ?? []).map(camelTransaction),
        refunds: (unit.payments?.refunds ?? []).map(camelTransaction),
      },
    })),
  }
}

/** The payment as one authorization or capture event shows it. */
function stateFromTransaction(
  kind: 'authorization' | 'capture',
  t: z.output<typeof transactionSchema>,
  paymentId: string,
  orderId: string,
): PaymentState {
  const amount = fromPaypalJsonMoney(t.amount)
  const zero = none(amount.currency)
  const failureCode = t.processor_response?.response_code ?? t.status_details?.reason ?? t.status
  const base = {
    paymentId,
    orderId,
    amount,
    capturedAmount: zero,
    refundedAmount: zero,
    createdAt: new Date(t.create_time ?? 0),
  }
  if (kind === 'capture') {
    if (t.status === 'COMPLETED') return { ...base, status: 'captured', capturedAmount: amount }
    if (t.status === 'DECLINED' || t.status === 'FAILED') return { ...base, status: 'failed', failureCode }
    return { ...base, status: 'pending' }
  }
  switch (t.status) {
    case 'CREATED':
      return { ...base, status: 'authorized' }
    case 'DENIED':
      return { ...base, status: 'failed', failureCode }
    case 'VOIDED':
    case 'EXPIRED':
      return { ...base, status: 'voided' }
    default:
      return { ...base, status: 'pending' }
  }
}

/**
 * Translates a verified PayPal event (the body {@link verifyPaypalWebhook} returned):
 * - `PAYMENT.AUTHORIZATION.CREATED` / `.VOIDED` and `PAYMENT.CAPTURE.COMPLETED` / `.DECLINED` /
 *   `.DENIED` / `.PENDING` → `payment.updated` with the state the authorization or capture shows
 *   (a capture event's `amount` is the captured amount);
 * - `CHECKOUT.ORDER.APPROVED` / `.COMPLETED` → `payment.updated` with the order's state;
 * - `CHECKOUT.PAYMENT-APPROVAL.REVERSED` → `payment.updated`, `failed`;
 * - anything else (refund events included: a refund resource does not say what was captured, and
 *   Souk records its own refunds when it makes them), and events for orders Souk did not create
 *   (no `custom_id`) → `ignored`.
 * Throws `ValidationError` with an issue at `rawBody...` for a body that is not a well-formed event.
 */
export function translatePaypalEvent(body: string): PaymentWebhookEvent {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    throw new ValidationError('Webhook body is not JSON', [{ path: 'rawBody', message: 'not JSON' }], {
      cause: error,
    })
  }
  const event = bodyOrThrow(eventSchema, json, 'rawBody')
  const type = event.event_type ?? ''
  const ignored: PaymentWebhookEvent = { kind: 'ignored', eventId: event.id, type }
  const occurredAt = new Date(event.create_time ?? 0)
  const updated = (state: PaymentState): PaymentWebhookEvent => ({
    kind: 'payment.updated',
    eventId: event.id,
    type,
    orderId: state.orderId,
    state,
    occurredAt,
  })
  const resource = event.resource ?? {}

  if (
    /^PAYMENT\.(AUTHORIZATION\.(CREATED|VOIDED)|CAPTURE\.(COMPLETED|DECLINED|DENIED|PENDING))$/.test(type)
  ) {
    const t = bodyOrThrow(transactionSchema, resource, 'rawBody.resource')
    const paymentId = t.supplementary_data?.related_ids?.order_id
    if (paymentId === undefined || t.custom_id === undefined) return ignored
    return updated(
      stateFromTransaction(
        type.startsWith('PAYMENT.CAPTURE') ? 'capture' : 'authorization',
        t,
        paymentId,
        t.custom_id,
      ),
    )
  }
  if (type === 'CHECKOUT.ORDER.APPROVED' || type === 'CHECKOUT.ORDER.COMPLETED') {
    const order = orderFromJson(bodyOrThrow(orderSchema, resource, 'rawBody.resource'))
    if (order.purchaseUnits?.[0]?.customId === undefined) return ignored
    return updated(paymentStateFromOrder(order))
  }
  if (type === 'CHECKOUT.PAYMENT-APPROVAL.REVERSED') {
    const reversal = bodyOrThrow(reversalSchema, resource, 'rawBody.resource')
    const unit = reversal.purchase_units?.[0]
    if (unit?.custom_id === undefined || unit.amount === undefined) return ignored
    const amount = fromPaypalJsonMoney(unit.amount)
    return updated({
      paymentId: reversal.order_id,
      orderId: unit.custom_id,
      status: 'failed',
      failureCode: 'PAYMENT_APPROVAL_REVERSED',
      amount,
      capturedAmount: none(amount.currency),
      refundedAmount: none(amount.currency),
      createdAt: occurredAt,
    })
  }
  return ignored
}
