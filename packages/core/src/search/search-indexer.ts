import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logger/logger.js'
import type { CurrencyCode } from '../money/currencies.js'
import { giveBack } from '../outbox/give-back.js'
import { describeError, type OutboxPoller, startOutboxPoller } from '../outbox/outbox-poller.js'
import type { KeysetCursor } from '../ports/keyset-page.js'
import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'
import type { SearchFeed } from '../ports/search-feed.js'
import type { SearchDocument, SearchIndex } from '../ports/search-index.js'
import { parseInput } from '../validation/parse-input.js'
import {
  pollerOptionsSchema,
  reindexOptionsSchema,
  searchDocumentSchema,
  syncOptionsSchema,
} from './search-schemas.js'

/** The outbox topic catalog writes use to ask for a product's document to be refreshed. */
export const SEARCH_PRODUCT_TOPIC = 'search.product'
/** Default lease on claimed outbox messages: long enough for a batch, short enough to recover soon. */
export const DEFAULT_INDEXER_LEASE_MS = 60_000
/** Default messages claimed per batch, and documents per reindex batch. */
export const DEFAULT_INDEXER_BATCH_SIZE = 200

export interface SearchIndexerDeps {
  readonly outbox: OutboxStore
  readonly index: SearchIndex
  /**
   * Where documents come from (`storage.searchFeed`). A product the feed has no document for
   * (deleted, archived, not yet active, no price in `currency`) is removed from the index.
   */
  readonly feed: SearchFeed
  /** The currency documents are priced in. */
  readonly currency: CurrencyCode
  readonly clock: Clock
  readonly logger: Logger
  /** Outbox topic to consume. Default `'search.product'`. */
  readonly topic?: string
  /** Lease on claimed messages, in ms. Default 60 000. */
  readonly leaseMs?: number
  /** First retry delay after a failed batch, in ms, doubling per attempt up to 5 minutes. Default 1000. */
  readonly retryDelayMs?: number
}

export interface SyncOptions {
  /** Messages claimed per batch. Default 200. */
  readonly batchSize?: number
  /** Stop after this many batches even if more messages wait. Default 50. */
  readonly maxBatches?: number
}

export interface SyncReport {
  /** Outbox messages claimed and acked (several may name one product). */
  readonly messages: number
  readonly upserted: number
  readonly deleted: number
  readonly batches: number
}

export interface ReindexProgress {
  /** Products processed so far. */
  readonly done: number
  /** Products to process (counted at the start; grows if products are added meanwhile). */
  readonly total: number
}

export interface ReindexOptions {
  /** Documents per batch. Default 200. */
  readonly batchSize?: number
  /** Called after the index was cleared and after every batch. */
  readonly onProgress?: (progress: ReindexProgress) => void
}

export interface PollerOptions {
  /** Pause between polls when the outbox is empty or after an error, in ms. Default 1000. */
  readonly intervalMs?: number
  /** Messages claimed per batch. Default 200. */
  readonly batchSize?: number
}

/** Keeps a search index in step with the catalog through the transactional outbox. */
export interface SearchIndexer {
  /**
   * Applies waiting outbox messages: claims them, loads each named product's current document
   * once, upserts the ones that exist, deletes the rest, then acks. Idempotent. On failure the
   * claimed messages are given back for a later retry and the error is rethrown.
   */
  sync(options?: SyncOptions): Promise<SyncReport>
  /** Runs `sync` in the background until `stop()`. Calling it while running does nothing. */
  start(options?: PollerOptions): void
  /** Stops the poller and waits for a sync in flight to finish. */
  stop(): Promise<void>
  /**
   * Rebuilds the whole index from the catalog: clears it, then upserts every product in batches.
   * Search answers with a partial index until it completes; outbox messages keep flowing.
   */
  reindex(options?: ReindexOptions): Promise<{ readonly indexed: number; readonly total: number }>
}

/** Creates the outbox-driven indexer. See {@link SearchIndexer}. */
export function createSearchIndexer(deps: SearchIndexerDeps): SearchIndexer {
  const topic = deps.topic ?? SEARCH_PRODUCT_TOPIC
  const leaseMs = deps.leaseMs ?? DEFAULT_INDEXER_LEASE_MS
  const retryDelayMs = deps.retryDelayMs ?? 1000
  const { outbox, index, feed, currency, clock, logger } = deps

  async function load(ids: readonly string[]): Promise<SearchDocument[]> {
    const wanted = new Set(ids)
    const documents = await feed.searchDocuments({ ids, currency })
    // Checked here so a loader bug is reported against the product, not as an opaque index error.
    return documents
      .filter((d) => wanted.has(d.id))
      .map((d) => parseInput(searchDocumentSchema, d, `search document ${d.id}`))
  }

  async function apply(messages: readonly OutboxMessage[]): Promise<{ upserted: number; deleted: number }> {
    const keys = [...new Set(messages.map((m) => m.key))]
    try {
      const documents = await load(keys)
      const found = new Set(documents.map((d) => d.id))
      const missing = keys.filter((key) => !found.has(key))
      if (documents.length > 0) await index.upsert(documents)
      if (missing.length > 0) await index.delete(missing)
      await outbox.ack({ messageIds: messages.map((m) => m.id), now: clock.now() })
      return { upserted: documents.length, deleted: missing.length }
    } catch (error) {
      await giveBack({
        outbox,
        clock,
        logger,
        topic,
        messages,
        error,
        retryDelayMs,
        message: 'search index sync failed; messages will be retried',
      })
      throw error
    }
  }

  async function sync(options: SyncOptions = {}): Promise<SyncReport> {
    const parsed = parseInput(syncOptionsSchema, options, 'sync options')
    const batchSize = parsed.batchSize ?? DEFAULT_INDEXER_BATCH_SIZE
    const maxBatches = parsed.maxBatches ?? 50
    let messages = 0
    let upserted = 0
    let deleted = 0
    let batches = 0
    while (batches < maxBatches) {
      const claimed = await outbox.claim({ topic, limit: batchSize, leaseMs, now: clock.now() })
      if (claimed.length === 0) break
      batches++
      const result = await apply(claimed)
      messages += claimed.length
      upserted += result.upserted
      deleted += result.deleted
      if (claimed.length < batchSize) break
    }
    if (messages > 0) logger.debug('search index synced', { topic, messages, upserted, deleted, batches })
    return { messages, upserted, deleted, batches }
  }

  let poller: OutboxPoller | undefined

  function start(options: PollerOptions = {}): void {
    if (poller) return
    const parsed = parseInput(pollerOptionsSchema, options, 'poller options')
    const intervalMs = parsed.intervalMs ?? 1000
    const batchSize = parsed.batchSize ?? DEFAULT_INDEXER_BATCH_SIZE
    poller = startOutboxPoller({
      intervalMs,
      round: async () => (await sync({ batchSize, maxBatches: 1 })).messages >= batchSize,
      onError: (error) => logger.warn('search indexer poll failed', { topic, error: describeError(error) }),
    })
  }

  async function stop(): Promise<void> {
    const stopping = poller
    poller = undefined
    await stopping?.stop()
  }

  async function reindex(options: ReindexOptions = {}) {
    const parsed = parseInput(reindexOptionsSchema, options, 'reindex options')
    const batchSize = parsed.batchSize ?? DEFAULT_INDEXER_BATCH_SIZE
    const onProgress = parsed.onProgress
    const total = await feed.countSearchableProducts()
    await index.clear()
    let done = 0
    let indexed = 0
    let after: KeysetCursor | undefined
    onProgress?.({ done, total })
    do {
      const page = await feed.listSearchableProductIds({ after, limit: batchSize })
      if (page.items.length === 0) break
      const documents = await load(page.items)
      if (documents.length > 0) await index.upsert(documents)
      done += page.items.length
      indexed += documents.length
      onProgress?.({ done, total: Math.max(total, done) })
      after = page.next ?? undefined
    } while (after)
    logger.info('search index rebuilt', { indexed, total })
    return { indexed, total: Math.max(total, done) }
  }

  return { sync, start, stop, reindex }
}
