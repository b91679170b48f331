import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logger/logger.js'
import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type BatchPollerOptions,
  type BatchSyncOptions,
  batchPollerOptionsSchema,
  batchSyncOptionsSchema,
  MAX_POLL_BACKOFF_MS,
} from './batch-options.js'
import { describeError, type OutboxPoller, startOutboxPoller } from './outbox-poller.js'

export interface BatchConsumerDeps {
  readonly outbox: Pick<OutboxStore, 'claim'>
  readonly clock: Clock
  readonly logger: Logger
  readonly topic: string
  /** Lease on claimed messages, in ms. */
  readonly leaseMs: number
  readonly defaultBatchSize: number
  /** What it does, for validation messages and logs, e.g. `'units sold'`. */
  readonly what: string
  /**
   * Handles one claimed batch and acks it (or gives it back and throws). Returns how many
   * messages it applied.
   */
  readonly apply: (claimed: readonly OutboxMessage[]) => Promise<number>
}

/** The loop every batch consumer of the outbox shares: `sync` by hand, or a background poller. */
export interface BatchConsumer {
  /** Claims and applies batches until the topic is empty or `maxBatches` (default 50) ran. */
  sync(options?: BatchSyncOptions): Promise<{ readonly applied: number }>
  /** Runs `sync` in the background, first after `intervalMs`, until `stop()`. Calling it while running does nothing. */
  start(options?: BatchPollerOptions): void
  /** Stops the poller and waits for a sync in flight to finish. */
  stop(): Promise<void>
}

/** Creates the loop around `deps.apply`. See {@link BatchConsumer}. */
export function createBatchConsumer(deps: BatchConsumerDeps): BatchConsumer {
  const { outbox, clock, logger, topic, leaseMs, defaultBatchSize, what, apply } = deps

  async function sync(options: BatchSyncOptions = {}): Promise<{ applied: number }> {
    const parsed = parseInput(batchSyncOptionsSchema, options, `${what} sync options`)
    const batchSize = parsed.batchSize ?? defaultBatchSize
    const maxBatches = parsed.maxBatches ?? 50
    let applied = 0
    let batches = 0
    while (batches < maxBatches) {
      const claimed = await outbox.claim({ topic, limit: batchSize, leaseMs, now: clock.now() })
      if (claimed.length === 0) break
      batches++
      applied += await apply(claimed)
      if (claimed.length < batchSize) break
    }
    if (applied > 0) logger.debug(`${what} applied`, { topic, messages: applied, batches })
    return { applied }
  }

  let poller: OutboxPoller | undefined

  function start(options: BatchPollerOptions = {}): void {
    if (poller) return
    const parsed = parseInput(batchPollerOptionsSchema, options, `${what} poller options`)
    const intervalMs = parsed.intervalMs ?? 1000
    const batchSize = parsed.batchSize ?? defaultBatchSize
    poller = startOutboxPoller({
      intervalMs,
      round: async () => (await sync({ batchSize, maxBatches: 1 })).applied >= batchSize,
      // The pollers are on by default, so a database that is down or not yet migrated must not
      // get a query and a log line every interval forever: back off to a minute.
      maxBackoffMs: MAX_POLL_BACKOFF_MS,
      onError: (error, failures, nextPollMs) =>
        logger.warn(`${what} poll failed`, { topic, failures, nextPollMs, error: describeError(error) }),
      // The first poll waits a full interval, in case the schema is not there yet.
      firstDelayMs: intervalMs,
    })
  }

  async function stop(): Promise<void> {
    const stopping = poller
    poller = undefined
    await stopping?.stop()
  }

  return { sync, start, stop }
}
