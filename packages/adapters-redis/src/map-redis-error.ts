import { CommerceError, StorageError } from '@souk/core'

/**
 * Turns an ioredis failure into a `StorageError`: `storage.failed` when Redis answered with an
 * error reply (a script error, a wrong type), `storage.unavailable` when it did not answer at all
 * (connection lost, retries exhausted, offline queue disabled). CommerceErrors pass through.
 */
export function mapRedisError(operation: string, error: unknown): CommerceError {
  if (error instanceof CommerceError) return error
  const message = error instanceof Error ? error.message : String(error)
  const replied = error instanceof Error && error.name === 'ReplyError'
  return new StorageError(
    replied ? 'storage.failed' : 'storage.unavailable',
    `Redis ${operation} failed: ${message}`,
    { backend: 'redis', operation },
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
