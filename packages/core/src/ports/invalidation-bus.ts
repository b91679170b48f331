/**
 * Carries cache invalidations between processes: what one process changed in a shared cache, every
 * other process drops from its own in-process copy (see `createTieredCache`). A bus is one
 * process's connection to a channel; the processes of one deployment open one bus each on the same
 * channel (for Redis: `redisInvalidationBus`, pub/sub).
 *
 * A bus may lose messages only while a subscription is not live, and says so: a listener that was
 * told `live(false)` must treat everything it holds as possibly stale until `live(true)`.
 */
export interface InvalidationBus {
  /**
   * Sends `keys` to every live subscription of every other bus on the channel; this bus's own
   * subscriptions do not receive it (their process applied the change already). An empty list
   * sends nothing. Throws `StorageError` when the transport is unreachable (nobody else heard it),
   * `ValidationError` for an empty key.
   *
   * With `wait: 'applied'` (the default) it resolves once every subscription that received the
   * message has called its listener, so a process that reads after the call returned sees the
   * invalidation applied everywhere; a bus may bound that wait (a receiver that never confirms is
   * then reported, not waited for). With `wait: 'sent'` it resolves once the transport took the
   * message: subscriptions that were live then receive it, a moment later.
   */
  publish(keys: readonly string[], options?: PublishOptions): Promise<void>
  /**
   * Starts delivering other buses' publications to `listener`. The subscription starts not live and
   * calls `listener.live(true)` once every later publication will reach it; it calls `live(false)`
   * when it may miss publications (its connection dropped) and `live(true)` again once it is back.
   * Never throws: failures to (re)subscribe show as a subscription that stays not live.
   */
  subscribe(listener: InvalidationListener): InvalidationSubscription
  /** Ends every subscription and releases what the bus opened itself (never clients it was given). */
  close(): Promise<void>
}

export interface PublishOptions {
  /** `'applied'`: until every receiver applied it (default); `'sent'`: until the transport took it. */
  readonly wait?: 'applied' | 'sent'
}

export interface InvalidationListener {
  /** Keys another process invalidated. Called synchronously as messages arrive, in publication order. */
  invalidated(keys: readonly string[]): void
  /** The subscription became live (`true`) or may be missing publications (`false`). */
  live(live: boolean): void
}

export interface InvalidationSubscription {
  /** True while every publication reaches the listener. */
  readonly live: boolean
  /** Stops delivery to this listener; `live(false)` is not called for it. */
  close(): Promise<void>
}
