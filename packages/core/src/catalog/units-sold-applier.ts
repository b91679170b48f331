import type { Clock } from '../clock/clock.js'
import { ConflictError } from '../errors/error-classes.js'
import type { Logger } from '../logger/logger.js'
import { type BatchConsumer, createBatchConsumer } from '../outbox/batch-consumer.js'
import type { BatchPollerOptions, BatchSyncOptions } from '../outbox/batch-options.js'
import { giveBack } from '../outbox/give-back.js'
import type { OutboxMessage } from '../ports/outbox-store.js'
import type { Storage } from '../ports/storage.js'
import { UNITS_SOLD_TOPIC, unitsSoldPayloadSchema } from './units-sold.js'

/** Default lease on claimed units-sold messages: a batch is one statement, so this is generous. */
export const DEFAULT_UNITS_SOLD_LEASE_MS = 60_000
/** Default messages claimed, summed and applied per batch. */
export const DEFAULT_UNITS_SOLD_BATCH_SIZE = 500

export interface UnitsSoldApplierDeps {
  /** Claims on `outbox`; applies and acks through `transaction`, so both commit or neither does. */
  readonly storage: Pick<Storage, 'outbox' | 'transaction'>
  readonly clock: Clock
  readonly logger: Logger
  /** Lease on claimed messages, in ms. Default 60 000. */
  readonly leaseMs?: number
  /** First retry delay after a failed batch, in ms, doubling per attempt up to 5 minutes. Default 1000. */
  readonly retryDelayMs?: number
}

export type UnitsSoldSyncOptions = BatchSyncOptions

export type UnitsSoldPollerOptions = BatchPollerOptions

/**
 * Applies `catalog.units_sold` outbox messages to products' units sold, in batches: what keeps
 * popularity current without checkout rewriting product rows.
 *
 * `sync` claims waiting messages, sums their quantities per SKU (sales and reversals), and in one
 * transaction acks them and applies the sums with one `addUnitsSold` call, so a message is counted
 * exactly once even when it is delivered twice; it repeats until the outbox is empty or
 * `maxBatches` ran. A message whose payload is malformed is given back with a growing delay and
 * logged; the others are applied. On failure the batch is given back for a later retry and the
 * error is rethrown. `start`/`stop` run it in the background.
 */
export type UnitsSoldApplier = BatchConsumer

/** Creates the batch applier. See {@link UnitsSoldApplier}. */
export function createUnitsSoldApplier(deps: UnitsSoldApplierDeps): UnitsSoldApplier {
  const { storage, clock, logger } = deps
  const leaseMs = deps.leaseMs ?? DEFAULT_UNITS_SOLD_LEASE_MS
  const retryDelayMs = deps.retryDelayMs ?? 1000

  const giveBackBatch = (messages: readonly OutboxMessage[], error: unknown) =>
    giveBack({
      outbox: storage.outbox,
      clock,
      logger,
      topic: UNITS_SOLD_TOPIC,
      messages,
      error,
      retryDelayMs,
      message: 'units sold not applied; messages will be retried',
    })

  /** Applies one claimed batch; returns how many messages it applied. */
  async function apply(claimed: readonly OutboxMessage[]): Promise<number> {
    const totals = new Map<string, number>()
    const valid: OutboxMessage[] = []
    for (const message of claimed) {
      const parsed = unitsSoldPayloadSchema.safeParse(message.payload)
      if (!parsed.success) {
        // One bad producer must not hold back everyone's sales: set it aside, loudly.
        await giveBackBatch(
          [message],
          new Error(`malformed ${UNITS_SOLD_TOPIC} payload: ${parsed.error.message}`),
        )
        continue
      }
      valid.push(message)
      for (const line of parsed.data.lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity)
    }
    if (valid.length === 0) return 0
    const lines = [...totals]
      .filter(([, quantity]) => quantity !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([sku, quantity]) => ({ sku, quantity }))
    const ids = valid.map((m) => m.id)
    try {
      await storage.transaction(async (stores) => {
        // Ack first: a worker whose lease ran out waits here for the one that took the messages
        // over, learns it came second, and rolls back instead of counting the sales twice.
        const acked = await stores.outbox.ack({ messageIds: ids, now: clock.now() })
        if (acked !== ids.length) {
          throw new ConflictError('Units sold batch lost its lease: another worker applied some of it', {
            messages: ids.length,
            acked,
          })
        }
        if (lines.length > 0) await stores.catalog.addUnitsSold(lines)
      })
    } catch (error) {
      await giveBackBatch(valid, error)
      throw error
    }
    return valid.length
  }

  return createBatchConsumer({
    outbox: storage.outbox,
    clock,
    logger,
    topic: UNITS_SOLD_TOPIC,
    leaseMs,
    defaultBatchSize: DEFAULT_UNITS_SOLD_BATCH_SIZE,
    what: 'units sold',
    apply,
  })
}
