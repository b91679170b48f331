import { z } from 'zod'

/** Options of one `sync()` of a batch consumer of the outbox (units sold, stock status). */
export interface BatchSyncOptions {
  /** Messages claimed per batch. Default 500. */
  readonly batchSize?: number
  /** Stop after this many batches even if more messages wait. Default 50. */
  readonly maxBatches?: number
}

/** Options of a batch consumer's background poller. */
export interface BatchPollerOptions {
  /** Pause between polls when the outbox is empty or after an error, in ms. Default 1000. */
  readonly intervalMs?: number
  /** Messages claimed per batch. Default 500. */
  readonly batchSize?: number
}

/** Longest pause of a batch consumer's poller after consecutive failures. */
export const MAX_POLL_BACKOFF_MS = 60_000

const batchSizeSchema = z.number().int().min(1).max(10_000)
export const batchSyncOptionsSchema = z.strictObject({
  batchSize: batchSizeSchema.optional(),
  maxBatches: z.number().int().min(1).max(10_000).optional(),
})
export const batchPollerOptionsSchema = z.strictObject({
  intervalMs: z.number().int().min(1).max(3_600_000).optional(),
  batchSize: batchSizeSchema.optional(),
})
