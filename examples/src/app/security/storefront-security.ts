import type { RequestHandler } from 'express'
import { corsPolicy } from './cors-policy.js'
import { type Credentials, createCredentials } from './credentials.js'
import { jsonOnly } from './json-only.js'
import { createRateLimiters, type RateLimiters, type RateLimits, type RedisCommands } from './rate-limits.js'
import { securityHeaders } from './security-headers.js'

/** The security settings of createApp (`StorefrontOptions.security`); every one has a default. */
export interface SecurityOptions {
  /**
   * Origins (`https://shop.example`) whose pages may call /api with credentials. Default `[]`:
   * same-origin only, no CORS headers for anyone.
   */
  readonly corsOrigins?: readonly string[]
  /** A bearer token per seller id, for that seller's dashboard routes only. Default `{}`. */
  readonly sellerTokens?: Readonly<Record<string, string>>
  /** Bearer token of /metrics. Default null: the admin token (no admin token: /metrics is 403). */
  readonly metricsToken?: string | null
  /** Per-action overrides of DEFAULT_RATE_LIMITS; `false` turns rate limiting off. Default: the defaults. */
  readonly rateLimits?: Partial<RateLimits> | false
  /** Redis (the app's ioredis client) for rate-limit counters shared by every process. Default null: memory. */
  readonly rateLimitRedis?: RedisCommands | null
  /** Express `trust proxy`: which proxies' X-Forwarded-For/-Proto to believe. Default `'loopback'`. */
  readonly trustProxy?: boolean | number | string
}

/** What createApp and the routes use. */
export interface StorefrontSecurity {
  readonly headers: RequestHandler
  readonly cors: RequestHandler
  readonly jsonOnly: RequestHandler
  readonly credentials: Credentials
  readonly limits: RateLimiters
}

export interface StorefrontSecurityInput {
  readonly security: SecurityOptions
  readonly adminToken: string | null
  readonly secureCookies: boolean
  readonly stripe: boolean
  readonly log: (line: Readonly<Record<string, unknown>>) => void
}

export function createStorefrontSecurity(input: StorefrontSecurityInput): StorefrontSecurity {
  const { security } = input
  return {
    headers: securityHeaders({ stripe: input.stripe, secureCookies: input.secureCookies }),
    cors: corsPolicy(security.corsOrigins ?? []),
    jsonOnly: jsonOnly(),
    credentials: createCredentials({
      adminToken: input.adminToken,
      sellerTokens: security.sellerTokens ?? {},
      metricsToken: security.metricsToken ?? null,
    }),
    limits: createRateLimiters({
      limits: security.rateLimits ?? {},
      redis: security.rateLimitRedis ?? null,
      onProblem: (error, message) =>
        input.log({
          time: new Date().toISOString(),
          level: 'warn',
          msg: `rate limiter: ${message ?? 'store failed'} (requests are let through while the store fails)`,
          error: error instanceof Error ? error.message : String(error),
        }),
    }),
  }
}
