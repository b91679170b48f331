/** A message to write to the outbox, usually in the same transaction as the change it announces. */
export interface NewOutboxMessage {
  /** What kind of work it asks for, e.g. `'search.product'`. */
  readonly topic: string
  /** The entity it is about, e.g. a product id. Workers may merge messages with the same key. */
  readonly key: string
  /** JSON-serialisable. */
  readonly payload: unknown
}

/** A message handed to a worker by `claim`. */
export interface OutboxMessage {
  /** Opaque, unique, increasing in write order. */
  readonly id: string
  readonly topic: string
  readonly key: string
  readonly payload: unknown
  /** How many times it has been claimed, this claim included. */
  readonly attempts: number
}

/**
 * The transactional outbox, delivered at least once. A worker claims messages under a lease,
 * does the work, then acks them; a worker that dies before acking loses its lease when it
 * expires, and the messages are claimed again. Work must therefore be idempotent.
 * Contract: `@souk/core/testing`'s `outboxStoreSuite`.
 */
export interface OutboxStore {
  /** Writes `messages`, available from `now`. Returns their ids in the order given. */
  enqueue(input: { messages: readonly NewOutboxMessage[]; now: Date }): Promise<string[]>
  /**
   * Claims up to `limit` unacked messages of `topic` that are available at `now` and not leased,
   * oldest first, and leases them until `now + leaseMs`. Two claims never hold one message, and a
   * key whose message is leased to one claim is held back from every other claim until that lease
   * ends, so two workers never work on the same key at once. The domain events' topic
   * (`'commerce.event'`) is read through the event log (durable subscribers), never claimed: a
   * store may return nothing for it.
   */
  claim(input: { topic: string; limit: number; leaseMs: number; now: Date }): Promise<OutboxMessage[]>
  /**
   * Marks messages `messageIds` done as of `now`; they are never claimed again. Unknown or already
   * acked ids are ignored.
   * Returns how many of them this call marked done: a worker whose lease ran out can learn that
   * another worker acked first (inside a transaction, after that worker's transaction commits) and
   * roll back work that must not happen twice.
   */
  ack(input: { messageIds: readonly string[]; now: Date }): Promise<number>
  /**
   * Gives messages `messageIds` back after a failed attempt: their lease ends, `error` is kept for
   * operators, and they are claimable again from `retryAt`. Acked ids are ignored.
   */
  fail(input: { messageIds: readonly string[]; error: string; retryAt: Date }): Promise<void>
  /**
   * Retention, so the outbox does not grow without bound: deletes up to `limit` messages that were
   * acked before `before`, and messages of the `logTopics` (kept for a retention window whether or
   * not anyone consumed them, e.g. domain events) written before `before`. Returns how many.
   */
  purge(input: { before: Date; logTopics: readonly string[]; limit: number }): Promise<number>
}
