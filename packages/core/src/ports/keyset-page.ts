/**
 * A position in a keyset-paginated listing: the last row's sort key (as text the adapter chose,
 * exact, e.g. a timestamp with microseconds) and its id, the tie-breaker. The service turns it into
 * an opaque string for callers. Every list call of every port takes one as `after` and returns the
 * next one as `next`.
 */
export interface KeysetCursor {
  readonly sort: string
  readonly key: string
  readonly id: string
}

/** What a port's list call returns: a page of rows and where the following page starts. */
export interface KeysetPage<T> {
  readonly items: T[]
  /** Pass as `after` for the following page; null on the last page. */
  readonly next: KeysetCursor | null
}
