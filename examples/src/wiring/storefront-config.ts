import { randomBytes } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DefaultFraudRulesOptions } from '@souk/core'
import { z } from 'zod'
import { readSecurityConfig, type SecurityConfig } from '../app/security/security-config.js'
import type { WebhookSettings } from '../webhooks/outgoing-webhooks.js'
import { readFraudRules } from './fraud-config.js'
import { checkPaypalEnv, type PaypalSettings, paypalEnvSchema, readPaypalSettings } from './paypal-wiring.js'

/** The repository root: examples/src/wiring/../../.. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Where the embedded database lives when no DATABASE_URL is given. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '.souk-data')

/** Everything the storefront reads from its environment, validated once at startup. */
export interface StorefrontConfig {
  readonly port: number
  readonly host: string
  /** Real Postgres; null: embedded PGlite under `dataDir`. */
  readonly databaseUrl: string | null
  readonly dataDir: string
  readonly redisUrl: string | null
  readonly typesense: { readonly url: string; readonly apiKey: string } | null
  readonly stripe: {
    readonly secretKey: string
    readonly webhookSecret: string
    readonly publishableKey: string | null
  } | null
  /** PayPal (Orders v2) as a second payment provider, `paypal` (see paypal-wiring.ts), or null. */
  readonly paypal: PaypalSettings | null
  /** Signs the session cookie and `x-customer-signature`. Random per process when not set. */
  readonly sessionSecret: string
  readonly sessionSecretGenerated: boolean
  /** Bearer token of the staff and seller routes. Random per process when not set. */
  readonly adminToken: string
  /** Served over HTTPS (SECURE_COOKIES, else PUBLIC_URL is https): Secure session cookie, HSTS. */
  readonly secureCookies: boolean
  /** CORS, seller tokens, metrics token, rate limits, trusted proxies (docs/production.md). */
  readonly security: SecurityConfig['security']
  readonly seed: { readonly onFirstRun: boolean; readonly products: number; readonly seed: string }
  /** The durable-subscriber relay's polling interval and first retry delay; unset keys keep Souk's defaults. */
  readonly relay: { readonly intervalMs?: number; readonly retryDelayMs?: number }
  /** Outgoing webhooks: URL policy, timeout, attempts (docs/webhooks.md). */
  readonly webhooks: WebhookSettings
  /** FRAUD_RULES: `defaultFraudRules` options, null for none (docs/fraud.md). Default: the example's. */
  readonly fraud?: DefaultFraudRulesOptions | null
}

const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional()

/** A whole number of milliseconds in a range, or undefined when unset. */
const millis = (min: number, max: number) =>
  optional.pipe(z.coerce.number<string>().int().min(min).max(max).optional())

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: optional,
    SOUK_DATA_DIR: optional,
    REDIS_URL: optional,
    TYPESENSE_URL: optional.pipe(z.url().optional()),
    TYPESENSE_API_KEY: optional,
    STRIPE_SECRET_KEY: optional,
    STRIPE_WEBHOOK_SECRET: optional,
    STRIPE_PUBLISHABLE_KEY: optional,
    SESSION_SECRET: optional.pipe(
      z.string().min(16, 'SESSION_SECRET must be at least 16 characters').optional(),
    ),
    ADMIN_TOKEN: optional.pipe(z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional()),
    PUBLIC_URL: optional.pipe(z.url().optional()),
    SECURE_COOKIES: optional,
    TRUST_PROXY: optional,
    CORS_ORIGINS: optional,
    SELLER_TOKENS: optional,
    METRICS_TOKEN: optional,
    RATE_LIMITS: optional,
    RATE_LIMIT_SESSION: optional,
    RATE_LIMIT_CART: optional,
    RATE_LIMIT_CHECKOUT: optional,
    RATE_LIMIT_REVIEWS: optional,
    SEED_ON_FIRST_RUN: z.enum(['true', 'false']).default('true'),
    SEED_PRODUCTS: z.coerce.number().int().min(1).max(5_000_000).default(2000),
    SEED: z.string().min(1).default('souk'),
    RELAY_INTERVAL_MS: millis(10, 3_600_000),
    RELAY_RETRY_DELAY_MS: millis(1, 3_600_000),
    WEBHOOK_ALLOW_PRIVATE_URLS: optional.pipe(z.enum(['1', '0', 'true', 'false', 'on', 'off']).optional()),
    WEBHOOK_TIMEOUT_MS: millis(100, 60_000),
    WEBHOOK_MAX_ATTEMPTS: optional.pipe(z.coerce.number<string>().int().min(1).max(100).optional()),
    FRAUD_RULES: optional,
    ...paypalEnvSchema,
  })
  .superRefine((env, ctx) => {
    if (env.TYPESENSE_URL && !env.TYPESENSE_API_KEY) {
      ctx.addIssue({ code: 'custom', path: ['TYPESENSE_API_KEY'], message: 'required with TYPESENSE_URL' })
    }
    if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_WEBHOOK_SECRET'],
        message: 'STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together',
      })
    }
    checkPaypalEnv(env, ctx)
  })

/** A configuration problem, reported before anything starts. */
export class StorefrontConfigError extends Error {
  override readonly name = 'StorefrontConfigError'
}

/** Reads the storefront's configuration from environment variables (see examples/README.md). */
export function loadStorefrontConfig(env: NodeJS.ProcessEnv = process.env): StorefrontConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new StorefrontConfigError(`Invalid storefront configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  let fraud: DefaultFraudRulesOptions | null
  try {
    fraud = readFraudRules(e.FRAUD_RULES)
  } catch (error) {
    throw new StorefrontConfigError(
      `Invalid storefront configuration:\n  FRAUD_RULES: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const adminToken = e.ADMIN_TOKEN ?? randomBytes(18).toString('base64url')
  const { config: secured, problems } = readSecurityConfig(e, adminToken)
  if (problems.length > 0) {
    throw new StorefrontConfigError(
      `Invalid storefront configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    )
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: resolve(e.SOUK_DATA_DIR ?? DEFAULT_DATA_DIR),
    redisUrl: e.REDIS_URL ?? null,
    typesense: e.TYPESENSE_URL ? { url: e.TYPESENSE_URL, apiKey: e.TYPESENSE_API_KEY! } : null,
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            publishableKey: e.STRIPE_PUBLISHABLE_KEY ?? null,
          }
        : null,
    paypal: readPaypalSettings(e),
    sessionSecret: e.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    sessionSecretGenerated: e.SESSION_SECRET === undefined,
    adminToken,
    secureCookies: secured.secureCookies,
    security: secured.security,
    seed: { onFirstRun: e.SEED_ON_FIRST_RUN === 'true', products: e.SEED_PRODUCTS, seed: e.SEED },
    relay: {
      ...(e.RELAY_INTERVAL_MS === undefined ? {} : { intervalMs: e.RELAY_INTERVAL_MS }),
      ...(e.RELAY_RETRY_DELAY_MS === undefined ? {} : { retryDelayMs: e.RELAY_RETRY_DELAY_MS }),
    },
    webhooks: {
      allowPrivateUrls: ['1', 'true', 'on'].includes(e.WEBHOOK_ALLOW_PRIVATE_URLS ?? '0'),
      ...(e.WEBHOOK_TIMEOUT_MS === undefined ? {} : { timeoutMs: e.WEBHOOK_TIMEOUT_MS }),
      ...(e.WEBHOOK_MAX_ATTEMPTS === undefined ? {} : { maxAttempts: e.WEBHOOK_MAX_ATTEMPTS }),
    },
    fraud,
  }
}
