import { randomUUID } from 'node:crypto'
import type { Commerce } from '@souk/core'
import type { PaypalPaymentProvider } from '@souk/payments-paypal'
import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type Response,
} from 'express'
import type { OutgoingWebhooks } from '../webhooks/outgoing-webhooks.js'
import { errorResponse } from './error-response.js'
import { HttpError } from './http-error.js'
import { identityMiddleware } from './identity.js'
import { addressRoutes } from './routes/address-routes.js'
import { adminRoutes } from './routes/admin-routes.js'
import { cartRoutes } from './routes/cart-routes.js'
import { catalogRoutes } from './routes/catalog-routes.js'
import { checkoutRoutes, webhookRoutes } from './routes/checkout-routes.js'
import { deviceRoutes } from './routes/device-routes.js'
import { fraudRoutes } from './routes/fraud-routes.js'
import { healthRoutes } from './routes/health-routes.js'
import { orderRoutes } from './routes/order-routes.js'
import { paypalRoutes } from './routes/paypal-routes.js'
import { priceRoutes } from './routes/price-routes.js'
import { searchSuggestRoutes, synonymAdminRoutes } from './routes/search-suggest-routes.js'
import { sellerRoutes } from './routes/seller-routes.js'
import { sessionRoutes } from './routes/session-routes.js'
import { webhookAdminRoutes } from './routes/webhook-routes.js'
import {
  createStorefrontSecurity,
  type SecurityOptions,
  type StorefrontSecurity,
} from './security/storefront-security.js'
import {
  createStorefrontMetrics,
  type StorefrontMetrics,
  type StorefrontStats,
} from './storefront-metrics.js'
import { rejectUnstorableText } from './unstorable-text.js'

/** One structured log line. */
export type LogLine = Readonly<Record<string, unknown>>

export interface StorefrontOptions {
  /** Signs session cookies and `x-customer-signature` headers. At least 16 characters. */
  readonly sessionSecret: string
  /**
   * Bearer token of the staff routes, every seller's dashboard and (without a metrics token)
   * /metrics; null turns staff routes off (403). Sellers' own tokens: `security.sellerTokens`.
   */
  readonly adminToken: string | null
  /** Storage figures for /metrics (orders by status, stock); null leaves those gauges out. */
  readonly stats: StorefrontStats | null
  /** Where request logs and errors go, one JSON object per line. Default: stdout. */
  readonly log?: (line: LogLine) => void
  /** Largest JSON or webhook body accepted. Default `'100kb'`. */
  readonly bodyLimit?: string
  /** Folder of the browser storefront; null serves the API only. Default null. */
  readonly publicDir?: string | null
  /** Offers Stripe Elements in the browser when set. Default null. */
  readonly stripePublishableKey?: string | null
  /** Whether the test payment provider is the one charged (the checkout page lists test cards). Default false. */
  readonly testPayments?: boolean
  /** Currencies the shop sells in; the first is the default. Default `['USD', 'EUR']`. */
  readonly currencies?: readonly string[]
  /**
   * The shop is served over HTTPS (TLS may end at a proxy): the session cookie is `Secure` and
   * HSTS is sent. Requests that arrive over HTTPS (`req.secure`) get both anyway. Default false.
   */
  readonly secureCookies?: boolean
  /** CORS, seller tokens, the metrics token, rate limits, trusted proxies. Default: see SecurityOptions. */
  readonly security?: SecurityOptions
  /**
   * Readiness checks for /readyz, one boolean per dependency (e.g. `{ database: true, redis: false }`);
   * it should not throw. Default: none, so /readyz answers 200 whenever the process is up.
   */
  readonly ready?: () => Promise<Readonly<Record<string, boolean>>>
  /**
   * The outgoing-webhook registry (`startOutgoingWebhooks`), served to staff under
   * /api/admin/webhooks. Default null: those routes are not mounted.
   */
  readonly webhooks?: OutgoingWebhooks | null
  /** The PayPal provider when PAYPAL_* is set: adds the route that completes a payer-approved order. Default null. */
  readonly paypal?: PaypalPaymentProvider | null
}

/** What route modules share. */
export interface RouteContext {
  readonly commerce: Commerce
  readonly options: StorefrontOptions
  readonly metrics: StorefrontMetrics
  readonly security: StorefrontSecurity
}

export interface Storefront {
  readonly app: Express
  readonly metrics: StorefrontMetrics
}

const defaultLog = (line: LogLine) => process.stdout.write(`${JSON.stringify(line)}\n`)

/**
 * The example storefront as an Express 5 app over a wired Commerce: the REST API under /api, the
 * payment webhook under /webhooks, /healthz, /metrics and (with `publicDir`) the browser shop.
 * Listening, seeding and shutdown are the caller's (see server.ts), so tests mount it as it is.
 */
export function createApp(commerce: Commerce, options: StorefrontOptions): Storefront {
  if (options.sessionSecret.length < 16) throw new RangeError('sessionSecret must be at least 16 characters')
  const log = options.log ?? defaultLog
  const metrics = createStorefrontMetrics(commerce, options.stats)
  const security = createStorefrontSecurity({
    security: options.security ?? {},
    adminToken: options.adminToken,
    secureCookies: options.secureCookies ?? false,
    stripe: Boolean(options.stripePublishableKey),
    log,
  })
  const context: RouteContext = { commerce, options, metrics, security }
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('trust proxy', options.security?.trustProxy ?? 'loopback')

  // One JSON line per request, written when the response is finished.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint()
    const requestId = requestIdOf(req)
    res.locals.requestId = requestId
    res.setHeader('x-request-id', requestId)
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      // Routers restore baseUrl on the way out, so the mount point was noted on the way in.
      const route =
        typeof req.route?.path === 'string' ? `${res.locals.routeBase ?? ''}${req.route.path}` : 'unmatched'
      metrics.observeRequest(req.method, route, res.statusCode, seconds)
      log({
        time: new Date().toISOString(),
        level: 'info',
        msg: 'request',
        requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 10_000) / 10,
        customerId: res.locals.customerId ?? null,
        ...(res.locals.errorCode ? { errorCode: res.locals.errorCode } : {}),
      })
    })
    next()
  })
  app.use(security.headers)

  app.use(healthRoutes(options))
  app.get('/metrics', security.credentials.requireMetricsReader, async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType)
    res.send(await metrics.registry.metrics())
  })

  // The webhook verifies its signature over the exact bytes received, so it takes the raw body
  // and is mounted before the JSON parser.
  app.use(
    '/webhooks',
    markBase,
    express.raw({ type: () => true, limit: options.bodyLimit ?? '100kb' }),
    webhookRoutes(context),
  )

  const api = express.Router()
  api.use(markBase)
  api.use(security.cors)
  api.use(security.jsonOnly)
  api.use(express.json({ limit: options.bodyLimit ?? '100kb', strict: false }))
  api.use(identityMiddleware(options.sessionSecret))
  api.use(rejectUnstorableText)
  api.use(sessionRoutes(context))
  api.use(catalogRoutes(context))
  api.use(searchSuggestRoutes(context))
  api.use(cartRoutes(context))
  api.use(deviceRoutes(context))
  api.use(checkoutRoutes(context))
  if (options.paypal) api.use(paypalRoutes(context, options.paypal))
  api.use(orderRoutes(context))
  api.use(addressRoutes(context))
  api.use(sellerRoutes(context))
  if (options.webhooks) api.use('/admin/webhooks', markBase, webhookAdminRoutes(context, options.webhooks))
  api.use('/admin/fraud', markBase, fraudRoutes(context))
  api.use('/admin/prices', markBase, priceRoutes(context))
  api.use('/admin/search/synonyms', markBase, synonymAdminRoutes(context))
  api.use('/admin', markBase, adminRoutes(context))
  api.use((req: Request) => {
    throw new HttpError(404, 'route_not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)
  })
  app.use('/api', api)

  if (options.publicDir) {
    app.use(express.static(options.publicDir, { index: 'index.html', maxAge: '5m' }))
  }

  app.use((req: Request) => {
    throw new HttpError(404, 'route_not_found', `No route ${req.method} ${req.path}`)
  })

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const requestId = String(res.locals.requestId ?? requestIdOf(req))
    const { status, body, headers, logLevel } = errorResponse(error, requestId)
    res.locals.errorCode = body.error.code
    if (logLevel) {
      log({
        time: new Date().toISOString(),
        level: logLevel,
        msg: 'request failed',
        requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status,
        code: body.error.code,
        error: describeError(error),
      })
    }
    if (res.headersSent) return
    res.status(status).set(headers).json(body)
  }
  app.use(onError)
  return { app, metrics }
}

/** Notes where the current router is mounted, for the route label of logs and metrics. */
function markBase(req: Request, res: Response, next: NextFunction): void {
  res.locals.routeBase = req.baseUrl
  next()
}

/** The caller's `X-Request-Id` when it is a plain token, else a fresh one. */
function requestIdOf(req: Request): string {
  const given = req.header('x-request-id')
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID()
}

/** The stack and every cause (driver errors hang under CommerceErrors), for the log only. */
function describeError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join('\ncaused by: ')
}
