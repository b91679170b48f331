import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '@souk/core'
import { createTestDatabase, type TestDatabase } from '@souk/test-harness'
import type { Express } from 'express'
import { createApp, type LogLine } from '../src/app/create-app.js'
import { signCustomerId } from '../src/app/identity.js'
import { type SeedReport, seedDemo } from '../src/seed/seed-demo.js'
import { type OpenedCommerce, openCommerce } from '../src/wiring/open-commerce.js'
import { postgresStats } from '../src/wiring/postgres-stats.js'
import { loadStorefrontConfig } from '../src/wiring/storefront-config.js'

export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public')
export const SESSION_SECRET = 'test-session-secret-0123456789'
export const ADMIN_TOKEN = 'test-admin-token-0123456789'

export interface RunningStorefront {
  readonly baseUrl: string
  /** The Express app being served (its router stack lists every route). */
  readonly app: Express
  readonly opened: OpenedCommerce
  readonly database: TestDatabase
  readonly seed: SeedReport
  /** Request log lines the app wrote. */
  readonly logs: LogLine[]
  close(): Promise<void>
}

/**
 * The example server as `pnpm start` wires it (openCommerce from environment-style config), on a
 * fresh database of the real PostgreSQL, seeded with a small demo catalog, listening on a free port.
 */
export async function startStorefront(
  options: { products?: number; seed?: string; env?: Record<string, string> } = {},
): Promise<RunningStorefront> {
  const database = await createTestDatabase('examples')
  const config = loadStorefrontConfig({
    ...options.env,
    DATABASE_URL: database.url,
    SESSION_SECRET,
    ADMIN_TOKEN,
  })
  const opened = await openCommerce(config, silentLogger)
  await opened.commerce.migrate()
  const seed = await seedDemo(opened.commerce, opened.storage, {
    products: options.products ?? 60,
    seed: options.seed ?? 'tests',
  })
  const logs: LogLine[] = []
  const { app } = createApp(opened.commerce, {
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    stats: postgresStats(opened.storage),
    publicDir: PUBLIC_DIR,
    testPayments: opened.testPayments !== null,
    paypal: opened.paypal,
    bodyLimit: '100kb',
    log: (line) => logs.push(line),
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app,
    opened,
    database,
    seed,
    logs,
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await opened.close()
      await database.drop()
    },
  }
}

export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
}

/** A tiny HTTP client that keeps the session cookie, like a browser tab. */
export class Client {
  private cookie = ''
  constructor(
    private readonly baseUrl: string,
    private readonly defaults: Record<string, string> = {},
  ) {}

  /** A client that signs every request as `customerId` with the header pair instead of the cookie. */
  static signedAs(baseUrl: string, customerId: string): Client {
    return new Client(baseUrl, {
      'x-customer-id': customerId,
      'x-customer-signature': signCustomerId(SESSION_SECRET, customerId),
    })
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { ...this.defaults, ...options.headers }
    if (this.cookie) headers.cookie = this.cookie
    let body: string | Uint8Array | undefined
    if (options.raw !== undefined) body = options.raw
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body })
    const setCookie = response.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]!
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // Not JSON (metrics, HTML): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T }
  }

  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, { headers })
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, { body, headers })
  }
  put<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, { body })
  }
  patch<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, { body })
  }
  delete<T = Record<string, unknown>>(path: string) {
    return this.request<T>('DELETE', path)
  }
}

export const US_ADDRESS = {
  name: 'Ada Shopper',
  line1: '1 Main Street',
  city: 'Austin',
  region: 'TX',
  postalCode: '73301',
  country: 'US',
}
