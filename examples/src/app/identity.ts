import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { customerIdSchema } from '@souk/core'
import type { NextFunction, Request, Response } from 'express'
import { HttpError } from './http-error.js'

/** Name of the session cookie: `<customerId>.<signature>`. */
export const SESSION_COOKIE = 'souk_session'
/** Headers a trusted backend (a BFF, a mobile API gateway) sends instead of the cookie. */
export const CUSTOMER_ID_HEADER = 'x-customer-id'
export const CUSTOMER_SIGNATURE_HEADER = 'x-customer-signature'

/**
 * Souk takes a customer id and trusts it; proving who the customer is belongs to the host app
 * (its login, OAuth, sessions). This example stands in for that with the smallest honest thing:
 * an HMAC-SHA256 signature over the id with a server secret, so a client cannot claim somebody
 * else's id. It has no passwords and no expiry; replace it with your app's authentication.
 */
export function signCustomerId(secret: string, customerId: string): string {
  return createHmac('sha256', secret).update(customerId, 'utf8').digest('base64url')
}

function verified(secret: string, customerId: string, signature: string): boolean {
  const expected = Buffer.from(signCustomerId(secret, customerId), 'utf8')
  const given = Buffer.from(signature, 'utf8')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** A fresh guest customer id for a new browser session. */
export function newCustomerId(): string {
  return `cus_${randomBytes(12)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')}`
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return decodeCookieValue(part.slice(at + 1).trim())
  }
  return undefined
}

/** A cookie value with bad percent-encoding is not ours (we never set one): treat it as absent. */
function decodeCookieValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

/** The signed-in customer of this request, or undefined for a guest. */
export function customerOf(res: Response): string | undefined {
  return res.locals.customerId as string | undefined
}

/** The signed-in customer, or a 401 for guests. */
export function requireCustomer(res: Response): string {
  const customerId = customerOf(res)
  if (!customerId) {
    throw new HttpError(
      401,
      'unauthorized',
      'Sign in first: POST /api/session, or send x-customer-id with x-customer-signature',
    )
  }
  return customerId
}

/**
 * Reads the customer from the signed headers (which win) or the session cookie into
 * `res.locals.customerId`. A wrong header signature is a 401; a tampered cookie is ignored.
 */
export function identityMiddleware(secret: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const headerId = req.header(CUSTOMER_ID_HEADER)
    if (headerId !== undefined) {
      const signature = req.header(CUSTOMER_SIGNATURE_HEADER) ?? ''
      if (!customerIdSchema.safeParse(headerId).success || !verified(secret, headerId, signature)) {
        next(
          new HttpError(
            401,
            'unauthorized',
            `${CUSTOMER_SIGNATURE_HEADER} does not match ${CUSTOMER_ID_HEADER}`,
          ),
        )
        return
      }
      res.locals.customerId = headerId
      next()
      return
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE)
    const at = cookie?.lastIndexOf('.') ?? -1
    if (cookie && at > 0) {
      const id = cookie.slice(0, at)
      if (customerIdSchema.safeParse(id).success && verified(secret, id, cookie.slice(at + 1)))
        res.locals.customerId = id
    }
    next()
  }
}

/** Sets the session cookie for `customerId`: HttpOnly, SameSite=Lax, a year long. */
export function setSessionCookie(res: Response, secret: string, customerId: string, secure: boolean): void {
  res.cookie(SESSION_COOKIE, `${customerId}.${signCustomerId(secret, customerId)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: 365 * 86_400_000,
  })
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' })
}
