/**
 * A key-value cache for read-through catalog reads. Values are JSON-serialisable. A cache may
 * forget anything at any time; correctness never depends on it.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>
  /** @param ttlMs time to live in milliseconds. */
  set<T>(key: string, value: T, ttlMs: number): Promise<void>
  delete(keys: readonly string[]): Promise<void>
  /** Atomically increments a counter (used for namespace versions that invalidate listings). */
  increment(key: string): Promise<number>
}
