import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logger/logger.js'
import {
  type BatchPollerOptions,
  type BatchSyncOptions,
  batchPollerOptionsSchema,
  batchSyncOptionsSchema,
  MAX_POLL_BACKOFF_MS,
} from '../outbox/batch-options.js'
import { giveBack } from '../outbox/give-back.js'
import { describeError, type OutboxPoller, startOutboxPoller } from '../outbox/outbox-poller.js'
import type { Cache } from '../ports/cache.js'
import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'
import { parseInput } from '../validation/parse-input.js'
import { createCatalogCache } from './catalog-cache.js'

/**
 * The outbox topic storage writes when a product's in-stock flag flips, keyed by the product id,
 * with payload `{ inStock }`, in the transaction that moved the stock (Postgres: migration 011's
 * triggers). The stock-status applier consumes it to drop cached listings.
 */
export const STOCK_STATUS_TOPIC = 'catalog.stock_status'
/** Default lease on claimed messages: a batch is one cache bump and one ack. */
export const DEFAULT_STOCK_STATUS_LEASE_MS = 30_000
/** Default messages claimed per batch. */
export const DEFAULT_STOCK_STATUS_BATCH_SIZE = 500

export interface StockStatusApplierDeps {
  readonly outbox: Pick<OutboxStore, 'claim' | 'ack' | 'fail'>
  /** The cache the catalog service reads through; its listing generation is what gets bumped. */
  readonly cache: Cache
  readonly clock: Clock
  readonly logger: Logger
  /** Lease on claimed messages, in ms. Default 30 000. */
  readonly leaseMs?: number
  /** First retry delay after a failed batch, in ms, doubling per attempt up to 5 minutes. Default 1000. */
  readonly retryDelayMs?: number
}

export type StockStatusSyncOptions = BatchSyncOptions

export type StockStatusPollerOptions = BatchPollerOptions

/**
 * Makes in-stock flips reach cached listings within one poll instead of the listing TTL.
 *
 * Listings, the category tree and recommendations live under one listing generation (see
 * `CatalogCache`), and a summary's `inStock` is part of them, so a batch of flips bumps that
 * generation once. Product reads need nothing: their availability is read live on every
 * `getProduct`. The bump goes to the cache the catalog reads through, so a shared cache (Redis) is
 * invalidated once for every process; a per-process memory cache is invalidated only in the process
 * that claimed the message, and the others show the flip when their listing TTL ends.
 */
export interface StockStatusApplier {
  /**
   * Claims waiting `catalog.stock_status` messages, bumps the listing generation once per batch,
   * then acks them. Repeats until the outbox is empty or `maxBatches` ran. On failure the batch is
   * given back for a later retry and the error is rethrown. Returns how many messages it applied.
   */
  sync(options?: StockStatusSyncOptions): Promise<{ readonly applied: number }>
  /** Runs `sync` in the background, first after `intervalMs`, until `stop()`. Calling it while running does nothing. */
  start(options?: StockStatusPollerOptions): void
  /** Stops the poller and waits for a sync in flight to finish. */
  stop(): Promise<void>
}

/** Creates the applier. See {@link StockStatusApplier}. */
export function createStockStatusApplier(deps: StockStatusApplierDeps): StockStatusApplier {
  const { outbox, clock, logger } = deps
  const cache = createCatalogCache(deps.cache, logger)
  const leaseMs = deps.leaseMs ?? DEFAULT_STOCK_STATUS_LEASE_MS
  const retryDelayMs = deps.retryDelayMs ?? 1000

  const giveBackBatch = (messages: readonly OutboxMessage[], error: unknown) =>
    giveBack({
      outbox,
      clock,
      logger,
      topic: STOCK_STATUS_TOPIC,
      messages,
      error,
      retryDelayMs,
      message: 'stock status not applied; messages will be retried',
    })

  async function apply(claimed: readonly OutboxMessage[]): Promise<void> {
    try {
      // Bumped before the ack: a crash in between re-delivers, and a second bump is harmless.
      // A cache that fails is logged by the catalog cache and not retried: reads then fall back to
      // the listing TTL, as they do after any failed invalidation.
      await cache.invalidateListings()
      await outbox.ack(
        claimed.map((m) => m.id),
        clock.now(),
      )
    } catch (error) {
      await giveBackBatch(claimed, error)
      throw error
    }
  }

  async function sync(options: StockStatusSyncOptions = {}): Promise<{ applied: number }> {
    const parsed = parseInput(batchSyncOptionsSchema, options, 'stock status sync options')
    const batchSize = parsed.batchSize ?? DEFAULT_STOCK_STATUS_BATCH_SIZE
    const maxBatches = parsed.maxBatches ?? 50
    let applied = 0
    for (let batch = 0; batch < maxBatches; batch++) {
      const claimed = await outbox.claim(STOCK_STATUS_TOPIC, batchSize, leaseMs, clock.now())
      if (claimed.length === 0) break
      await apply(claimed)
      applied += claimed.length
      if (claimed.length < batchSize) break
    }
    if (applied > 0) logger.debug('stock status applied', { topic: STOCK_STATUS_TOPIC, messages: applied })
    return { applied }
  }

  let poller: OutboxPoller | undefined

  function start(options: StockStatusPollerOptions = {}): void {
    if (poller) return
    const parsed = parseInput(batchPollerOptionsSchema, options, 'stock status poller options')
    const intervalMs = parsed.intervalMs ?? 1000
    const batchSize = parsed.batchSize ?? DEFAULT_STOCK_STATUS_BATCH_SIZE
    poller = startOutboxPoller({
      intervalMs,
      round: async () => (await sync({ batchSize, maxBatches: 1 })).applied >= batchSize,
      // On by default like the units-sold poller: a database that is down or not migrated yet
      // gets a query a minute, not one per interval.
      maxBackoffMs: MAX_POLL_BACKOFF_MS,
      onError: (error, failures, nextPollMs) =>
        logger.warn('stock status poll failed', {
          topic: STOCK_STATUS_TOPIC,
          failures,
          nextPollMs,
          error: describeError(error),
        }),
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
