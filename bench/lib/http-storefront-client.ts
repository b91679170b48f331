import { createHmac } from 'node:crypto'
import { BenchError } from './bench-error.js'

/** Headers of a request that acts for one customer. */
export type CustomerHeaders = Readonly<Record<string, string>>

/** A small JSON client for preparing the storefront's state over its own API. */
export interface StorefrontClient {
  readonly url: string
  /**
   * `x-customer-id` + `x-customer-signature`, the way a trusted backend identifies the shopper:
   * base64url(HMAC-SHA256(SESSION_SECRET, id)), as `signCustomerId` in examples/src/app/identity.ts.
   */
  customerHeaders(customerId: string): CustomerHeaders
  /** `Authorization: Bearer <ADMIN_TOKEN>` for the staff routes. */
  readonly adminHeaders: CustomerHeaders
  /** Sends a JSON request and returns the parsed body; throws a BenchError on anything but 2xx. */
  json<T>(method: string, path: string, body?: unknown, headers?: CustomerHeaders): Promise<T>
}

export function storefrontClient(url: string, sessionSecret: string, adminToken: string): StorefrontClient {
  return {
    url,
    customerHeaders(customerId) {
      const signature = createHmac('sha256', sessionSecret).update(customerId, 'utf8').digest('base64url')
      return { 'x-customer-id': customerId, 'x-customer-signature': signature }
    },
    adminHeaders: { authorization: `Bearer ${adminToken}` },
    async json<T>(method: string, path: string, body?: unknown, headers: CustomerHeaders = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      if (!res.ok) throw new BenchError(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`)
      return (text === '' ? undefined : JSON.parse(text)) as T
    },
  }
}
