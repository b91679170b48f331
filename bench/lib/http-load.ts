import autocannon from 'autocannon'
import { BenchError } from './bench-error.js'

/** One HTTP request autocannon sends; `setupRequest` builds it anew before every send. */
export type HttpRequest = autocannon.Request

export interface HttpLoadOptions {
  /** The server's origin, e.g. `http://127.0.0.1:4123`. */
  readonly url: string
  readonly connections: number
  readonly seconds: number
  /**
   * The requests connection `connection` (0-based) loops over. Each connection gets its own list,
   * so a case can give every connection its own cart and customer.
   */
  readonly requestsFor: (connection: number) => HttpRequest[]
  /** Stops the run early (Ctrl-C); the result then covers the time run so far. */
  readonly signal?: AbortSignal
  /** Called about four times a second with the seconds run and the responses so far. */
  readonly onTick?: (elapsedSeconds: number, responses: number) => void
}

/** What one autocannon run achieved. */
export interface HttpLoadResult {
  /** 2xx responses: the operations the case counts. */
  readonly ok: number
  /** Wall-clock seconds from the start of the run to its end. */
  readonly seconds: number
  /** Latency of every 2xx response, in milliseconds with sub-millisecond precision. */
  readonly latenciesMs: readonly number[]
  /** Responses by status code, 2xx included. */
  readonly statuses: Readonly<Record<string, number>>
  /** Responses that were not 2xx. */
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
  readonly timeouts: number
}

/** A handle on a running load, so a case can end it early (e.g. when it runs out of prepared carts). */
export interface HttpLoad {
  stop(): void
  /** 2xx responses and seconds so far. */
  progress(): { ok: number; seconds: number }
  readonly done: Promise<HttpLoadResult>
}

/**
 * Runs autocannon (programmatic API, no pipelining) for `seconds` with `connections` keep-alive
 * connections. Latencies come from autocannon's per-response event rather than its histogram,
 * which keeps whole milliseconds only: too coarse for targets such as p50 ≤ 2.4 ms.
 */
export function startHttpLoad(options: HttpLoadOptions): HttpLoad {
  const { url, connections, seconds, requestsFor, signal, onTick } = options
  const latenciesMs: number[] = []
  const statuses: Record<string, number> = {}
  let non2xx = 0
  let nextConnection = 0
  const startedAt = performance.now()

  let settle: { resolve: (r: HttpLoadResult) => void; reject: (e: unknown) => void } | undefined
  const done = new Promise<HttpLoadResult>((resolve, reject) => {
    settle = { resolve, reject }
  })
  const instance = autocannon(
    {
      url,
      connections,
      duration: seconds,
      pipelining: 1,
      // The placeholder is replaced in setupClient, before the connection sends anything.
      requests: [{ method: 'GET', path: '/healthz' }],
      setupClient(client) {
        client.setRequests(requestsFor(nextConnection++))
      },
      // Aggregation and the console table are autocannon's CLI; the figures are computed here.
      skipAggregateResult: true,
    },
    (error: unknown, result: autocannon.Result) => {
      clearInterval(timer)
      signal?.removeEventListener('abort', stop)
      if (error) {
        settle?.reject(error)
        return
      }
      settle?.resolve({
        ok: latenciesMs.length,
        seconds: (performance.now() - startedAt) / 1000,
        latenciesMs,
        statuses,
        non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      })
    },
  )
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const key = String(statusCode)
    statuses[key] = (statuses[key] ?? 0) + 1
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime)
    else non2xx++
  })
  const timer = setInterval(() => onTick?.((performance.now() - startedAt) / 1000, latenciesMs.length), 250)
  const stop = () => instance.stop()
  signal?.addEventListener('abort', stop, { once: true })
  const progress = () => ({ ok: latenciesMs.length, seconds: (performance.now() - startedAt) / 1000 })
  return { stop, progress, done }
}

/** `startHttpLoad` run to its end. */
export function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  if (options.connections < 1) throw new BenchError('an HTTP load needs at least one connection')
  return startHttpLoad(options).done
}
