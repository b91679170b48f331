/** Longest text of an error kept for operators and logs. */
const MAX_ERROR_LENGTH = 2000

/** An error as one bounded line, for `last_error` columns and log fields. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return text.slice(0, MAX_ERROR_LENGTH)
}

export interface OutboxPollerOptions {
  /** Delay between rounds that found less than a full batch, in ms. */
  readonly intervalMs: number
  /** One round of work; resolves true when it handled a full batch, so more may wait. */
  readonly round: () => Promise<boolean>
  /** Told about a failed round, with how many failed in a row and when the next one runs. */
  readonly onError: (error: unknown, failures: number, nextPollMs: number) => void
  /** Longest delay after consecutive failures, doubling from `intervalMs`. Default `intervalMs`. */
  readonly maxBackoffMs?: number
  /** Delay before the first round, in ms. Default 0. */
  readonly firstDelayMs?: number
}

export interface OutboxPoller {
  /** Stops scheduling rounds and waits for the one in flight. */
  stop(): Promise<void>
}

/**
 * Runs an outbox consumer's rounds on a timer: at once again after a full batch, after
 * `intervalMs` otherwise, backing off after failures. Its timer never keeps the process alive, and
 * a stopped poller's round in flight never schedules another.
 */
export function startOutboxPoller(options: OutboxPollerOptions): OutboxPoller {
  const { intervalMs, round, onError } = options
  const maxBackoffMs = options.maxBackoffMs ?? intervalMs
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight: Promise<unknown> | undefined
  let failures = 0

  const schedule = (delay: number) => {
    if (stopped) return
    timer = setTimeout(tick, delay)
    timer.unref?.()
  }
  const tick = () => {
    const current = round().then(
      (full) => {
        failures = 0
        return full ? 0 : intervalMs
      },
      (error: unknown) => {
        failures++
        const delay = Math.max(
          intervalMs,
          Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures - 1, 20)),
        )
        onError(error, failures, delay)
        return delay
      },
    )
    inFlight = current
    void current.then((delay) => {
      if (inFlight === current) inFlight = undefined
      schedule(delay)
    })
  }
  schedule(options.firstDelayMs ?? 0)

  return {
    async stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      await inFlight
    },
  }
}
