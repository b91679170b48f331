import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { ValidationError } from '../errors/error-classes.js'
import type { CommerceEventType } from '../events/commerce-event.js'
import type { DeliveredEvent } from '../events/durable-subscriber.js'
import { parseInput } from '../validation/parse-input.js'

/** The request header an outgoing webhook's signature travels in: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`. */
export const SOUK_SIGNATURE_HEADER = 'souk-signature'

/** How far the signed timestamp may be from the receiver's clock, either way, by default: 5 minutes. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300

/**
 * The body of an outgoing webhook: a durable subscriber's delivered envelope without `delivery`
 * (the attempt travels in a header, so redeliveries of one event have the same body). A union over
 * `T`, so checking `type` narrows `data`.
 */
export type WebhookEvent<T extends CommerceEventType = CommerceEventType> = {
  [K in T]: Omit<DeliveredEvent<K>, 'delivery'>
}[T]

export interface SignWebhookInput {
  /**
   * The endpoint's signing secret, or several while a secret is rotated: one `v1` entry per
   * secret, so receivers holding either verify.
   */
  readonly secret: string | readonly string[]
  /** The moment of signing; the header carries it in whole seconds. Default: now. */
  readonly timestamp?: Date
  /** The exact bytes sent: the signature covers them, so sign after serialising. */
  readonly body: string | Uint8Array
}

export interface VerifyWebhookInput {
  /** The endpoint's signing secret (the one shown when the endpoint was created). */
  readonly secret: string
  /** The `souk-signature` header as received; an absent or repeated header is refused as malformed. */
  readonly header: string | readonly string[] | null | undefined
  /** The raw request body, before any JSON parser touched it. */
  readonly body: string | Uint8Array
  /** Largest accepted distance between the signed timestamp and `now`, either way. Default 300. */
  readonly toleranceSeconds?: number
  /** The receiver's current time. Default: now. */
  readonly now?: Date
}

const MAX_HEADER_LENGTH = 4096
const MAX_SIGNATURES = 8

const bodySchema = z.union([z.string(), z.instanceof(Uint8Array)], {
  message: 'body must be a string or bytes (the raw request body)',
})
const secretSchema = z.string().min(1, 'secret must not be empty').max(1000)

const signSchema = z.strictObject({
  secret: z.union([secretSchema, z.array(secretSchema).min(1).max(MAX_SIGNATURES)]),
  timestamp: z
    .date()
    .refine((d) => !Number.isNaN(d.getTime()), 'timestamp must be a valid date')
    .optional(),
  body: bodySchema,
})

const verifySchema = z.strictObject({
  secret: secretSchema,
  header: z.union([z.string(), z.array(z.string()), z.null(), z.undefined()]),
  body: bodySchema,
  toleranceSeconds: z.number().int().min(1).max(86_400).optional(),
  now: z
    .date()
    .refine((d) => !Number.isNaN(d.getTime()), 'now must be a valid date')
    .optional(),
})

/**
 * Signs an outgoing webhook the way Stripe does: HMAC-SHA256 over `"<t>.<body>"` with `t` the unix
 * time in seconds, hex-encoded. Returns the `souk-signature` header value,
 * `t=1767225600,v1=5f2b...` (one `v1` per secret). Throws `ValidationError` for bad input.
 */
export function signWebhook(input: SignWebhookInput): string {
  const { secret, timestamp, body } = parseInput(signSchema, input, 'webhook signing input')
  const seconds = Math.floor((timestamp ?? new Date()).getTime() / 1000)
  const secrets = typeof secret === 'string' ? [secret] : secret
  return [`t=${seconds}`, ...secrets.map((s) => `v1=${hmacHex(s, seconds, body)}`)].join(',')
}

/**
 * Checks an incoming webhook before its body is trusted: the header's format, the timestamp's
 * distance from `now` (a captured request cannot be replayed later), and that one of its `v1`
 * signatures (several while the sender rotates its secret) is the HMAC of this body under
 * `secret`, compared in constant time. Returns the parsed event.
 *
 * Throws `ValidationError` (`validation.failed`) whose single issue's `path` says what failed:
 * `souk-signature` (missing or malformed header), `souk-signature.t` (timestamp outside the
 * tolerance), `souk-signature.v1` (no signature matches: wrong secret or altered body), or `body`
 * (signed, but not a JSON object). Bad arguments are refused the same way, with their own paths.
 */
export function verifyWebhook(input: VerifyWebhookInput): WebhookEvent {
  const { secret, header, body, toleranceSeconds, now } = parseInput(
    verifySchema,
    input,
    'webhook verification input',
  )
  const parsed = parseHeader(header)
  if (!parsed) refuse(SOUK_SIGNATURE_HEADER, `malformed ${SOUK_SIGNATURE_HEADER} header`)

  const tolerance = toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS
  const nowSeconds = Math.floor((now ?? new Date()).getTime() / 1000)
  if (Math.abs(nowSeconds - parsed.timestamp) > tolerance) {
    refuse(`${SOUK_SIGNATURE_HEADER}.t`, `timestamp is more than ${tolerance} s from now`)
  }

  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, body), 'hex')
  // Every candidate is compared, so the time taken does not say which entry came closest.
  let matched = false
  for (const candidate of parsed.signatures) {
    const given = Buffer.from(candidate, 'hex')
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true
  }
  if (!matched) refuse(`${SOUK_SIGNATURE_HEADER}.v1`, 'no signature matches the body under this secret')

  let event: unknown
  try {
    event = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))
  } catch {
    refuse('body', 'the signed body is not JSON')
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    refuse('body', 'the signed body is not a JSON object')
  }
  return event as WebhookEvent
}

function refuse(path: string, message: string): never {
  throw new ValidationError(`Webhook refused: ${message}`, [{ path, message }])
}

/** `t=<seconds>,v1=<hex>,...`, or null when it is not that. Unknown schemes (`v0=`) are ignored. */
function parseHeader(
  header: string | readonly string[] | null | undefined,
): { timestamp: number; signatures: string[] } | null {
  // Two headers of the same name would arrive joined or as an array: either way, not one signature.
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_HEADER_LENGTH) return null
  let timestamp: number | null = null
  const signatures: string[] = []
  for (const item of header.split(',')) {
    const at = item.indexOf('=')
    if (at <= 0) return null
    const key = item.slice(0, at).trim()
    const value = item.slice(at + 1).trim()
    if (key === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return null
      timestamp = Number(value)
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return null
      signatures.push(value.toLowerCase())
    }
  }
  if (timestamp === null || signatures.length === 0 || signatures.length > MAX_SIGNATURES) return null
  return { timestamp, signatures }
}

function hmacHex(secret: string, seconds: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${seconds}.`, 'utf8').update(body).digest('hex')
}
