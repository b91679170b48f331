import { request } from 'node:http'
import { WORKER_HEADER } from '../src/cluster/cluster-role.js'

/** A response read off a connection of its own. */
export interface FreshResponse<T = Record<string, unknown>> {
  readonly status: number
  readonly body: T
  /** The pid in the `x-souk-worker` header: which cluster worker answered; null without one. */
  readonly worker: number | null
  readonly setCookie: string | null
}

/**
 * One HTTP request on a new TCP connection, closed after the response. A node:cluster primary hands
 * each new connection to the next worker, so successive calls are spread over the workers, where a
 * keep-alive client would talk to one worker for good.
 */
export function freshRequest<T = Record<string, unknown>>(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<FreshResponse<T>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => {
          let body: unknown = text
          try {
            body = text ? JSON.parse(text) : null
          } catch {
            // Not JSON: keep the text.
          }
          const worker = res.headers[WORKER_HEADER]
          const cookie = res.headers['set-cookie']?.[0]
          resolve({
            status: res.statusCode ?? 0,
            body: body as T,
            worker: typeof worker === 'string' ? Number(worker) : null,
            setCookie: cookie ? cookie.split(';')[0]! : null,
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}
