import cors from 'cors'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/**
 * CORS for /api from an allow-list of origins (`https://shop.example`, compared exactly, scheme
 * and port included). A listed origin gets `Access-Control-Allow-Origin: <origin>` with
 * credentials (cookies); any other origin gets no CORS headers at all, so a browser keeps its
 * pages from reading responses or sending JSON (which needs a preflight). An empty list is
 * same-origin only. `Vary: Origin` always, so a cache never serves one origin's answer to another.
 */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map(normalizeOrigin))
  const listed = cors({
    origin: (origin, callback) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy'],
    maxAge: 600,
  })
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin')
    if (allowed.size === 0) {
      next()
      return
    }
    listed(req, res, next)
  }
}

/**
 * The origin of a URL (`https://shop.example:8443`), lowercased and without a path; throws
 * RangeError for anything that is not an http(s) origin.
 */
export function normalizeOrigin(text: string): string {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new RangeError(`"${text}" is not an origin like https://shop.example`)
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    (url.pathname !== '/' && url.pathname !== '')
  )
    throw new RangeError(`"${text}" is not an origin like https://shop.example (no path)`)
  return url.origin
}
