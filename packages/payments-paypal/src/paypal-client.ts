import { type AgentOptions, Agent as HttpsAgent } from 'node:https'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { Client, Environment } from '@paypal/paypal-server-sdk'
import { parseConfig } from '@souk/core'
import { z } from 'zod'

/** Options of {@link paypalClient}. */
export interface PaypalClientConfig {
  /** The REST app's client id (developer dashboard → Apps & Credentials). */
  readonly clientId: string
  readonly clientSecret: string
  /** `sandbox` (default) or `live`: which of PayPal's API hosts the SDK calls. */
  readonly environment?: 'sandbox' | 'live'
  /**
   * Send the SDK's requests to this origin instead of PayPal's (e.g. `http://127.0.0.1:4010`, a
   * PayPal-compatible test server). The SDK has no base-URL option of its own (only its two
   * environments), so this routes its connections through an `https.Agent` that dials this origin:
   * plain TCP for `http:`, TLS for `https:`. Never set it in production. Default: unset.
   */
  readonly baseUrl?: string
  /** Per-request timeout in ms. Default 30 000. */
  readonly timeoutMs?: number
}

const configSchema = z.strictObject({
  clientId: z.string().min(1, 'clientId must not be empty'),
  clientSecret: z.string().min(1, 'clientSecret must not be empty'),
  environment: z.enum(['sandbox', 'live']).optional(),
  baseUrl: z
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'baseUrl must be http: or https:')
    .optional(),
  timeoutMs: z.number().int().positive().optional(),
})

/** An `https.Agent` whose connections go to `origin` whatever host the request names. */
class RedirectingAgent extends HttpsAgent {
  readonly #target: URL
  constructor(target: URL, options: AgentOptions) {
    super(options)
    this.#target = target
  }
  override createConnection(): Socket {
    const secure = this.#target.protocol === 'https:'
    const host = this.#target.hostname.replace(/^\[|\]$/g, '')
    const port = Number(this.#target.port || (secure ? 443 : 80))
    return secure ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port })
  }
}

/**
 * A `@paypal/paypal-server-sdk` `Client` with OAuth client credentials (the SDK fetches and renews
 * the access token itself). Its own retries are off: `paypalPayments` retries failed calls with
 * the same `PayPal-Request-Id`. Throws `ConfigError` (`config.invalid`) for invalid options.
 */
export function paypalClient(config: PaypalClientConfig): Client {
  const parsed = parseConfig(configSchema, config, 'paypalClient config')
  const timeout = parsed.timeoutMs ?? 30_000
  return new Client({
    clientCredentialsAuthCredentials: {
      oAuthClientId: parsed.clientId,
      oAuthClientSecret: parsed.clientSecret,
    },
    environment: parsed.environment === 'live' ? Environment.Production : Environment.Sandbox,
    timeout,
    httpClientOptions: {
      timeout,
      retryConfig: { maxNumberOfRetries: 0 },
      ...(parsed.baseUrl === undefined
        ? {}
        : { httpsAgent: new RedirectingAgent(new URL(parsed.baseUrl), { keepAlive: false }) }),
    },
  })
}
