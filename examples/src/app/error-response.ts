import { type CommerceError, isCommerceError } from '@souk/core'
import { statusForCode } from './error-status.js'
import { type ErrorBody, errorBody, HttpError } from './http-error.js'

/** What the error handler sends, and whether the full error must go to the log. */
export interface ErrorResponse {
  readonly status: number
  readonly body: ErrorBody
  /** Extra response headers (`Retry-After` on 503). */
  readonly headers: Readonly<Record<string, string>>
  /**
   * 'error' for 5xx, 'warn' for a 4xx whose text was withheld (it came from the database), null
   * for an ordinary client error that the request log line already records.
   */
  readonly logLevel: 'error' | 'warn' | null
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5

const INTERNAL_MESSAGE = 'Something went wrong on our side; quote the request id when reporting it'
const UNAVAILABLE_MESSAGE = 'A service this request needs is unavailable; retry shortly'

/** Detail keys that only ever hold database internals (see adapters-postgres' map-postgres-error). */
const DRIVER_DETAIL_KEYS = new Set(['sqlState', 'constraint', 'table', 'column', 'schema'])

/**
 * Maps anything a route threw to one response. The body is built from a whitelist: a 5xx says
 * only "our side" and the request id (its CommerceError message may hold driver text, hosts or
 * SQL); a 4xx keeps core's message and issues unless they came from the database, whose words
 * (`invalid input syntax for type json`, constraint names) are replaced by a generic message.
 */
export function errorResponse(error: unknown, requestId: string): ErrorResponse {
  if (isCommerceError(error)) return commerceErrorResponse(error, requestId)
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: errorBody(error.code, error.message, requestId, error.details),
      headers: {},
      logLevel: error.status >= 500 ? 'error' : null,
    }
  }
  const framework = frameworkErrorResponse(error, requestId)
  if (framework) return framework
  return {
    status: 500,
    body: errorBody('internal', INTERNAL_MESSAGE, requestId),
    headers: {},
    logLevel: 'error',
  }
}

function commerceErrorResponse(error: CommerceError, requestId: string): ErrorResponse {
  const sqlState = sqlStateOf(error)
  // Class 22 is "data exception": the value sent cannot be stored (a NUL in jsonb, a number out of
  // range). The adapter maps some of them to validation.failed and leaves the rest as
  // storage.failed; either way it is the input's fault, so it is a 400 and not a page for on-call.
  if (sqlState?.startsWith('22') || (sqlState && error.code === 'validation.failed')) {
    return {
      status: 400,
      body: errorBody(
        'validation.failed',
        'The input was rejected: a value is malformed, out of range, or refers to something that does not exist',
        requestId,
        { issues: [{ path: '', message: 'rejected by a data rule' }] },
      ),
      headers: {},
      logLevel: 'warn',
    }
  }
  const status = statusForCode(error.code)
  if (status >= 500) {
    const unavailable = status === 503
    return {
      status,
      body: errorBody(error.code, unavailable ? UNAVAILABLE_MESSAGE : INTERNAL_MESSAGE, requestId),
      headers: unavailable ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {},
      logLevel: 'error',
    }
  }
  if (sqlState) {
    // A uniqueness or concurrency conflict the database reported: the constraint name is schema.
    return {
      status,
      body: errorBody(
        error.code,
        'The change conflicts with existing data or a concurrent change; check the input and retry',
        requestId,
      ),
      headers: {},
      logLevel: 'warn',
    }
  }
  const details = Object.fromEntries(
    Object.entries(error.details).filter(([key]) => !DRIVER_DETAIL_KEYS.has(key)),
  )
  return {
    status,
    body: errorBody(error.code, error.message, requestId, details),
    headers: {},
    logLevel: null,
  }
}

/** The SQLSTATE behind a CommerceError that the Postgres adapter mapped from a driver error. */
function sqlStateOf(error: CommerceError): string | undefined {
  const fromDetails = (error.details as { sqlState?: unknown }).sqlState
  if (typeof fromDetails === 'string') return fromDetails
  const cause = error.cause as { code?: unknown } | undefined
  return typeof cause?.code === 'string' && /^[0-9A-Z]{5}$/.test(cause.code) ? cause.code : undefined
}

/** What Express, its router and body-parser throw: http-errors with a `status` and maybe a `type`. */
interface FrameworkError {
  readonly status?: unknown
  readonly statusCode?: unknown
  readonly type?: unknown
  readonly limit?: unknown
}

/**
 * Errors of reading the request before any route ran: a path with bad percent-encoding (the
 * router's URIError), a body that does not inflate (Content-Encoding lies), malformed JSON, a body
 * over the limit. All are the client's doing, so all are 4xx, and none echoes the parser's words.
 */
function frameworkErrorResponse(error: unknown, requestId: string): ErrorResponse | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as FrameworkError
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0
  const clientError = (code: string, message: string, details: Record<string, unknown> = {}, at = 400) => ({
    status: at,
    body: errorBody(code, message, requestId, details),
    headers: {},
    logLevel: null,
  })
  if (e.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? e.limit : undefined
    return clientError(
      'request.too_large',
      `The request body is larger than ${limit ?? 'the limit'} bytes`,
      { limit },
      413,
    )
  }
  if (e.type === 'entity.parse.failed') {
    return clientError('validation.failed', 'The request body is not valid JSON', {
      issues: [{ path: '', message: 'malformed JSON' }],
    })
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return clientError('request.unsupported_media_type', 'Unsupported body encoding', {}, 415)
  }
  if (error instanceof URIError) {
    return clientError('request.malformed', 'The URL holds malformed percent-encoding')
  }
  if (status >= 400 && status < 500) {
    const message =
      status === 400
        ? 'The request could not be read (is Content-Encoding right?)'
        : 'The request was refused'
    return clientError('request.malformed', message, {}, status)
  }
  return undefined
}
