import type { NextFunction, Request, Response } from 'express'
import helmet, { type HelmetOptions } from 'helmet'
import { servedOverHttps } from './served-over-https.js'

export interface SecurityHeadersOptions {
  /** Allow Stripe.js and its Elements frames (a publishable key is configured). */
  readonly stripe: boolean
  /** The public URL is HTTPS (see servedOverHttps). */
  readonly secureCookies: boolean
}

/**
 * helmet's headers with a Content-Security-Policy the browser shop in `public/` runs under: its
 * own script and stylesheet only (no inline script, handler or style), product images from any
 * HTTPS host (merchants keep them on a CDN), and Stripe's script, frames and API only when Stripe
 * Elements is offered. HSTS and `upgrade-insecure-requests` are sent only over HTTPS: over plain
 * HTTP (`pnpm start` on localhost) they would make browsers refuse the shop.
 */
export function securityHeaders(options: SecurityHeadersOptions) {
  const overHttps = helmet(helmetOptions(options.stripe, true))
  const overHttp = helmet(helmetOptions(options.stripe, false))
  return (req: Request, res: Response, next: NextFunction) => {
    if (servedOverHttps(req, options.secureCookies)) overHttps(req, res, next)
    else overHttp(req, res, next)
  }
}

/** Where Stripe.js loads from and talks to (Stripe's published CSP list). */
const STRIPE = {
  script: ['https://js.stripe.com', 'https://*.js.stripe.com'],
  frame: ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
  connect: ['https://api.stripe.com'],
}

function helmetOptions(stripe: boolean, https: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        scriptSrc: ["'self'", ...(stripe ? STRIPE.script : [])],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...(stripe ? STRIPE.connect : [])],
        frameSrc: stripe ? STRIPE.frame : ["'none'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    // A year; without includeSubDomains, since the shop rarely owns every subdomain of its host.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'deny' },
  }
}
