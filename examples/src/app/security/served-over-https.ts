import type { Request } from 'express'

/**
 * Whether this request reached the shop over HTTPS: `secureCookies` says the public URL is HTTPS
 * (TLS ends at a proxy the app cannot see), else `req.secure`, which believes X-Forwarded-Proto
 * only from the proxies `trust proxy` names.
 */
export function servedOverHttps(req: Request, secureCookies: boolean): boolean {
  return secureCookies || req.secure
}
