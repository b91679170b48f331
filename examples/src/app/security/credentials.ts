import { createHash, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { HttpError } from '../http-error.js'

/** Who a bearer token belongs to. */
export type Principal = { readonly kind: 'staff' } | { readonly kind: 'seller'; readonly sellerId: string }

export interface CredentialsOptions {
  /** The staff token: every staff route, every seller's dashboard. Null: no staff. */
  readonly adminToken: string | null
  /** One token per seller id: that seller's dashboard only. */
  readonly sellerTokens: Readonly<Record<string, string>>
  /** The token of /metrics; null: the admin token. */
  readonly metricsToken: string | null
}

/** Route guards for staff, sellers and the metrics scraper. */
export interface Credentials {
  /** Staff routes (`/api/admin`): the admin token only; a seller's token is a 403. */
  readonly requireStaff: RequestHandler
  /** `/sellers/:sellerId/...`: that seller's token, or the admin token; another seller's is a 403. */
  readonly requireSeller: RequestHandler
  /** `/metrics`: the metrics token (or the admin token when none is set). */
  readonly requireMetricsReader: RequestHandler
}

/**
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, and every configured token is
 * compared on every request, so neither the length of a token nor which one matched shows in the
 * response time. A stand-in for the host app's own staff and seller sign-in, like the customer
 * session is for customers.
 */
export function createCredentials(options: CredentialsOptions): Credentials {
  const entries: { digest: Buffer; principal: Principal }[] = []
  if (options.adminToken !== null) entries.push({ digest: digest(options.adminToken), principal: STAFF })
  for (const [sellerId, token] of Object.entries(options.sellerTokens)) {
    entries.push({ digest: digest(token), principal: { kind: 'seller', sellerId } })
  }
  const metricsDigest = options.metricsToken === null ? null : digest(options.metricsToken)

  const identify = (req: Request): Principal | undefined => {
    const given = digest(bearerOf(req))
    let found: Principal | undefined
    for (const entry of entries) {
      if (timingSafeEqual(given, entry.digest) && found === undefined) found = entry.principal
    }
    return found
  }

  const requireStaff: RequestHandler = (req, _res, next) => {
    if (options.adminToken === null) {
      next(new HttpError(403, 'forbidden', 'Staff routes are turned off (no admin token configured)'))
      return
    }
    const principal = identify(req)
    if (principal === undefined) next(unauthorized('Send Authorization: Bearer <ADMIN_TOKEN>'))
    else if (principal.kind !== 'staff')
      next(new HttpError(403, 'forbidden', 'Staff routes need the admin token'))
    else next()
  }

  const requireSeller: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (entries.length === 0) {
      next(
        new HttpError(
          403,
          'forbidden',
          'Staff and seller routes are turned off (no admin or seller token configured)',
        ),
      )
      return
    }
    const principal = identify(req)
    if (principal === undefined) {
      next(
        unauthorized('Send Authorization: Bearer <token of this seller> (SELLER_TOKENS) or the admin token'),
      )
      return
    }
    if (principal.kind === 'seller' && principal.sellerId !== req.params.sellerId) {
      next(new HttpError(403, 'forbidden', 'This token belongs to another seller'))
      return
    }
    res.locals.principal = principal
    next()
  }

  const requireMetricsReader: RequestHandler = (req, _res, next) => {
    const expected = metricsDigest ?? entries.find((e) => e.principal.kind === 'staff')?.digest ?? null
    if (expected === null) {
      next(new HttpError(403, 'forbidden', 'Metrics are turned off (no metrics or admin token configured)'))
      return
    }
    if (!timingSafeEqual(digest(bearerOf(req)), expected)) {
      next(unauthorized('Send Authorization: Bearer <METRICS_TOKEN> (or the admin token when it is not set)'))
      return
    }
    next()
  }

  return { requireStaff, requireSeller, requireMetricsReader }
}

const STAFF: Principal = { kind: 'staff' }

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

function bearerOf(req: Request): string {
  const header = req.header('authorization') ?? ''
  return header.startsWith('Bearer ') ? header.slice(7).trim() : ''
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message)
}

/**
 * Reads `SELLER_TOKENS`, `sel_01...:token,sel_02...:token`: a token per seller, 16+ characters,
 * each used once and none equal to the admin token. Throws RangeError with what is wrong.
 */
export function parseSellerTokens(text: string, adminToken: string | null): Record<string, string> {
  const tokens: Record<string, string> = {}
  const seen = new Set<string>(adminToken === null ? [] : [adminToken])
  for (const part of text.split(',')) {
    const entry = part.trim()
    if (entry === '') continue
    const at = entry.indexOf(':')
    const sellerId = entry.slice(0, at).trim()
    const token = entry.slice(at + 1).trim()
    if (at <= 0 || !/^[A-Za-z0-9_-]{1,64}$/.test(sellerId))
      throw new RangeError('expected <sellerId>:<token>,... with seller ids like sel_01H...')
    if (token.length < 16) throw new RangeError(`the token of ${sellerId} must be at least 16 characters`)
    if (Object.hasOwn(tokens, sellerId)) throw new RangeError(`${sellerId} is listed twice`)
    if (seen.has(token))
      throw new RangeError(`the token of ${sellerId} is used twice (or equals ADMIN_TOKEN)`)
    seen.add(token)
    tokens[sellerId] = token
  }
  return tokens
}
