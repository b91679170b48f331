import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logger/logger.js'
import { type BatchConsumer, createBatchConsumer } from '../outbox/batch-consumer.js'
import type { BatchPollerOptions, BatchSyncOptions } from '../outbox/batch-options.js'
import { giveBack } from '../outbox/give-back.js'
import type { Cache } from '../ports/cache.js'
import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'
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
 *
 * `sync` claims waiting `catalog.stock_status` messages, bumps the listing generation once per
 * batch, then acks them, until the outbox is empty or `maxBatches` ran; on failure the batch is
 * given back for a later retry and the error is rethrown. `start`/`stop` run it in the background.
 */
export type StockStatusApplier = BatchConsumer

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

  async function apply(claimed: readonly OutboxMessage[]): Promise<number> {
    try {
      // Bumped before the ack: a crash in between re-delivers, and a second bump is harmless.
      // A cache that fails is logged by the catalog cache and not retried: reads then fall back to
      // the listing TTL, as they do after any failed invalidation.
      await cache.invalidateListings()
      await outbox.ack({ messageIds: claimed.map((m) => m.id), now: clock.now() })
    } catch (error) {
      await giveBackBatch(claimed, error)
      throw error
    }
    return claimed.length
  }

  return createBatchConsumer({
    outbox,
    clock,
    logger,
    topic: STOCK_STATUS_TOPIC,
    leaseMs,
    defaultBatchSize: DEFAULT_STOCK_STATUS_BATCH_SIZE,
    what: 'stock status',
    apply,
  })
}
