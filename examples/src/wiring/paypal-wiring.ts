import { type PaypalPaymentProvider, paypalClient, paypalPayments } from '@souk/payments-paypal'
import { z } from 'zod'

/** PayPal settings read from the environment (examples/README.md, docs/payments.md#paypal). */
export interface PaypalSettings {
  readonly clientId: string
  readonly clientSecret: string
  /** The webhook's id in the PayPal app: deliveries to /webhooks/payments/paypal are signed with it. */
  readonly webhookId: string
  readonly environment: 'sandbox' | 'live'
  /**
   * PAYPAL_API_BASE_URL: a PayPal-compatible server to call instead of PayPal (tests and local
   * development with `@souk/payments-paypal/testing`). Its origin also serves the webhook
   * certificates. Null: PayPal's own hosts.
   */
  readonly apiBaseUrl: string | null
}

const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional()

/** The storefront's PAYPAL_* variables, spread into its environment schema. */
export const paypalEnvSchema = {
  PAYPAL_CLIENT_ID: optional,
  PAYPAL_CLIENT_SECRET: optional,
  PAYPAL_WEBHOOK_ID: optional,
  PAYPAL_ENVIRONMENT: optional.pipe(z.enum(['sandbox', 'live']).optional()),
  PAYPAL_API_BASE_URL: optional.pipe(z.url().optional()),
}

interface PaypalEnv {
  readonly PAYPAL_CLIENT_ID?: string | undefined
  readonly PAYPAL_CLIENT_SECRET?: string | undefined
  readonly PAYPAL_WEBHOOK_ID?: string | undefined
  readonly PAYPAL_ENVIRONMENT?: 'sandbox' | 'live' | undefined
  readonly PAYPAL_API_BASE_URL?: string | undefined
}

/** Client id, secret and webhook id go together: without the webhook id no delivery can be verified. */
export function checkPaypalEnv(env: PaypalEnv, ctx: z.RefinementCtx): void {
  const given = [env.PAYPAL_CLIENT_ID, env.PAYPAL_CLIENT_SECRET, env.PAYPAL_WEBHOOK_ID].filter(Boolean).length
  if (given !== 0 && given !== 3) {
    ctx.addIssue({
      code: 'custom',
      path: [
        env.PAYPAL_CLIENT_ID
          ? env.PAYPAL_CLIENT_SECRET
            ? 'PAYPAL_WEBHOOK_ID'
            : 'PAYPAL_CLIENT_SECRET'
          : 'PAYPAL_CLIENT_ID',
      ],
      message: 'PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID go together',
    })
  }
}

export function readPaypalSettings(env: PaypalEnv): PaypalSettings | null {
  if (!env.PAYPAL_CLIENT_ID || !env.PAYPAL_CLIENT_SECRET || !env.PAYPAL_WEBHOOK_ID) return null
  return {
    clientId: env.PAYPAL_CLIENT_ID,
    clientSecret: env.PAYPAL_CLIENT_SECRET,
    webhookId: env.PAYPAL_WEBHOOK_ID,
    environment: env.PAYPAL_ENVIRONMENT ?? 'sandbox',
    apiBaseUrl: env.PAYPAL_API_BASE_URL ?? null,
  }
}

/** The `paypal` provider and the line the server prints about it. */
export function openPaypal(settings: PaypalSettings): {
  provider: PaypalPaymentProvider
  description: string
} {
  const client = paypalClient({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    environment: settings.environment,
    ...(settings.apiBaseUrl ? { baseUrl: settings.apiBaseUrl } : {}),
  })
  const provider = paypalPayments({
    client,
    webhookId: settings.webhookId,
    ...(settings.apiBaseUrl ? { webhookCertificateOrigins: [new URL(settings.apiBaseUrl).origin] } : {}),
  })
  const where = settings.apiBaseUrl
    ? `a PayPal-compatible server at ${settings.apiBaseUrl}`
    : `PayPal ${settings.environment}`
  return {
    provider,
    description: `payments: also PayPal (provider "paypal", Orders v2 on ${where}); webhooks at /webhooks/payments/paypal`,
  }
}
