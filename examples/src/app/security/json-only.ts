import type { NextFunction, Request, Response } from 'express'
import { HttpError } from '../http-error.js'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * State-changing API requests carry JSON or nothing. A cross-site HTML form can only send
 * `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` without a CORS
 * preflight, so refusing those (415) before anything runs means a form on another site cannot
 * cancel an order or fill a cart, whatever the cookie's SameSite does. `application/json` from
 * another origin needs a preflight, which the CORS allow-list answers.
 */
export function jsonOnly() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!STATE_CHANGING.has(req.method)) {
      next()
      return
    }
    const type = req.header('content-type')
    if (type === undefined ? !hasBody(req) : isJson(type)) {
      next()
      return
    }
    next(
      new HttpError(
        415,
        'request.unsupported_media_type',
        'Send state-changing requests with Content-Type: application/json (or no body at all)',
        { contentType: type ?? null },
      ),
    )
  }
}

function isJson(contentType: string): boolean {
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json'
}

function hasBody(req: Request): boolean {
  if (req.header('transfer-encoding') !== undefined) return true
  const length = req.header('content-length')
  return length !== undefined && length.trim() !== '0'
}
