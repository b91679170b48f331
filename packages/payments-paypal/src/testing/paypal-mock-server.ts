import { createSign, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32 } from 'node:zlib'
import { TEST_SIGNING_CERTIFICATE_PEM, TEST_SIGNING_KEY_PEM } from './test-signing-certificate.js'

/**
 * A small PayPal-compatible HTTP server for tests (the adapter's, and your app's checkout tests): the endpoints `paypalPayments`
 * calls, with PayPal's documented JSON shapes (snake_case), error shape (`name`, `message`,
 * `debug_id`, `details[].issue`), OAuth client credentials, `PayPal-Request-Id` replay, transaction
 * search, and webhook deliveries signed as PayPal signs them (RSA-SHA256 over
 * `transmission id|time|webhook id|CRC32(body)`, certificate served at `PAYPAL-CERT-URL`). The real
 * `@paypal/paypal-server-sdk` talks to it over HTTP (`paypalClient({ baseUrl })`).
 *
 * Endpoints (https://developer.paypal.com/docs/api/orders/v2/, /payments/v2/, /transaction-search/v1/):
 * - `POST /v1/oauth2/token` (Basic auth, `grant_type=client_credentials`)
 * - `POST /v2/checkout/orders`, `GET /v2/checkout/orders/:id`, `POST .../:id/authorize`, `.../:id/capture`
 * - `GET /v2/payments/authorizations/:id`, `POST .../:id/capture`, `POST .../:id/void`
 * - `GET /v2/payments/captures/:id`, `POST .../:id/refund`
 * - `GET /v1/reporting/transactions`
 * - `GET /v1/notifications/certs/:name` (the signing certificate)
 *
 * `PayPal-Request-Id`: the same id on the same endpoint and resource returns the first answer, as
 * PayPal documents ("returns the latest status of the previous request"), whatever the body; on
 * another endpoint or resource it is refused with 422 PAYPAL_REQUEST_ID_PREVIOUSLY_USED. Only
 * successful answers are kept.
 *
 * Vaulted payment sources (`payment_source.card.vault_id` / `paypal.vault_id`) behave like test
 * cards: see {@link VAULT}.
 */

type Json = Record<string, unknown>
interface PaypalMoney {
  currency_code: string
  value: string
}

/** How each test vault payment token behaves. */
export const VAULT = {
  /** A saved card that PayPal approves. */
  approve: 'vt_card_approve',
  /** A saved card whose issuer declines (processor response 0500, DO_NOT_HONOR). */
  decline: 'vt_card_decline',
  /** A saved card declined for insufficient funds (5120). */
  insufficientFunds: 'vt_card_insufficient_funds',
  /** A saved card that needs 3-D Secure: the order waits for the payer (PAYER_ACTION_REQUIRED). */
  threeDSecure: 'vt_card_3ds',
  /** A saved PayPal wallet that PayPal approves. */
  wallet: 'vt_paypal_wallet',
} as const

const BEHAVIOUR: Readonly<Record<string, 'approve' | '3ds' | { decline: string }>> = {
  [VAULT.approve]: 'approve',
  [VAULT.wallet]: 'approve',
  [VAULT.decline]: { decline: '0500' },
  [VAULT.insufficientFunds]: { decline: '5120' },
  [VAULT.threeDSecure]: '3ds',
}

// PayPal's decimals per currency where they differ from ISO-4217's: HUF and TWD take no fraction.
const DECIMALS: Readonly<Record<string, number>> = {
  JPY: 0,
  HUF: 0,
  TWD: 0,
  KRW: 0,
  ISK: 0,
  CLP: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
  OMR: 3,
  TND: 3,
}

export const CLIENT_ID = 'souk-test-client'
export const CLIENT_SECRET = 'souk-test-secret'
export const WEBHOOK_ID = '4JH86294D6297924G'
const CERT_NAME = 'CERT-360caa42-fca2a594-souk-test'

const SIGNING_CERT_PEM = TEST_SIGNING_CERTIFICATE_PEM
const SIGNING_KEY_PEM = TEST_SIGNING_KEY_PEM

interface Authorization {
  id: string
  status: 'CREATED' | 'CAPTURED' | 'PARTIALLY_CAPTURED' | 'DENIED' | 'VOIDED' | 'PENDING'
  amount: PaypalMoney
  custom_id: string | undefined
  create_time: string
  update_time: string
  expiration_time: string
  processor_response?: { response_code: string }
  orderId: string
}

interface Capture {
  id: string
  status: 'COMPLETED' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'PENDING'
  amount: PaypalMoney
  final_capture: boolean
  custom_id: string | undefined
  create_time: string
  update_time: string
  processor_response?: { response_code: string }
  orderId: string
  authorizationId: string | undefined
}

interface Refund {
  id: string
  status: 'COMPLETED'
  amount: PaypalMoney
  custom_id: string | undefined
  create_time: string
  update_time: string
  total_refunded: PaypalMoney
  captureId: string
}

interface Order {
  id: string
  intent: 'CAPTURE' | 'AUTHORIZE'
  status: 'CREATED' | 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED' | 'VOIDED'
  processing_instruction: string | undefined
  amount: PaypalMoney
  custom_id: string | undefined
  create_time: string
  update_time: string
  vault_id: string | undefined
  authorizations: string[]
  captures: string[]
  refunds: string[]
}

/** A transaction as transaction search lists it. */
interface Transaction {
  transaction_id: string
  status: 'S' | 'D' | 'P' | 'V'
  balanceAffecting: boolean
  amount: PaypalMoney
  custom_field: string | undefined
  date: string
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly requestId: string | undefined
  readonly replayed: boolean
  readonly status: number
}

/** A webhook event as PayPal POSTs it. */
export interface MockPaypalEvent {
  readonly id: string
  readonly event_version: '1.0'
  readonly create_time: string
  readonly resource_type: string
  readonly resource_version: '2.0'
  readonly event_type: string
  readonly summary: string
  readonly resource: Json
}

/** A signed webhook delivery: the body and PayPal's headers. */
export interface PaypalDelivery {
  readonly rawBody: string
  readonly headers: Record<string, string>
}

export interface PaypalMockServer {
  readonly port: number
  readonly origin: string
  /** Where the signing certificate is served (what `PAYPAL-CERT-URL` names). */
  readonly certUrl: string
  readonly requests: readonly RecordedRequest[]
  /** Every event the server emitted, oldest first (PayPal would deliver these as webhooks). */
  readonly events: readonly MockPaypalEvent[]
  /** Stored orders as GET would answer them, oldest first. */
  orders(): Json[]
  /**
   * The payer finishes the step of a PAYER_ACTION_REQUIRED order. `succeed`: for a saved card's
   * 3-D Secure with `ORDER_COMPLETE_ON_PAYMENT_APPROVAL`, PayPal authorizes (or captures) and
   * announces it with PAYMENT.AUTHORIZATION.CREATED (PAYMENT.CAPTURE.COMPLETED); otherwise (a
   * PayPal-wallet approval) the order is APPROVED (CHECKOUT.ORDER.APPROVED) and waits for
   * `POST /v2/checkout/orders/:id/authorize` or `/capture`. `fail`: the order is voided (CHECKOUT.PAYMENT-APPROVAL.REVERSED).
   */
  completeAction(orderId: string, outcome: 'succeed' | 'fail'): MockPaypalEvent
  /** Signs a body as PayPal signs deliveries; `options` forge or alter parts of it. */
  sign(
    rawBody: string,
    options?: { webhookId?: string; privateKey?: string; certUrl?: string; transmissionTime?: string },
  ): PaypalDelivery
  /** The event, serialized and signed. */
  deliver(event: MockPaypalEvent): PaypalDelivery
  /** The next `n` POST requests are processed, then their connection is cut before the reply. */
  dropResponses(n: number): void
  /** The next `n` API requests get a 503 without being processed. */
  failRequests(n: number): void
  close(): Promise<void>
}

class ApiError {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {}
}

const unprocessable = (issue: string, description: string) =>
  new ApiError(422, {
    name: 'UNPROCESSABLE_ENTITY',
    message:
      'The requested action could not be performed, semantically incorrect, or failed business validation.',
    debug_id: debugId(),
    details: [{ issue, description }],
  })
const invalidRequest = (field: string, issue: string, description: string) =>
  new ApiError(400, {
    name: 'INVALID_REQUEST',
    message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
    debug_id: debugId(),
    details: [{ field, location: 'body', issue, description }],
  })
const notFound = () =>
  new ApiError(404, {
    name: 'RESOURCE_NOT_FOUND',
    message: 'The specified resource does not exist.',
    debug_id: debugId(),
    details: [{ issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist.' }],
  })

function debugId(): string {
  return randomBytes(7).toString('hex')
}

// PayPal ids: 17 upper-case letters and digits.
function paypalId(): string {
  const alphabet = 'ABCDEFGHJKLMNPRSTUVWXY0123456789'
  return [...randomBytes(17)].map((b) => alphabet[b % alphabet.length]).join('')
}

function decimals(currency: string): number {
  return DECIMALS[currency] ?? 2
}

/** Money as integer cents-of-the-currency, for arithmetic only (never floats). */
function minor(m: PaypalMoney): bigint {
  const [whole = '0', fraction = ''] = m.value.split('.')
  return BigInt(whole + fraction.padEnd(decimals(m.currency_code), '0'))
}

function fromMinor(value: bigint, currency: string): PaypalMoney {
  const d = decimals(currency)
  if (d === 0) return { currency_code: currency, value: value.toString() }
  const digits = value.toString().padStart(d + 1, '0')
  return { currency_code: currency, value: `${digits.slice(0, -d)}.${digits.slice(-d)}` }
}

function parseMoney(value: unknown, field: string): PaypalMoney {
  const m = value as Partial<PaypalMoney> | undefined
  if (typeof m?.currency_code !== 'string' || !/^[A-Z]{3}$/.test(m.currency_code)) {
    throw invalidRequest(
      `${field}/currency_code`,
      'MISSING_REQUIRED_PARAMETER',
      'A currency code is required.',
    )
  }
  const d = decimals(m.currency_code)
  const pattern = d === 0 ? /^\d{1,10}$/ : new RegExp(`^\\d{1,10}(\\.\\d{1,${d}})?$`)
  if (typeof m.value !== 'string' || !pattern.test(m.value)) {
    throw unprocessable('DECIMAL_PRECISION', `${m.currency_code} amounts take ${d} decimals at most.`)
  }
  const normalized = fromMinor(minor({ currency_code: m.currency_code, value: m.value }), m.currency_code)
  if (minor(normalized) <= 0n) throw unprocessable('CANNOT_BE_ZERO_OR_NEGATIVE', 'Must be greater than zero.')
  return normalized
}

/** Starts the server on a random free port of 127.0.0.1. */
export async function startPaypalMockServer(): Promise<PaypalMockServer> {
  const orders = new Map<string, Order>()
  const authorizations = new Map<string, Authorization>()
  const captures = new Map<string, Capture>()
  const refunds = new Map<string, Refund>()
  const transactions: Transaction[] = []
  const saved = new Map<string, { route: string; status: number; body: string }>()
  const tokens = new Set<string>()
  const requests: RecordedRequest[] = []
  const events: MockPaypalEvent[] = []
  let toFail = 0
  let toDrop = 0
  let port = 0
  const origin = () => `http://127.0.0.1:${port}`
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

  function emit(eventType: string, resourceType: string, resource: Json): MockPaypalEvent {
    const event: MockPaypalEvent = {
      id: `WH-${paypalId()}`,
      event_version: '1.0',
      create_time: now(),
      resource_type: resourceType,
      resource_version: '2.0',
      event_type: eventType,
      summary: eventType,
      resource,
    }
    events.push(event)
    return event
  }

  const related = (orderId: string, authorizationId?: string) => ({
    related_ids: { order_id: orderId, ...(authorizationId ? { authorization_id: authorizationId } : {}) },
  })

  function authorizationJson(a: Authorization, withRelated = true): Json {
    return {
      id: a.id,
      status: a.status,
      amount: a.amount,
      ...(a.custom_id === undefined ? {} : { custom_id: a.custom_id }),
      expiration_time: a.expiration_time,
      create_time: a.create_time,
      update_time: a.update_time,
      ...(a.processor_response ? { processor_response: a.processor_response } : {}),
      ...(withRelated ? { supplementary_data: related(a.orderId) } : {}),
      links: [{ href: `${origin()}/v2/payments/authorizations/${a.id}`, rel: 'self', method: 'GET' }],
    }
  }

  function captureJson(c: Capture, withRelated = true): Json {
    return {
      id: c.id,
      status: c.status,
      amount: c.amount,
      final_capture: c.final_capture,
      ...(c.custom_id === undefined ? {} : { custom_id: c.custom_id }),
      create_time: c.create_time,
      update_time: c.update_time,
      ...(c.processor_response ? { processor_response: c.processor_response } : {}),
      ...(withRelated ? { supplementary_data: related(c.orderId, c.authorizationId) } : {}),
      links: [{ href: `${origin()}/v2/payments/captures/${c.id}`, rel: 'self', method: 'GET' }],
    }
  }

  function refundJson(r: Refund): Json {
    return {
      id: r.id,
      status: r.status,
      amount: r.amount,
      ...(r.custom_id === undefined ? {} : { custom_id: r.custom_id }),
      seller_payable_breakdown: {
        gross_amount: r.amount,
        net_amount: r.amount,
        total_refunded_amount: r.total_refunded,
      },
      create_time: r.create_time,
      update_time: r.update_time,
      links: [
        { href: `${origin()}/v2/payments/refunds/${r.id}`, rel: 'self', method: 'GET' },
        { href: `${origin()}/v2/payments/captures/${r.captureId}`, rel: 'up', method: 'GET' },
      ],
    }
  }

  function orderJson(o: Order): Json {
    const payments: Json = {}
    if (o.authorizations.length > 0) {
      payments.authorizations = o.authorizations.map((id) =>
        authorizationJson(authorizations.get(id) as Authorization, false),
      )
    }
    if (o.captures.length > 0) {
      payments.captures = o.captures.map((id) => captureJson(captures.get(id) as Capture, false))
    }
    if (o.refunds.length > 0) payments.refunds = o.refunds.map((id) => refundJson(refunds.get(id) as Refund))
    const links: Json[] = [{ href: `${origin()}/v2/checkout/orders/${o.id}`, rel: 'self', method: 'GET' }]
    if (o.status === 'PAYER_ACTION_REQUIRED') {
      links.push({ href: `${origin()}/checkoutnow?token=${o.id}`, rel: 'payer-action', method: 'GET' })
    }
    if (o.status === 'CREATED') {
      links.push({ href: `${origin()}/checkoutnow?token=${o.id}`, rel: 'approve', method: 'GET' })
    }
    return {
      id: o.id,
      intent: o.intent,
      status: o.status,
      ...(o.processing_instruction ? { processing_instruction: o.processing_instruction } : {}),
      create_time: o.create_time,
      update_time: o.update_time,
      purchase_units: [
        {
          reference_id: 'default',
          amount: o.amount,
          ...(o.custom_id === undefined ? {} : { custom_id: o.custom_id }),
          ...(Object.keys(payments).length > 0 ? { payments } : {}),
        },
      ],
      links,
    }
  }

  function order(id: string): Order {
    const found = orders.get(id)
    if (!found) throw notFound()
    return found
  }

  function authorizeOrder(o: Order, decline?: string): Authorization {
    const at = now()
    const a: Authorization = {
      id: paypalId(),
      status: decline ? 'DENIED' : 'CREATED',
      amount: o.amount,
      custom_id: o.custom_id,
      create_time: at,
      update_time: at,
      expiration_time: new Date(Date.now() + 29 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(decline ? { processor_response: { response_code: decline } } : {}),
      orderId: o.id,
    }
    authorizations.set(a.id, a)
    o.authorizations.push(a.id)
    transactions.push({
      transaction_id: a.id,
      status: decline ? 'D' : 'S',
      balanceAffecting: false,
      amount: a.amount,
      custom_field: o.custom_id,
      date: at,
    })
    if (!decline) emit('PAYMENT.AUTHORIZATION.CREATED', 'authorization', authorizationJson(a))
    return a
  }

  function captureMoney(o: Order, amount: PaypalMoney, authorizationId?: string, decline?: string): Capture {
    const at = now()
    const c: Capture = {
      id: paypalId(),
      status: decline ? 'DECLINED' : 'COMPLETED',
      amount,
      final_capture: true,
      custom_id: o.custom_id,
      create_time: at,
      update_time: at,
      ...(decline ? { processor_response: { response_code: decline } } : {}),
      orderId: o.id,
      authorizationId,
    }
    captures.set(c.id, c)
    o.captures.push(c.id)
    transactions.push({
      transaction_id: c.id,
      status: decline ? 'D' : 'S',
      balanceAffecting: !decline,
      amount,
      custom_field: o.custom_id,
      date: at,
    })
    emit(decline ? 'PAYMENT.CAPTURE.DECLINED' : 'PAYMENT.CAPTURE.COMPLETED', 'capture', captureJson(c))
    return c
  }

  /** Completes an approved order as PayPal does for the intent. */
  function complete(o: Order, decline?: string): void {
    o.status = 'COMPLETED'
    o.update_time = now()
    if (o.intent === 'AUTHORIZE') authorizeOrder(o, decline)
    else captureMoney(o, o.amount, undefined, decline)
  }

  function createOrder(body: Json): { status: number; body: Json } {
    const intent = body.intent
    if (intent !== 'CAPTURE' && intent !== 'AUTHORIZE') {
      throw invalidRequest('/intent', 'INVALID_PARAMETER_VALUE', 'intent must be CAPTURE or AUTHORIZE.')
    }
    const units = body.purchase_units as Json[] | undefined
    if (!Array.isArray(units) || units.length !== 1) {
      throw invalidRequest(
        '/purchase_units',
        'MISSING_REQUIRED_PARAMETER',
        'One purchase unit is required here.',
      )
    }
    const unit = units[0] as Json
    const amount = parseMoney(unit.amount, '/purchase_units/@reference_id==default/amount')
    const customId = unit.custom_id as string | undefined
    if (customId !== undefined && (typeof customId !== 'string' || customId.length > 127)) {
      throw invalidRequest(
        '/purchase_units/0/custom_id',
        'INVALID_STRING_MAX_LENGTH',
        'At most 127 characters.',
      )
    }
    const source = (body.payment_source ?? {}) as Json
    const card = source.card as Json | undefined
    const wallet = source.paypal as Json | undefined
    const vaultId = (card?.vault_id ?? wallet?.vault_id) as string | undefined
    const at = now()
    const o: Order = {
      id: paypalId(),
      intent,
      status: 'CREATED',
      processing_instruction: body.processing_instruction as string | undefined,
      amount,
      custom_id: customId,
      create_time: at,
      update_time: at,
      vault_id: vaultId,
      authorizations: [],
      captures: [],
      refunds: [],
    }
    if (vaultId !== undefined) {
      const behaviour = BEHAVIOUR[vaultId]
      if (behaviour === undefined) {
        throw unprocessable(
          'INVALID_PAYMENT_SOURCE',
          'The vault_id does not name a payment token of this merchant.',
        )
      }
      orders.set(o.id, o)
      if (behaviour === '3ds') o.status = 'PAYER_ACTION_REQUIRED'
      else complete(o, behaviour === 'approve' ? undefined : behaviour.decline)
    } else {
      orders.set(o.id, o)
      if (wallet !== undefined) o.status = 'PAYER_ACTION_REQUIRED'
    }
    return { status: 201, body: orderJson(o) }
  }

  /** `POST /v2/checkout/orders/:id/authorize` or `/capture`: completes an order the payer approved. */
  function completeApproved(id: string, action: string): { status: number; body: Json } {
    const o = order(id)
    if ((action === 'authorize') !== (o.intent === 'AUTHORIZE')) {
      throw unprocessable('ACTION_DOES_NOT_MATCH_INTENT', `Order was created with intent ${o.intent}.`)
    }
    if (o.status === 'COMPLETED') {
      throw unprocessable(
        o.intent === 'AUTHORIZE' ? 'ORDER_ALREADY_AUTHORIZED' : 'ORDER_ALREADY_CAPTURED',
        'The order has already been completed.',
      )
    }
    if (o.status !== 'APPROVED')
      throw unprocessable('ORDER_NOT_APPROVED', 'The payer has not yet approved the order.')
    complete(o)
    return { status: 201, body: orderJson(o) }
  }

  function captureAuthorization(id: string, body: Json): { status: number; body: Json } {
    const a = authorizations.get(id)
    if (!a) throw notFound()
    const o = order(a.orderId)
    if (a.status === 'CAPTURED' || (a.status === 'PARTIALLY_CAPTURED' && body.final_capture !== false)) {
      throw unprocessable('AUTHORIZATION_ALREADY_CAPTURED', 'Authorization has been previously captured.')
    }
    if (a.status === 'VOIDED')
      throw unprocessable('AUTHORIZATION_VOIDED', 'A voided authorization cannot be captured.')
    if (a.status === 'DENIED')
      throw unprocessable('AUTHORIZATION_DENIED', 'A denied authorization cannot be captured.')
    const amount = body.amount === undefined ? a.amount : parseMoney(body.amount, '/amount')
    if (amount.currency_code !== a.amount.currency_code) {
      throw unprocessable('CURRENCY_MISMATCH', 'The capture currency must match the authorization currency.')
    }
    // PayPal allows captures up to 115% of the authorization.
    if (minor(amount) * 100n > minor(a.amount) * 115n) {
      throw unprocessable('MAX_CAPTURE_AMOUNT_EXCEEDED', 'The capture amount exceeds the allowable limit.')
    }
    const finalCapture = body.final_capture !== false
    a.status = finalCapture ? 'CAPTURED' : 'PARTIALLY_CAPTURED'
    a.update_time = now()
    const c = captureMoney(o, amount, a.id)
    c.final_capture = finalCapture
    return { status: 201, body: captureJson(c) }
  }

  function voidAuthorization(id: string): { status: number; body: Json } {
    const a = authorizations.get(id)
    if (!a) throw notFound()
    if (a.status === 'VOIDED')
      throw unprocessable('PREVIOUSLY_VOIDED', 'Authorization has been previously voided.')
    if (a.status === 'CAPTURED' || a.status === 'PARTIALLY_CAPTURED') {
      throw unprocessable(
        'PREVIOUSLY_CAPTURED',
        'Authorization has been previously captured and cannot be voided.',
      )
    }
    if (a.status !== 'CREATED')
      throw unprocessable('CANNOT_BE_VOIDED', 'This authorization cannot be voided.')
    a.status = 'VOIDED'
    a.update_time = now()
    emit('PAYMENT.AUTHORIZATION.VOIDED', 'authorization', authorizationJson(a))
    return { status: 200, body: authorizationJson(a) }
  }

  function refundCapture(id: string, body: Json): { status: number; body: Json } {
    const c = captures.get(id)
    if (!c) throw notFound()
    if (c.status === 'REFUNDED')
      throw unprocessable('CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded.')
    if (c.status !== 'COMPLETED' && c.status !== 'PARTIALLY_REFUNDED') {
      throw unprocessable('REFUND_NOT_ALLOWED', 'This capture cannot be refunded.')
    }
    const o = order(c.orderId)
    const amount = body.amount === undefined ? c.amount : parseMoney(body.amount, '/amount')
    if (amount.currency_code !== c.amount.currency_code) {
      throw unprocessable(
        'REFUND_CAPTURE_CURRENCY_MISMATCH',
        'Refund must be in the currency of the capture.',
      )
    }
    const refundedSoFar = o.refunds
      .map((rid) => refunds.get(rid) as Refund)
      .filter((r) => r.captureId === c.id)
      .reduce((sum, r) => sum + minor(r.amount), 0n)
    if (refundedSoFar + minor(amount) > minor(c.amount)) {
      throw unprocessable(
        'REFUND_AMOUNT_EXCEEDED',
        'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
      )
    }
    const total = refundedSoFar + minor(amount)
    const at = now()
    const r: Refund = {
      id: paypalId(),
      status: 'COMPLETED',
      amount,
      custom_id: (body.custom_id as string | undefined) ?? c.custom_id,
      create_time: at,
      update_time: at,
      total_refunded: fromMinor(total, amount.currency_code),
      captureId: c.id,
    }
    refunds.set(r.id, r)
    o.refunds.push(r.id)
    c.status = total === minor(c.amount) ? 'REFUNDED' : 'PARTIALLY_REFUNDED'
    c.update_time = at
    transactions.push({
      transaction_id: r.id,
      status: 'S',
      balanceAffecting: true,
      amount: { currency_code: amount.currency_code, value: `-${amount.value}` },
      custom_field: r.custom_id,
      date: at,
    })
    emit('PAYMENT.CAPTURE.REFUNDED', 'refund', refundJson(r))
    return { status: 201, body: refundJson(r) }
  }

  function searchTransactions(query: URLSearchParams): { status: number; body: Json } {
    const start = Date.parse(query.get('start_date') ?? '')
    const end = Date.parse(query.get('end_date') ?? '')
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw new ApiError(400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        debug_id: debugId(),
        details: [
          {
            field: 'start_date',
            value: '',
            location: 'query',
            issue: 'start_date and end_date are required.',
          },
        ],
      })
    }
    if (end - start > 31 * 86_400_000 || end < start) {
      throw new ApiError(400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        debug_id: debugId(),
        details: [
          { field: 'end_date', value: '', location: 'query', issue: 'Date range is greater than 31 days' },
        ],
      })
    }
    const all = query.get('balance_affecting_records_only') === 'N'
    const pageSize = Math.min(Number(query.get('page_size') ?? 100), 500)
    const page = Number(query.get('page') ?? 1)
    const matching = transactions.filter((t) => {
      const at = Date.parse(t.date)
      return at >= start - 1000 && at <= end + 1000 && (all || t.balanceAffecting)
    })
    const slice = matching.slice((page - 1) * pageSize, page * pageSize)
    return {
      status: 200,
      body: {
        transaction_details: slice.map((t) => ({
          transaction_info: {
            transaction_id: t.transaction_id,
            transaction_initiation_date: t.date.replace('Z', '+0000'),
            transaction_updated_date: t.date.replace('Z', '+0000'),
            transaction_amount: t.amount,
            transaction_status: t.status,
            ...(t.custom_field === undefined ? {} : { custom_field: t.custom_field }),
          },
        })),
        account_number: 'SOUKTESTMERCHANT',
        start_date: new Date(start).toISOString(),
        end_date: new Date(end).toISOString(),
        last_refreshed_datetime: new Date().toISOString(),
        page,
        total_items: matching.length,
        total_pages: Math.max(1, Math.ceil(matching.length / pageSize)),
      },
    }
  }

  function route(method: string, url: URL, body: Json): { status: number; body: Json } {
    const path = url.pathname
    if (method === 'POST' && path === '/v2/checkout/orders') return createOrder(body)
    const orderPath = /^\/v2\/checkout\/orders\/([^/]+)$/.exec(path)
    if (method === 'GET' && orderPath) return { status: 200, body: orderJson(order(orderPath[1] as string)) }
    const completePath = /^\/v2\/checkout\/orders\/([^/]+)\/(authorize|capture)$/.exec(path)
    if (method === 'POST' && completePath)
      return completeApproved(completePath[1] as string, completePath[2] as string)
    const authorizationPath = /^\/v2\/payments\/authorizations\/([^/]+)(\/capture|\/void)?$/.exec(path)
    if (authorizationPath) {
      const m = authorizationPath
      const id = m[1] as string
      if (method === 'GET' && m[2] === undefined) {
        const a = authorizations.get(id)
        if (!a) throw notFound()
        return { status: 200, body: authorizationJson(a) }
      }
      if (method === 'POST' && m[2] === '/capture') return captureAuthorization(id, body)
      if (method === 'POST' && m[2] === '/void') return voidAuthorization(id)
    }
    const capturePath = /^\/v2\/payments\/captures\/([^/]+)(\/refund)?$/.exec(path)
    if (capturePath) {
      const m = capturePath
      const id = m[1] as string
      if (method === 'GET' && m[2] === undefined) {
        const c = captures.get(id)
        if (!c) throw notFound()
        return { status: 200, body: captureJson(c) }
      }
      if (method === 'POST' && m[2] === '/refund') return refundCapture(id, body)
    }
    if (method === 'GET' && path === '/v1/reporting/transactions') return searchTransactions(url.searchParams)
    throw new ApiError(404, { name: 'NOT_FOUND', message: `No route ${method} ${path}`, debug_id: debugId() })
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    // The SDK is routed here with its own Host header, so the path may arrive absolute or relative.
    const url = new URL(req.url ?? '/', origin())
    const method = req.method ?? 'GET'
    const requestId = req.headers['paypal-request-id'] as string | undefined
    const record = (status: number, replayed: boolean) =>
      requests.push({ method, path: url.pathname, requestId, replayed, status })
    const send = (status: number, body: string, replayed = false) => {
      record(status, replayed)
      res.writeHead(status, { 'content-type': 'application/json', 'paypal-debug-id': debugId() })
      res.end(body)
    }

    if (method === 'GET' && url.pathname.startsWith('/v1/notifications/certs/')) {
      if (url.pathname !== `/v1/notifications/certs/${CERT_NAME}`) send(404, '{}')
      if (url.pathname !== `/v1/notifications/certs/${CERT_NAME}`) return
      record(200, false)
      res.writeHead(200, { 'content-type': 'application/x-pem-file' })
      res.end(SIGNING_CERT_PEM)
      return
    }
    if (method === 'POST' && url.pathname === '/v1/oauth2/token') {
      const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`
      if (req.headers.authorization !== expected || !rawBody.includes('grant_type=client_credentials')) {
        send(
          401,
          JSON.stringify({ error: 'invalid_client', error_description: 'Client Authentication failed' }),
        )
        return
      }
      const token = `A21AA${randomBytes(24).toString('hex')}`
      tokens.add(token)
      send(
        200,
        JSON.stringify({
          scope: 'https://uri.paypal.com/services/payments/payment',
          access_token: token,
          token_type: 'Bearer',
          app_id: 'APP-80W284485P519543T',
          expires_in: 32400,
          nonce: `${now()}${randomBytes(8).toString('hex')}`,
        }),
      )
      return
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (bearer === undefined || !tokens.has(bearer)) {
      send(
        401,
        JSON.stringify({
          name: 'AUTHENTICATION_FAILURE',
          message:
            'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
          debug_id: debugId(),
        }),
      )
      return
    }
    if (toFail > 0) {
      toFail -= 1
      send(
        503,
        JSON.stringify({ name: 'SERVICE_UNAVAILABLE', message: 'Service Unavailable.', debug_id: debugId() }),
      )
      return
    }
    const drop = method === 'POST' && toDrop > 0
    if (drop) toDrop -= 1

    const routeKey = `${method} ${url.pathname}`
    if (method === 'POST' && requestId !== undefined) {
      const previous = saved.get(requestId)
      if (previous !== undefined) {
        if (previous.route !== routeKey) {
          const error = unprocessable(
            'PAYPAL_REQUEST_ID_PREVIOUSLY_USED',
            'The PayPal-Request-Id has already been used for another request.',
          )
          send(error.status, JSON.stringify(error.body))
          return
        }
        if (drop) {
          res.socket?.destroy()
          return
        }
        // PayPal answers with the resource's latest state.
        send(previous.status, latest(url, previous.body), true)
        return
      }
    }

    let status: number
    let body: string
    try {
      const parsedBody = rawBody === '' ? {} : (JSON.parse(rawBody) as Json)
      const result = route(method, url, parsedBody)
      status = result.status
      body = JSON.stringify(result.body)
    } catch (error) {
      if (error instanceof SyntaxError) {
        status = 400
        body = JSON.stringify({ name: 'INVALID_REQUEST', message: 'Malformed JSON', debug_id: debugId() })
      } else if (error instanceof ApiError) {
        status = error.status
        body = JSON.stringify(error.body)
      } else throw error
    }
    if (method === 'POST' && requestId !== undefined && status >= 200 && status < 300) {
      saved.set(requestId, { route: routeKey, status, body })
    }
    if (drop) {
      record(status, false)
      res.socket?.destroy()
      return
    }
    send(status, body)
  }

  /** The saved answer of a replayed request, refreshed to the resource's current state. */
  function latest(url: URL, savedBody: string): string {
    const body = JSON.parse(savedBody) as Json
    const id = body.id as string
    if (url.pathname === '/v2/checkout/orders' && orders.has(id))
      return JSON.stringify(orderJson(orders.get(id) as Order))
    if (/^\/v2\/checkout\/orders\/[^/]+\/(authorize|capture)$/.test(url.pathname) && orders.has(id)) {
      return JSON.stringify(orderJson(orders.get(id) as Order))
    }
    if (url.pathname.endsWith('/capture') && captures.has(id))
      return JSON.stringify(captureJson(captures.get(id) as Capture))
    if (url.pathname.endsWith('/void') && authorizations.has(id)) {
      return JSON.stringify(authorizationJson(authorizations.get(id) as Authorization))
    }
    if (url.pathname.endsWith('/refund') && refunds.has(id))
      return JSON.stringify(refundJson(refunds.get(id) as Refund))
    return savedBody
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    // Processing is synchronous once the body is in, so requests sharing a PayPal-Request-Id are
    // serialized: the first does the work, the others replay it.
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  const certUrl = `${origin()}/v1/notifications/certs/${CERT_NAME}`

  function sign(
    rawBody: string,
    options: { webhookId?: string; privateKey?: string; certUrl?: string; transmissionTime?: string } = {},
  ): PaypalDelivery {
    const transmissionId = randomBytes(16).toString('hex')
    const transmissionTime = options.transmissionTime ?? new Date().toISOString()
    const message = `${transmissionId}|${transmissionTime}|${options.webhookId ?? WEBHOOK_ID}|${crc32(Buffer.from(rawBody, 'utf8')) >>> 0}`
    const signature = createSign('sha256')
      .update(message)
      .sign(options.privateKey ?? SIGNING_KEY_PEM, 'base64')
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': signature,
        'paypal-cert-url': options.certUrl ?? certUrl,
        'paypal-auth-algo': 'SHA256withRSA',
      },
    }
  }

  return {
    port,
    origin: origin(),
    certUrl,
    requests,
    events,
    orders: () => [...orders.values()].map(orderJson),
    completeAction(orderId, outcome) {
      const o = order(orderId)
      if (o.status !== 'PAYER_ACTION_REQUIRED') throw new Error(`order ${orderId} is ${o.status}`)
      if (outcome === 'fail') {
        o.status = 'VOIDED'
        o.update_time = now()
        return emit('CHECKOUT.PAYMENT-APPROVAL.REVERSED', 'checkout-order', {
          order_id: o.id,
          purchase_units: [{ reference_id: 'default', custom_id: o.custom_id, amount: o.amount }],
        })
      }
      // PayPal documents the processing instruction for payment sources that need the payer (3-D
      // Secure on a saved card here); a PayPal-wallet approval waits for the merchant's call.
      if (o.processing_instruction === 'ORDER_COMPLETE_ON_PAYMENT_APPROVAL' && o.vault_id !== undefined) {
        complete(o)
        return events.at(-1) as MockPaypalEvent
      }
      o.status = 'APPROVED'
      o.update_time = now()
      return emit('CHECKOUT.ORDER.APPROVED', 'checkout-order', orderJson(o))
    },
    sign,
    deliver: (event) => sign(JSON.stringify(event)),
    dropResponses(n) {
      toDrop = n
    },
    failRequests(n) {
      toFail = n
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
