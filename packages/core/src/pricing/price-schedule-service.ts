import { createCatalogCache } from '../catalog/catalog-cache.js'
import type { Clock } from '../clock/clock.js'
import { ConfigError, NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { Logger } from '../logger/logger.js'
import { afterCursor, toCursorPage } from '../pagination/cursor-page.js'
import type { Cache } from '../ports/cache.js'
import type { PriceScheduleStore } from '../ports/price-schedule-store.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type CancelPriceScheduleInput,
  cancelPriceScheduleSchema,
  type ListPriceSchedulesInput,
  listPriceSchedulesSchema,
  type SchedulePriceInput,
  schedulePriceSchema,
} from './price-schedule-schemas.js'
import type { PriceSchedule, PriceSchedulePage } from './price-schedule-types.js'

/** The keyset sort name of price schedule pages. */
export const PRICE_SCHEDULE_SORT = 'price_schedules'

export interface PriceScheduleServiceDeps {
  /** Null when the storage adapter has no price schedules: every call then throws `ConfigError`. */
  readonly store: PriceScheduleStore | null
  /** The catalog's cache: a schedule change invalidates the product's reads and the listings. */
  readonly cache: Cache
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly logger: Logger
}

/**
 * `commerce.prices`: scheduled prices (sales with a start and an optional end). Catalog reads, the
 * cart and checkout price every variant at the clock's time, so a schedule needs no job to start or
 * stop it.
 */
export interface PriceScheduleService {
  /**
   * Schedules `price` for the variant `sku` from `startsAt` until `endsAt` (exclusive; null: until
   * cancelled). Windows of one variant and currency may not overlap: `ConflictError` (details
   * `{ field: 'window', scheduleId }` naming the one in the way). Throws `NotFoundError` for an
   * unknown SKU and `ValidationError` for bad input, an `endsAt` already past, or a currency the
   * variant has no regular price in.
   */
  schedulePrice(input: SchedulePriceInput): Promise<PriceSchedule>
  /** A page of schedules by start time, filtered by `sku`, `productId` and `current`. */
  listPriceSchedules(input?: ListPriceSchedulesInput): Promise<PriceSchedulePage>
  /** Deletes a schedule (a running sale ends at once). Throws `NotFoundError` for an unknown id. */
  cancelPriceSchedule(input: CancelPriceScheduleInput): Promise<PriceSchedule>
}

export function createPriceScheduleService(deps: PriceScheduleServiceDeps): PriceScheduleService {
  const { clock, ids } = deps
  const cache = createCatalogCache(deps.cache, deps.logger)

  function store(): PriceScheduleStore {
    if (!deps.store) {
      throw new ConfigError('This storage adapter has no price schedules', [
        { path: 'storage.priceSchedules', message: 'not provided by the storage adapter' },
      ])
    }
    return deps.store
  }

  async function changed(schedule: PriceSchedule): Promise<void> {
    await cache.invalidateProduct(schedule.productId, [])
    await cache.invalidateListings()
  }

  return {
    async schedulePrice(input) {
      const parsed = parseInput(schedulePriceSchema, input, 'price schedule')
      const now = clock.now()
      if (parsed.endsAt !== null && parsed.endsAt <= now) {
        throw new ValidationError('Invalid price schedule: endsAt has passed', [
          { path: 'endsAt', message: 'endsAt must be in the future' },
        ])
      }
      const schedule = await store().insert({
        id: ids('psch'),
        sku: parsed.sku,
        price: { amount: parsed.price.amount, currency: parsed.price.currency },
        startsAt: parsed.startsAt,
        endsAt: parsed.endsAt,
        createdAt: now,
      })
      await changed(schedule)
      return schedule
    },

    async listPriceSchedules(input) {
      const q = parseInput(listPriceSchedulesSchema, input ?? {}, 'price schedule query')
      const after = afterCursor(q.cursor, PRICE_SCHEDULE_SORT)
      const page = await store().list({
        ...(q.sku === undefined ? {} : { sku: q.sku }),
        ...(q.productId === undefined ? {} : { productId: q.productId }),
        ...(q.current ? { endingAfter: clock.now() } : {}),
        ...(after ? { after } : {}),
        limit: q.limit,
      })
      return toCursorPage(page)
    },

    async cancelPriceSchedule(input) {
      const { scheduleId } = parseInput(cancelPriceScheduleSchema, input, 'price schedule reference')
      const deleted = await store().delete({ id: scheduleId })
      if (!deleted) {
        throw new NotFoundError('price schedule', scheduleId)
      }
      await changed(deleted)
      return deleted
    },
  }
}
