import { z } from 'zod'
import type { Clock } from '../clock/clock.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { MAX_RESERVATION_TTL_MS } from '../inventory/inventory-schemas.js'
import type { Logger } from '../logger/logger.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { Storage } from '../ports/storage.js'

const hasMethods =
  <T>(...names: string[]) =>
  (value: unknown): value is T =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')

/** What `createCommerce` accepts. Only `storage` is required. */
export interface CommerceConfig {
  /** The durable store, e.g. `postgresStorage({ connectionString })`. */
  readonly storage: Storage
  /** Source of the current time. Default: the system clock. */
  readonly clock?: Clock
  /** Makes entity ids. Default: `prefix_<ulid>`. */
  readonly ids?: IdGenerator
  /** Default: JSON lines to the console at level `warn`. */
  readonly logger?: Logger
  /** Chooses locations for reservations. Default: one location that fills all, else split. */
  readonly allocation?: AllocationStrategy
  /** How long reservations hold stock by default, in ms. Default: 15 minutes. */
  readonly reservationTtlMs?: number
}

export const commerceConfigSchema = z.strictObject({
  storage: z.custom<Storage>(hasMethods('migrate', 'transaction', 'close'), {
    message: 'storage is required: a Storage adapter such as postgresStorage(...)',
  }),
  clock: z.custom<Clock>(hasMethods('now'), { message: 'clock must have now()' }).optional(),
  ids: z
    .custom<IdGenerator>((v) => typeof v === 'function', { message: 'ids must be a function' })
    .optional(),
  logger: z
    .custom<Logger>(hasMethods('debug', 'info', 'warn', 'error'), {
      message: 'logger needs debug/info/warn/error',
    })
    .optional(),
  allocation: z
    .custom<AllocationStrategy>((v) => typeof v === 'function', { message: 'allocation must be a function' })
    .optional(),
  reservationTtlMs: z.number().int().min(1000).max(MAX_RESERVATION_TTL_MS).optional(),
})
