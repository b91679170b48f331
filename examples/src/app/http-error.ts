import type { CommerceError } from '@souk/core'
import { statusForCode } from './error-status.js'

/** Codes the HTTP layer itself answers with, beside core's CommerceError codes. */
export type HttpErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'route_not_found'
  | 'request.too_large'
  | 'request.unsupported_media_type'
  | 'internal'

/** The one error body every endpoint answers with. */
export interface ErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly details: Readonly<Record<string, unknown>>
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

/** Body and status for a CommerceError; its `toJSON` never carries the cause or a stack. */
export function commerceErrorResponse(error: CommerceError): { status: number; body: ErrorBody } {
  return { status: statusForCode(error.code), body: { error: error.toJSON() } }
}

export function httpErrorResponse(error: HttpError): { status: number; body: ErrorBody } {
  return {
    status: error.status,
    body: { error: { code: error.code, message: error.message, details: error.details } },
  }
}
