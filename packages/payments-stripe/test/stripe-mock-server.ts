import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small Stripe-compatible HTTP server for the adapter's tests: only the endpoints
 * `stripePayments` calls, with Stripe's form-encoded requests, JSON error shape (a 402 `card_error`
 * with `decline_code` and the PaymentIntent on declines), `expand`, search by metadata, and
 * Idempotency-Key replay (same key and body → the saved response with `Idempotent-Replayed: true`;
 * same key, other request → 400 `idempotency_error`). Nothing is mocked on the client side: the
 * real `stripe` SDK talks to it over HTTP (`new Stripe(key, { host, port, protocol: 'http' })`).
 *
 * Payment methods behave like Stripe's test payment methods of the same name:
 * `pm_card_visa` succeeds, `pm_card_chargeDeclined` declines (`generic_decline`),
 * `pm_card_chargeDeclinedInsufficientFunds` declines (`insufficient_funds`),
 * `pm_card_threeDSecure2Required` needs 3-D Secure. Any other id is "No such PaymentMethod".
 */

type Json = Record<string, unknown>
type Status =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled'

interface PaymentIntent {
  id: string
  object: 'payment_intent'
  amount: number
  amount_capturable: number
  amount_received: number
  capture_method: 'manual' | 'automatic'
  client_secret: string
  created: number
  currency: string
  canceled_at: number | null
  cancellation_reason: string | null
  last_payment_error: Json | null
  latest_charge: string | null
  livemode: false
  metadata: Record<string, string>
  next_action: Json | null
  payment_method: string | null
  payment_method_types: string[]
  status: Status
  return_url: string | null
}

interface Charge {
  id: string
  object: 'charge'
  amount: number
  amount_captured: number
  amount_refunded: number
  captured: boolean
  refunded: boolean
  paid: boolean
  status: 'succeeded' | 'failed'
  currency: string
  created: number
  metadata: Record<string, string>
  payment_intent: string
  failure_code: string | null
}

interface Refund {
  id: string
  object: 'refund'
  amount: number
  charge: string
  payment_intent: string
  currency: string
  created: number
  reason: string | null
  metadata: Record<string, string>
  status: 'succeeded'
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly idempotencyKey: string | undefined
  readonly replayed: boolean
  readonly status: number
}

/** A Stripe event as Stripe would POST it to a webhook endpoint. */
export interface MockStripeEvent {
  readonly id: string
  readonly object: 'event'
  readonly api_version: string
  readonly created: number
  readonly type: string
  readonly livemode: false
  readonly pending_webhooks: number
  readonly request: { readonly id: string | null; readonly idempotency_key: string | null }
  readonly data: { readonly object: Json }
}

export interface StripeMockServer {
  readonly port: number
  /** Every request, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /** Every event the server emitted, oldest first (Stripe would deliver these as webhooks). */
  readonly events: readonly MockStripeEvent[]
  /** The stored PaymentIntents (JSON as Stripe returns it), oldest first. */
  paymentIntents(): Json[]
  /** Finishes the 3-D Secure step of a `requires_action` PaymentIntent; returns the event announcing it. */
  completeAction(paymentIntentId: string, outcome: 'succeed' | 'fail'): MockStripeEvent
  /** The next `n` POST requests are processed, then their connection is cut before the reply. */
  dropResponses(n: number): void
  /** The next `n` requests get a 500 `api_error` without being processed. */
  failRequests(n: number): void
  close(): Promise<void>
}

const API_VERSION = '2026-10-28.endive'
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer'])
const CANCELABLE: ReadonlySet<Status> = new Set([
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
])

type CardBehaviour = 'succeed' | 'three_d_secure' | { readonly decline: string }
const PAYMENT_METHODS: Readonly<Record<string, CardBehaviour>> = {
  pm_card_visa: 'succeed',
  pm_card_mastercard: 'succeed',
  pm_card_amex: 'succeed',
  pm_card_chargeDeclined: { decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { decline: 'insufficient_funds' },
  pm_card_chargeDeclinedExpiredCard: { decline: 'expired_card' },
  pm_card_threeDSecure2Required: 'three_d_secure',
  pm_card_authenticationRequired: 'three_d_secure',
}

class ApiError {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {}
}

const invalid = (message: string, extra: Json = {}) =>
  new ApiError(400, { type: 'invalid_request_error', message, ...extra })

/** Starts the server on a random free port of 127.0.0.1. */
export async function startStripeMockServer(): Promise<StripeMockServer> {
  const intents = new Map<string, PaymentIntent>()
  const charges = new Map<string, Charge>()
  const refunds = new Map<string, Refund>()
  const saved = new Map<string, { fingerprint: string; status: number; body: string }>()
  const requests: RecordedRequest[] = []
  const events: MockStripeEvent[] = []
  let toDrop = 0
  let toFail = 0
  let currentRequest: { id: string; idempotencyKey: string | null } = { id: '', idempotencyKey: null }

  const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`
  const now = () => Math.floor(Date.now() / 1000)
  const copy = <T>(value: T): Json => JSON.parse(JSON.stringify(value)) as Json

  function emit(type: string, object: PaymentIntent | Charge | Refund): MockStripeEvent {
    const event: MockStripeEvent = {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: now(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: currentRequest.id || null, idempotency_key: currentRequest.idempotencyKey },
      data: { object: copy(object) },
    }
    events.push(event)
    return event
  }

  function intentJson(pi: PaymentIntent, expand: readonly string[], prefix = ''): Json {
    const json = copy(pi)
    delete json.return_url
    if (expand.includes(`${prefix}latest_charge`) && pi.latest_charge !== null) {
      json.latest_charge = copy(charges.get(pi.latest_charge))
    }
    return json
  }

  function getIntent(intentId: string, param = 'intent'): PaymentIntent {
    const pi = intents.get(intentId)
    if (pi === undefined) {
      throw new ApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param,
        message: `No such payment_intent: '${intentId}'`,
      })
    }
    return pi
  }

  function newCharge(pi: PaymentIntent, status: Charge['status'], failureCode: string | null): Charge {
    const charge: Charge = {
      id: id('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      paid: status === 'succeeded',
      status,
      currency: pi.currency,
      created: now(),
      // Stripe copies the PaymentIntent's metadata onto the charge it creates when confirming.
      metadata: { ...pi.metadata },
      payment_intent: pi.id,
      failure_code: failureCode,
    }
    charges.set(charge.id, charge)
    pi.latest_charge = charge.id
    return charge
  }

  function succeed(pi: PaymentIntent): void {
    const charge = newCharge(pi, 'succeeded', null)
    pi.next_action = null
    pi.last_payment_error = null
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture'
      pi.amount_capturable = pi.amount
      emit('charge.succeeded', charge)
      emit('payment_intent.amount_capturable_updated', pi)
    } else {
      pi.status = 'succeeded'
      pi.amount_received = pi.amount
      charge.captured = true
      charge.amount_captured = pi.amount
      emit('charge.succeeded', charge)
      emit('payment_intent.succeeded', pi)
    }
  }

  function confirm(pi: PaymentIntent, expand: readonly string[]): { status: number; body: Json } {
    const paymentMethod = pi.payment_method ?? ''
    const behaviour = PAYMENT_METHODS[paymentMethod]
    if (behaviour === undefined) {
      intents.delete(pi.id)
      throw invalid(`No such PaymentMethod: '${paymentMethod}'`, {
        code: 'resource_missing',
        param: 'payment_method',
      })
    }
    if (behaviour === 'succeed') {
      succeed(pi)
      return { status: 200, body: intentJson(pi, expand) }
    }
    if (behaviour === 'three_d_secure') {
      pi.status = 'requires_action'
      pi.next_action =
        pi.return_url === null
          ? { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', source: id('src') } }
          : {
              type: 'redirect_to_url',
              redirect_to_url: { url: `https://hooks.example/3ds/${pi.id}`, return_url: pi.return_url },
            }
      emit('payment_intent.requires_action', pi)
      return { status: 200, body: intentJson(pi, expand) }
    }
    const charge = newCharge(pi, 'failed', 'card_declined')
    const error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: behaviour.decline,
      message: 'Your card was declined.',
      charge: charge.id,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    }
    pi.status = 'requires_payment_method'
    pi.last_payment_error = { ...error, payment_method: { id: paymentMethod, object: 'payment_method' } }
    emit('charge.failed', charge)
    emit('payment_intent.payment_failed', pi)
    return { status: 402, body: { error: { ...error, payment_intent: intentJson(pi, []) } } }
  }

  function createIntent(params: Json): { status: number; body: Json } {
    const amount = integer(params.amount, 'amount')
    if (amount < 1) throw invalid('This value must be greater than or equal to 1.', { param: 'amount' })
    const currency = String(params.currency ?? '')
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalid(`Invalid currency: ${currency}.`, { code: 'parameter_invalid_string', param: 'currency' })
    }
    const captureMethod = params.capture_method ?? 'automatic'
    if (captureMethod !== 'manual' && captureMethod !== 'automatic') {
      throw invalid('Invalid capture_method', { param: 'capture_method' })
    }
    const confirmNow = params.confirm === 'true'
    const apm = (params.automatic_payment_methods ?? {}) as Json
    const returnUrl = typeof params.return_url === 'string' ? params.return_url : null
    // Real Stripe: confirming with redirect-capable methods enabled needs a return_url.
    if (confirmNow && apm.enabled === 'true' && apm.allow_redirects !== 'never' && returnUrl === null) {
      throw invalid(
        'You must provide a `return_url` when confirming a PaymentIntent with redirects allowed.',
        {
          param: 'return_url',
        },
      )
    }
    if (confirmNow && typeof params.payment_method !== 'string') {
      throw invalid('You cannot confirm this PaymentIntent because it is missing a payment method.', {
        code: 'payment_intent_unexpected_state',
      })
    }
    const piId = id('pi')
    const pi: PaymentIntent = {
      id: piId,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      capture_method: captureMethod,
      client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
      created: now(),
      currency,
      canceled_at: null,
      cancellation_reason: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadata(params.metadata),
      next_action: null,
      payment_method: typeof params.payment_method === 'string' ? params.payment_method : null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
      return_url: returnUrl,
    }
    intents.set(pi.id, pi)
    emit('payment_intent.created', pi)
    if (!confirmNow) return { status: 200, body: intentJson(pi, expandOf(params)) }
    return confirm(pi, expandOf(params))
  }

  function unexpectedState(pi: PaymentIntent, action: string, allowed: string): ApiError {
    return invalid(
      `This PaymentIntent could not be ${action} because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be ${action}: ${allowed}.`,
      { code: 'payment_intent_unexpected_state', payment_intent: intentJson(pi, []) },
    )
  }

  function capture(piId: string, params: Json): Json {
    const pi = getIntent(piId)
    if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'captured', 'requires_capture')
    const amount =
      params.amount_to_capture === undefined
        ? pi.amount_capturable
        : integer(params.amount_to_capture, 'amount_to_capture')
    if (amount < 1)
      throw invalid('This value must be greater than or equal to 1.', { param: 'amount_to_capture' })
    if (amount > pi.amount_capturable) {
      throw invalid('The amount to capture is greater than the amount capturable.', {
        code: 'amount_too_large',
        param: 'amount_to_capture',
      })
    }
    const charge = charges.get(pi.latest_charge ?? '')!
    pi.status = 'succeeded'
    pi.amount_received = amount
    pi.amount_capturable = 0
    charge.captured = true
    charge.amount_captured = amount
    emit('charge.captured', charge)
    emit('payment_intent.succeeded', pi)
    return intentJson(pi, expandOf(params))
  }

  function cancel(piId: string, params: Json): Json {
    const pi = getIntent(piId)
    if (!CANCELABLE.has(pi.status)) {
      throw unexpectedState(pi, 'canceled', [...CANCELABLE].join(', '))
    }
    pi.status = 'canceled'
    pi.canceled_at = now()
    pi.cancellation_reason =
      typeof params.cancellation_reason === 'string' ? params.cancellation_reason : null
    pi.amount_capturable = 0
    pi.next_action = null
    emit('payment_intent.canceled', pi)
    return intentJson(pi, expandOf(params))
  }

  function createRefund(params: Json): Json {
    if (typeof params.payment_intent !== 'string') {
      throw invalid('Missing required param: payment_intent.', {
        code: 'parameter_missing',
        param: 'payment_intent',
      })
    }
    const pi = getIntent(params.payment_intent, 'payment_intent')
    if (params.reason !== undefined && !REFUND_REASONS.has(String(params.reason))) {
      throw invalid(`Invalid reason: ${String(params.reason)}`, { param: 'reason' })
    }
    if (pi.status !== 'succeeded') {
      throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, {
        code: 'charge_not_refundable',
      })
    }
    const charge = charges.get(pi.latest_charge ?? '')!
    const remaining = charge.amount_captured - charge.amount_refunded
    if (remaining <= 0) {
      throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' })
    }
    const amount = params.amount === undefined ? remaining : integer(params.amount, 'amount')
    if (amount < 1) throw invalid('This value must be greater than or equal to 1.', { param: 'amount' })
    if (amount > remaining) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, {
        code: 'amount_too_large',
        param: 'amount',
      })
    }
    const refund: Refund = {
      id: id('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      payment_intent: pi.id,
      currency: pi.currency,
      created: now(),
      reason: typeof params.reason === 'string' ? params.reason : null,
      metadata: metadata(params.metadata),
      status: 'succeeded',
    }
    refunds.set(refund.id, refund)
    charge.amount_refunded += amount
    charge.refunded = charge.amount_refunded === charge.amount_captured
    emit('refund.created', refund)
    emit('charge.refunded', charge)
    return copy(refund)
  }

  function search(params: Json): Json {
    const query = String(params.query ?? '')
    const match = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(query)
    if (match === null) throw invalid(`This mock understands metadata['key']:'value' queries only: ${query}`)
    const [, field, value] = match
    const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit')
    const offset = params.page === undefined ? 0 : Number(String(params.page).replace('page_', ''))
    // Stripe returns search results newest first.
    const all = [...intents.values()].filter((pi) => pi.metadata[field!] === value).reverse()
    const data = all.slice(offset, offset + limit).map((pi) => intentJson(pi, expandOf(params), 'data.'))
    const hasMore = offset + limit < all.length
    return {
      object: 'search_result',
      url: '/v1/payment_intents/search',
      has_more: hasMore,
      next_page: hasMore ? `page_${offset + limit}` : null,
      total_count: all.length,
      data,
    }
  }

  function route(method: string, path: string, params: Json): { status: number; body: Json } {
    const ok = (body: Json) => ({ status: 200, body })
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(params)
    if (method === 'GET' && path === '/v1/payment_intents/search') return ok(search(params))
    if (method === 'POST' && path === '/v1/refunds') return ok(createRefund(params))
    const intent = /^\/v1\/payment_intents\/([^/]+)(\/capture|\/cancel)?$/.exec(path)
    if (intent !== null) {
      const piId = decodeURIComponent(intent[1]!)
      if (method === 'GET' && intent[2] === undefined)
        return ok(intentJson(getIntent(piId), expandOf(params)))
      if (method === 'POST' && intent[2] === '/capture') return ok(capture(piId, params))
      if (method === 'POST' && intent[2] === '/cancel') return ok(cancel(piId, params))
    }
    throw new ApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    })
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const key = header(req, 'idempotency-key')
    const requestId = id('req')
    const record = (status: number, replayed: boolean) =>
      requests.push({ method, path: url.pathname, idempotencyKey: key, replayed, status })
    const send = (status: number, body: string, replayed = false) => {
      record(status, replayed)
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': requestId,
        'stripe-version': API_VERSION,
        ...(key !== undefined ? { 'idempotency-key': key } : {}),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      })
      res.end(body)
    }

    if (!(header(req, 'authorization') ?? '').startsWith('Bearer sk_test_')) {
      send(
        401,
        JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }),
      )
      return
    }
    if (toFail > 0) {
      toFail -= 1
      send(500, JSON.stringify({ error: { type: 'api_error', message: 'Simulated internal error' } }))
      return
    }
    const drop = method === 'POST' && toDrop > 0
    if (drop) toDrop -= 1

    const fingerprint = `${method} ${url.pathname} ${rawBody}`
    if (method === 'POST' && key !== undefined) {
      const previous = saved.get(key)
      if (previous !== undefined) {
        if (previous.fingerprint !== fingerprint) {
          send(
            400,
            JSON.stringify({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              },
            }),
          )
          return
        }
        if (drop) return void res.socket?.destroy()
        send(previous.status, previous.body, true)
        return
      }
    }

    const params = parseForm(method === 'GET' ? url.searchParams.toString() : rawBody)
    currentRequest = { id: requestId, idempotencyKey: key ?? null }
    let status: number
    let body: string
    try {
      const result = route(method, url.pathname, params)
      status = result.status
      body = JSON.stringify(result.body)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      status = error.status
      body = JSON.stringify({ error: error.body })
    }
    // Stripe saves a key's result once the endpoint ran: successes and card declines here.
    if (method === 'POST' && key !== undefined && (status === 200 || status === 402)) {
      saved.set(key, { fingerprint, status, body })
    }
    if (drop) {
      record(status, false)
      res.socket?.destroy()
      return
    }
    send(status, body)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    // Processing is synchronous once the body is in, so concurrent requests are serialized as
    // Stripe serializes requests that share an idempotency key.
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    port,
    requests,
    events,
    paymentIntents: () => [...intents.values()].map((pi) => intentJson(pi, [])),
    completeAction(paymentIntentId, outcome) {
      const pi = getIntent(paymentIntentId)
      if (pi.status !== 'requires_action') throw new Error(`PaymentIntent ${pi.id} is ${pi.status}`)
      currentRequest = { id: '', idempotencyKey: null }
      if (outcome === 'succeed') {
        succeed(pi)
      } else {
        pi.status = 'requires_payment_method'
        pi.next_action = null
        pi.last_payment_error = {
          type: 'invalid_request_error',
          code: 'payment_intent_authentication_failure',
          message: 'The provided PaymentMethod has failed authentication.',
        }
        emit('payment_intent.payment_failed', pi)
      }
      return events[events.length - 1]!
    },
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function integer(value: unknown, param: string): number {
  const n = Number(value)
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid integer: ${String(value)}`, { code: 'parameter_invalid_integer', param })
  }
  return n
}

function metadata(value: unknown): Record<string, string> {
  if (value === undefined || value === '') return {}
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, String(v)]))
}

function expandOf(params: Json): string[] {
  const expand = params.expand
  return Array.isArray(expand) ? expand.map(String) : []
}

/** Decodes Stripe's form encoding (`a[b]=1&list[0]=x`) into nested objects and arrays. */
function parseForm(text: string): Json {
  const root: Json = {}
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const [head, ...rest] = rawKey.split('[').map((part, i) => (i === 0 ? part : part.replace(/\]$/, '')))
    const path = [head!, ...rest]
    let node: Json = root
    path.forEach((segment, i) => {
      if (i === path.length - 1) {
        node[segment] = value
        return
      }
      node[segment] ??= {}
      node = node[segment] as Json
    })
  }
  return arrays(root) as Json
}

function arrays(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value as Json).map(([k, v]) => [k, arrays(v)] as const)
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v)
  }
  return Object.fromEntries(entries)
}
