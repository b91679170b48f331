import type { Commerce, Logger } from '@souk/core'

export interface BackgroundJobs {
  /** Stops the timers and waits for a job in flight. */
  stop(): Promise<void>
}

interface Job {
  readonly name: string
  readonly everyMs: number
  run(): Promise<unknown>
}

/**
 * The periodic work a Souk host runs beside its web server: applying catalog changes to the
 * search index (outbox → index), recovering checkouts a crash interrupted, and deleting expired
 * carts. Each job runs at most once at a time; a failure is logged and retried on the next tick.
 */
export function startBackgroundJobs(commerce: Commerce, logger: Logger): BackgroundJobs {
  const jobs: Job[] = [
    { name: 'search.sync', everyMs: 1000, run: () => commerce.search.sync() },
    { name: 'checkout.recover', everyMs: 60_000, run: () => commerce.checkout.recover() },
    { name: 'cart.deleteExpired', everyMs: 3_600_000, run: () => commerce.cart.deleteExpired() },
  ]
  const running = new Set<Promise<unknown>>()
  const timers = jobs.map((job) => {
    let busy = false
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      const run = job
        .run()
        .catch((error: unknown) =>
          logger.error('background job failed', { job: job.name, error: String(error) }),
        )
        .finally(() => {
          busy = false
          running.delete(run)
        })
      running.add(run)
    }, job.everyMs)
    timer.unref()
    return timer
  })
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer)
      await Promise.allSettled([...running])
    },
  }
}
