import { timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import { HttpError } from '../http-error.js'

/**
 * Guards staff and seller routes with one bearer token. A stand-in for the host app's own staff
 * and seller authentication, like the customer session is for customers.
 */
export function requireAdmin(token: string | null) {
  const expected = token === null ? null : Buffer.from(token, 'utf8')
  return (req: Request, _res: Response, next: NextFunction) => {
    if (expected === null) {
      next(
        new HttpError(403, 'forbidden', 'Staff and seller routes are turned off (no admin token configured)'),
      )
      return
    }
    const header = req.header('authorization') ?? ''
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(
        new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <ADMIN_TOKEN> (printed at startup)'),
      )
      return
    }
    next()
  }
}
