import { normalizeOrigin } from './cors-policy.js'
import { parseSellerTokens } from './credentials.js'
import {
  DEFAULT_RATE_LIMITS,
  parseRateLimitRule,
  type RateLimitName,
  type RateLimitRule,
  type RateLimits,
} from './rate-limits.js'
import type { SecurityOptions } from './storefront-security.js'

/** The security variables of the environment, as strings (already trimmed; undefined when unset). */
export interface SecurityEnv {
  readonly PUBLIC_URL?: string
  readonly SECURE_COOKIES?: string
  readonly TRUST_PROXY?: string
  readonly CORS_ORIGINS?: string
  readonly SELLER_TOKENS?: string
  readonly METRICS_TOKEN?: string
  readonly RATE_LIMITS?: string
  readonly RATE_LIMIT_SESSION?: string
  readonly RATE_LIMIT_CART?: string
  readonly RATE_LIMIT_CHECKOUT?: string
  readonly RATE_LIMIT_REVIEWS?: string
}

export interface SecurityConfig {
  /** Served over HTTPS: Secure session cookie, HSTS. From SECURE_COOKIES, else PUBLIC_URL's scheme. */
  readonly secureCookies: boolean
  /** Everything but the Redis client, which the caller adds once it is connected. */
  readonly security: Omit<SecurityOptions, 'rateLimitRedis'>
}

const RATE_LIMIT_VARS: Readonly<Record<RateLimitName, keyof SecurityEnv>> = {
  session: 'RATE_LIMIT_SESSION',
  cartWrites: 'RATE_LIMIT_CART',
  checkout: 'RATE_LIMIT_CHECKOUT',
  reviews: 'RATE_LIMIT_REVIEWS',
}

/**
 * Reads the security settings (see docs/production.md). Every problem is collected as
 * `VARIABLE: what is wrong`, so one start reports them all; the caller throws with them.
 */
export function readSecurityConfig(
  env: SecurityEnv,
  adminToken: string | null,
): { config: SecurityConfig; problems: string[] } {
  const problems: string[] = []
  const attempt = <T>(name: string, read: () => T, fallback: T): T => {
    try {
      return read()
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
      return fallback
    }
  }

  const publicHttps = attempt(
    'PUBLIC_URL',
    () => (env.PUBLIC_URL ? new URL(env.PUBLIC_URL).protocol === 'https:' : false),
    false,
  )
  const secureCookies = attempt(
    'SECURE_COOKIES',
    () => (env.SECURE_COOKIES === undefined ? publicHttps : flag(env.SECURE_COOKIES)),
    publicHttps,
  )
  const corsOrigins = attempt(
    'CORS_ORIGINS',
    () =>
      (env.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
        .map(normalizeOrigin),
    [],
  )
  const sellerTokens = attempt(
    'SELLER_TOKENS',
    () => parseSellerTokens(env.SELLER_TOKENS ?? '', adminToken),
    {},
  )
  const metricsToken = attempt(
    'METRICS_TOKEN',
    () => {
      if (env.METRICS_TOKEN !== undefined && env.METRICS_TOKEN.length < 16)
        throw new RangeError('must be at least 16 characters')
      return env.METRICS_TOKEN ?? null
    },
    null,
  )
  const limitsOn = attempt('RATE_LIMITS', () => flag(env.RATE_LIMITS ?? 'on'), true)
  const overrides: Partial<Record<RateLimitName, RateLimitRule>> = {}
  for (const [name, variable] of Object.entries(RATE_LIMIT_VARS) as [RateLimitName, keyof SecurityEnv][]) {
    const text = env[variable]
    if (text === undefined) continue
    overrides[name] = attempt(variable, () => parseRateLimitRule(text, DEFAULT_RATE_LIMITS[name]), undefined)
  }
  const rateLimits: Partial<RateLimits> | false = limitsOn
    ? (Object.fromEntries(Object.entries(overrides).filter(([, v]) => v)) as Partial<RateLimits>)
    : false

  return {
    config: {
      secureCookies,
      security: {
        corsOrigins,
        sellerTokens,
        metricsToken,
        rateLimits,
        trustProxy: parseTrustProxy(env.TRUST_PROXY),
      },
    },
    problems,
  }
}

function flag(text: string): boolean {
  const value = text.toLowerCase()
  if (value === '1' || value === 'true' || value === 'on') return true
  if (value === '0' || value === 'false' || value === 'off') return false
  throw new RangeError(`expected 1/0, true/false or on/off, got "${text}"`)
}

/**
 * Express's `trust proxy` from TRUST_PROXY: `true`/`false`, a hop count, or addresses and
 * subnets (`10.0.0.0/8, loopback`). Default `loopback`: a proxy on the same machine.
 */
function parseTrustProxy(text: string | undefined): boolean | number | string {
  if (text === undefined) return 'loopback'
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^\d+$/.test(text)) return Number(text)
  return text
}
