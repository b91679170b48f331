import http from 'node:http'
import https from 'node:https'
import { guardedLookup, type WebhookUrlPolicy, webhookUrlProblem } from './webhook-url-policy.js'

/** One POST of a signed body. */
export interface WebhookRequest {
  readonly url: string
  /** The exact JSON text that was signed. */
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
  /** Longest wait for the receiver's status line, connecting included. */
  readonly timeoutMs: number
  readonly policy: WebhookUrlPolicy
  /** Aborts the request (the server is shutting down). */
  readonly signal?: AbortSignal
}

/**
 * A delivery that did not get a 2xx. Its message becomes the dead letter's `lastError`, which
 * staff read through the admin API: it names the status or the network failure, never the
 * receiver's response body.
 */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError'
}

// Connections are kept for the next delivery to the same receiver, but closed after 4 s idle:
// before the 5 s after which Node servers (and many proxies) close them, so a delivery seldom
// meets a connection the receiver is closing at that moment (it would fail as a reset).
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4000 }),
} as const

/**
 * POSTs the body and resolves with the status when the receiver answers 2xx; rejects with
 * {@link WebhookDeliveryError} for any other status (redirects are not followed, as Stripe does not),
 * a timeout, a refused URL or address, or a network error. The response body is drained unread.
 */
export function sendWebhook(request: WebhookRequest): Promise<number> {
  const problem = webhookUrlProblem(request.url, request.policy)
  if (problem) return Promise.reject(new WebhookDeliveryError(`refused: the URL ${problem}`))
  const target = new URL(request.url)
  const secure = target.protocol === 'https:'
  const transport = secure ? https : http
  const timeout = AbortSignal.timeout(request.timeoutMs)
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout

  return new Promise<number>((resolve, reject) => {
    const outgoing = transport.request(
      target,
      {
        method: 'POST',
        agent: AGENTS[secure ? 'https:' : 'http:'],
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        signal,
        // The address actually connected to is checked, not only the name that was registered.
        ...(request.policy.allowPrivateUrls ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0
        // Drained so the keep-alive connection can be reused; its content is not needed.
        response.on('error', () => undefined).resume()
        if (status >= 200 && status < 300) resolve(status)
        else
          reject(
            new WebhookDeliveryError(
              `receiver answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`,
            ),
          )
      },
    )
    // `on`, not `once`: an abort after the answer (the deadline passing while the body drains)
    // errors the request again, after the promise settled; that must not go unhandled.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (timeout.aborted) reject(new WebhookDeliveryError(`no answer within ${request.timeoutMs} ms`))
      else if (request.signal?.aborted)
        reject(new WebhookDeliveryError('stopped: the server is shutting down'))
      else if (error.code === 'EWEBHOOKADDRESS') reject(new WebhookDeliveryError(`refused: ${error.message}`))
      else reject(new WebhookDeliveryError(`could not reach the receiver (${error.code ?? error.message})`))
    })
    outgoing.end(request.body)
  })
}
