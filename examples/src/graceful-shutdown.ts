import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { errorBody } from './app/http-error.js'

export interface ShutdownStep {
  readonly name: string
  run(): Promise<unknown>
}

/**
 * Counts the requests being served and, once draining, turns new ones away. Node keeps serving
 * requests that arrive on open keep-alive connections after `server.close()`; without this gate they
 * would run while the database is being closed under them and fail half-way.
 */
export interface RequestTracker {
  /** True once shutdown began. */
  readonly draining: boolean
  /** Requests accepted and not finished yet. */
  readonly inFlight: number
  /** Requests answered 503 because they arrived while draining. */
  readonly refused: number
  /**
   * Connect-style middleware, for the `http.Server` request listener before the app: counts the
   * request, or, while draining, answers 503 with `Connection: close`.
   */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void
  /** Starts draining: requests still in flight get `Connection: close` on their response. */
  startDraining(): void
  /** Resolves once no request is in flight. */
  idle(): Promise<void>
}

export function trackRequests(): RequestTracker {
  const inFlight = new Set<ServerResponse>()
  let draining = false
  let refused = 0
  let waiters: (() => void)[] = []
  const settle = () => {
    if (inFlight.size > 0) return
    for (const wake of waiters) wake()
    waiters = []
  }
  return {
    get draining() {
      return draining
    },
    get inFlight() {
      return inFlight.size
    },
    get refused() {
      return refused
    },
    handle(req, res, next) {
      if (draining) {
        refused++
        const requestId = randomUUID()
        res.shouldKeepAlive = false
        res.writeHead(503, {
          connection: 'close',
          'content-type': 'application/json; charset=utf-8',
          'retry-after': '1',
          'x-request-id': requestId,
        })
        res.end(
          JSON.stringify(
            errorBody('service.draining', 'This server is shutting down; retry the request', requestId),
          ),
        )
        // Unread body bytes would otherwise keep the socket waiting.
        req.resume()
        return
      }
      inFlight.add(res)
      res.once('close', () => {
        inFlight.delete(res)
        settle()
      })
      next()
    },
    startDraining() {
      draining = true
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('connection', 'close')
      }
    },
    idle() {
      return inFlight.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))
    },
  }
}

export interface GracefulShutdownPlan {
  readonly server: Server
  readonly requests: RequestTracker
  /** Run first, before waiting for requests: what starts new work (background jobs). */
  readonly stopFirst: readonly ShutdownStep[]
  /** Run once no request is in flight (or the grace time is up): commerce.close(), clients. */
  readonly closeAfter: readonly ShutdownStep[]
}

export interface GracefulShutdownOptions {
  /** How long requests in flight may take before their connections are cut. Default 10 000 ms. */
  readonly graceMs?: number
  /** Where progress lines go. Default: stdout. */
  readonly print?: (line: string) => void
}

/**
 * Drains and stops the server: turns new requests away (503, `Connection: close`), closes idle
 * keep-alive connections at once, stops `stopFirst` (background jobs), waits for requests in flight
 * (at most `graceMs`, then cuts their connections), runs `closeAfter` in order. Resolves with the
 * exit code: 0, or 1 when a step failed or a request had to be cut off.
 */
export async function shutDownGracefully(
  plan: GracefulShutdownPlan,
  options: GracefulShutdownOptions = {},
): Promise<number> {
  const { server, requests } = plan
  const graceMs = options.graceMs ?? 10_000
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  requests.startDraining()
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()

  let failed = false
  const run = async (steps: readonly ShutdownStep[]) => {
    for (const step of steps) {
      try {
        await step.run()
      } catch (error) {
        failed = true
        print(`shutdown step ${step.name} failed: ${String(error)}`)
      }
    }
  }
  let timer: NodeJS.Timeout | undefined
  const graceUp = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs)
  })
  // A job stuck in its run must not hold the requests' grace time hostage either.
  await Promise.race([run(plan.stopFirst), graceUp])
  const outcome = await Promise.race([requests.idle().then(() => 'idle' as const), graceUp])
  clearTimeout(timer)
  if (outcome === 'timeout') {
    failed = true
    print(`grace time of ${graceMs} ms is up: cutting off ${requests.inFlight} requests in flight`)
  }
  // Whatever is still open is idle now (or out of time): nothing left to wait for.
  server.closeAllConnections()
  await closed
  await run(plan.closeAfter)
  print(`drained: ${requests.refused} requests refused while draining`)
  print('stopped')
  return failed ? 1 : 0
}

/**
 * On SIGTERM or SIGINT: `shutDownGracefully`, then exit with its code. A second signal exits at once.
 * Returns a function that starts the same shutdown for another reason (a cluster worker's primary
 * asking, or going away); once shutdown began it does nothing.
 */
export function installGracefulShutdown(
  plan: GracefulShutdownPlan,
  options: GracefulShutdownOptions = {},
): (reason: string) => void {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  let stopping = false
  const begin = (reason: string) => {
    if (stopping) return
    stopping = true
    print(`${reason}: no new connections; finishing requests in flight`)
    // Closing clients has no timeout of its own; a hung close must not keep the process alive.
    setTimeout(
      () => {
        print('shutdown took too long: exiting now')
        process.exit(1)
      },
      (options.graceMs ?? 10_000) + 10_000,
    ).unref()
    void shutDownGracefully(plan, { ...options, print }).then(
      (code) => process.exit(code),
      (error: unknown) => {
        print(`shutdown failed: ${String(error)}`)
        process.exit(1)
      },
    )
  }
  // Only a second signal cuts the drain short: Ctrl-C reaches a cluster worker both as SIGINT and
  // as its primary's message, in either order.
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      print(`${signal} again: exiting now`)
      process.exit(1)
    }
    signalled = true
    begin(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return begin
}
