/** Codes the HTTP layer itself answers with, beside core's CommerceError codes. */
export type HttpErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'route_not_found'
  | 'request.malformed'
  | 'request.too_large'
  | 'request.unsupported_media_type'
  | 'service.draining'
  | 'service.not_ready'
  | 'internal'

/**
 * The one error body every endpoint answers with. `requestId` is also the `X-Request-Id` response
 * header and the `requestId` of the log line that holds the full error.
 */
export interface ErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly details: Readonly<Record<string, unknown>>
    readonly requestId: string
  }
}

/** An error of the HTTP layer (auth, routing, body parsing), not of a Souk service. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode | 'validation.failed' | 'not_found',
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message)
  }
}

/** The one error body, for the few places that answer without throwing (draining, readiness). */
export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details: Readonly<Record<string, unknown>> = {},
): ErrorBody {
  return { error: { code, message, details, requestId } }
}
