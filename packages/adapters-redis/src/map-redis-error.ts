import { CommerceError, StorageError } from '@souk/core'

/**
 * Error replies that mean "not now" rather than "never": the slot is moving or has no master
 * (a Cluster failover or resharding that outlasted ioredis's redirects and retries), the node is
 * loading its data, is a replica, or lost its master, or a script holds the server. A retry
 * shortly after can succeed, so they map to `storage.unavailable` like a lost connection.
 */
const TRANSIENT_REPLIES = new Set([
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MOVED',
  'ASK',
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'NOREPLICAS',
  'BUSY',
])

/** What went wrong, in Souk's words: the driver's text (hosts, ports, script lines) stays in `cause`. */
const REASONS: Readonly<Record<string, string>> = {
  CLUSTERDOWN: 'the cluster is down or failing over',
  TRYAGAIN: 'the slot is being moved between nodes',
  MOVED: 'the slot moved and the redirects ran out',
  ASK: 'the slot is being moved between nodes',
  LOADING: 'the server is loading its data',
  READONLY: 'the node is a replica',
  MASTERDOWN: 'the replica lost its master',
  NOREPLICAS: 'too few replicas are connected',
  BUSY: 'the server is busy running a script',
  NOSCRIPT: 'the server does not hold the script',
  WRONGTYPE: 'a key holds a value of another type',
  CROSSSLOT: 'the keys lie in different Cluster slots',
  OOM: 'the server is out of memory',
}

/** The first word of an error reply (`CLUSTERDOWN`, `WRONGTYPE`, `ERR`, ...), upper case. */
function replyCode(error: Error): string {
  const word = error.message.split(' ', 1)[0] ?? ''
  return /^[A-Z]+$/.test(word) ? word : 'ERR'
}

/**
 * Turns an ioredis failure into a `StorageError`:
 * - `storage.unavailable` when Redis did not answer (connection lost or refused, retries or
 *   Cluster redirects exhausted, offline queue disabled) or answered with a transient error reply
 *   (`CLUSTERDOWN`, `TRYAGAIN`, `MOVED`, `LOADING`, `READONLY`, ...): a retry can succeed.
 * - `storage.failed` when Redis refused the command itself (a script error, `WRONGTYPE`, `OOM`).
 *
 * `details` holds `{ backend: 'redis', operation }` and, for an error reply, its code (`reply`);
 * the message names the operation and the reason in Souk's words. Neither carries the driver's
 * text, which may name hosts, ports or script lines: that stays in `cause`, for logs.
 * CommerceErrors pass through.
 */
export function mapRedisError(operation: string, error: unknown): CommerceError {
  if (error instanceof CommerceError) return error
  const replied = error instanceof Error && error.name === 'ReplyError'
  if (!replied) {
    return new StorageError(
      'storage.unavailable',
      `Redis ${operation} failed: Redis did not answer`,
      { backend: 'redis', operation },
      { cause: error },
    )
  }
  const reply = replyCode(error)
  return new StorageError(
    TRANSIENT_REPLIES.has(reply) ? 'storage.unavailable' : 'storage.failed',
    `Redis ${operation} failed: ${REASONS[reply] ?? 'Redis refused the command'} (${reply})`,
    { backend: 'redis', operation, reply },
    { cause: error },
  )
}

/** Runs one Redis operation and rethrows its failure through {@link mapRedisError}. */
export async function withRedisErrors<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw mapRedisError(operation, error)
  }
}
