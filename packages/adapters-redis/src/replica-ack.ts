import { StorageError } from '@souk/core'
import type { ChainableCommander } from 'ioredis'
import { z } from 'zod'
import type { RedisClient } from './redis-client.js'

/** Most replicas a write may wait for: more than any sane deployment runs per master. */
export const MAX_WAIT_FOR_REPLICAS = 16

/** The `waitForReplicas` option of the adapters that write: 0 (do not wait) up to 16. */
export const waitForReplicasSchema = z.number().int().min(0).max(MAX_WAIT_FOR_REPLICAS).default(0)

/**
 * Sends one write and, right behind it in the same pipeline (so to the same node, even on a
 * Cluster, where ioredis routes a pipeline by its keys), `WAIT replicas <ms>`. Resolves the
 * write's reply once at least `replicas` replicas hold it; otherwise rejects with
 * `storage.unavailable`, although the master may have applied the write. WAIT gets four fifths of
 * `timeoutMs`, so its verdict arrives before a caller's budget of `timeoutMs` runs out.
 *
 * Why: Redis replicates asynchronously, so a master that dies right after it answered may take
 * its last writes with it, and the replica that takes over then serves what was there before. A
 * write the replicas acknowledged survives that failover (the replica with the most replicated
 * data stands for election first). With `replicas` 0 it sends the write alone (`alone()`), no WAIT.
 */
export async function sendReplicated<T>(
  redis: RedisClient,
  write: { readonly operation: string; readonly replicas: number; readonly timeoutMs: number },
  alone: () => Promise<T>,
  queue: (pipeline: ChainableCommander) => ChainableCommander,
): Promise<T> {
  const { operation, replicas } = write
  if (replicas === 0) return alone()
  const waitMs = Math.max(1, Math.floor((write.timeoutMs * 4) / 5))
  const results = await queue(redis.pipeline()).wait(replicas, waitMs).exec()
  const [sent, waited] = results ?? []
  if (!sent || !waited) throw new Error(`Redis ${operation}: the pipeline was discarded`)
  if (sent[0]) throw sent[0]
  if (waited[0]) throw waited[0]
  const acknowledged = Number(waited[1])
  if (acknowledged < replicas) {
    throw new StorageError(
      'storage.unavailable',
      `Redis ${operation} failed: ${acknowledged} of ${replicas} replica(s) acknowledged the write within ${waitMs} ms`,
      { backend: 'redis', operation, replicas, acknowledged },
    )
  }
  return sent[1] as T
}
