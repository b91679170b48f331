/** What the callers of one case achieved inside the measured window. */
export interface TimedRun {
  /** Operations that finished inside the window. */
  readonly ops: number
  /** Length of the window. */
  readonly seconds: number
  /** Latency of each counted operation. */
  readonly latenciesMs: readonly number[]
}

export interface TimedRunStatus {
  readonly phase: 'warm-up' | 'measuring'
  /** Seconds into the current phase. */
  readonly elapsedSeconds: number
  /** Operations counted so far (none during warm-up). */
  readonly ops: number
}

export interface TimedRunOptions {
  /** Concurrent callers, each looping `op` back to back. */
  readonly callers: number
  readonly seconds: number
  readonly warmupSeconds: number
  /** One operation by caller `caller` (0-based). A throw stops every caller and rejects the run. */
  readonly op: (caller: number) => Promise<void>
  /** Called about four times a second. */
  readonly onStatus?: (status: TimedRunStatus) => void
}

const STATUS_INTERVAL_MS = 250

/**
 * Runs `callers` loops of `op` through a warm-up and then a measured window. Throughput counts the
 * operations that finish inside the window; no caller starts one after the window closes.
 */
export async function runTimed(options: TimedRunOptions): Promise<TimedRun> {
  const { callers, seconds, warmupSeconds, op, onStatus } = options
  const startedAt = performance.now()
  const measureFrom = startedAt + warmupSeconds * 1000
  const measureUntil = measureFrom + seconds * 1000
  const latenciesMs: number[] = []
  let stopped = false

  const loop = async (caller: number) => {
    while (!stopped) {
      const began = performance.now()
      if (began >= measureUntil) return
      try {
        await op(caller)
      } catch (error) {
        stopped = true
        throw error
      }
      const ended = performance.now()
      if (ended >= measureFrom && ended <= measureUntil) latenciesMs.push(ended - began)
    }
  }

  const timer = setInterval(() => {
    const now = performance.now()
    onStatus?.(
      now < measureFrom
        ? { phase: 'warm-up', elapsedSeconds: (now - startedAt) / 1000, ops: 0 }
        : {
            phase: 'measuring',
            elapsedSeconds: (Math.min(now, measureUntil) - measureFrom) / 1000,
            ops: latenciesMs.length,
          },
    )
  }, STATUS_INTERVAL_MS)
  try {
    // allSettled, so no operation is still in flight when the caller closes its pool.
    const outcomes = await Promise.allSettled(Array.from({ length: callers }, (_, i) => loop(i)))
    const failure = outcomes.find((o) => o.status === 'rejected')
    if (failure) throw failure.reason
  } finally {
    clearInterval(timer)
  }
  return { ops: latenciesMs.length, seconds, latenciesMs }
}
