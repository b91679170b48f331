import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logger/logger.js'
import type { OutboxMessage, OutboxStore } from '../ports/outbox-store.js'
import { describeError } from './outbox-poller.js'

/** Longest delay before a failed batch is claimed again. */
const MAX_RETRY_DELAY_MS = 5 * 60_000

export interface GiveBackInput {
  readonly outbox: Pick<OutboxStore, 'fail'>
  readonly clock: Clock
  readonly logger: Logger
  readonly topic: string
  /** The failed batch; its highest attempt count sets the delay. */
  readonly messages: readonly OutboxMessage[]
  readonly error: unknown
  /** First retry delay in ms, doubling per attempt up to 5 minutes. */
  readonly retryDelayMs: number
  /** The log line, e.g. `'units sold not applied; messages will be retried'`. */
  readonly message: string
}

/**
 * Gives a failed batch of outbox messages back for a later retry, with a delay growing with its
 * attempts, and logs why. If giving them back fails too, that is logged and their lease runs out,
 * so they are claimed again anyway.
 */
export async function giveBack(input: GiveBackInput): Promise<void> {
  const { outbox, clock, logger, topic, messages, error } = input
  const attempts = Math.max(...messages.map((m) => m.attempts))
  const delay = Math.min(MAX_RETRY_DELAY_MS, input.retryDelayMs * 2 ** Math.min(attempts - 1, 20))
  const retryAt = new Date(clock.now().getTime() + delay)
  logger.error(input.message, {
    topic,
    messages: messages.length,
    ids: messages.slice(0, 20).map((m) => m.id),
    attempts,
    retryAt: retryAt.toISOString(),
    error: describeError(error),
  })
  await outbox
    .fail({ messageIds: messages.map((m) => m.id), error: describeError(error), retryAt })
    .catch((failError: unknown) =>
      logger.error('could not release failed outbox messages', { topic, error: describeError(failError) }),
    )
}
