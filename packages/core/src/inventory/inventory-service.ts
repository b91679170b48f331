import type { Clock } from '../clock/clock.js'
import { NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { CatalogStore } from '../ports/catalog-store.js'
import type { InventoryStore, LevelChange, ReservationChange } from '../ports/inventory-store.js'
import { parseInput } from '../validation/parse-input.js'
import { defaultAllocationStrategy } from './default-allocation-strategy.js'
import {
  type AdjustStockInput,
  adjustStockSchema,
  type ConfigureItemInput,
  configureItemSchema,
  DEFAULT_RESERVATION_TTL_MS,
  type LocationInput,
  locationSchema,
  MAX_LINE_QUANTITY,
  type ReservationRef,
  type ReserveInput,
  reservationRefSchema,
  reserveSchema,
  type SetStockInput,
  type SkuRef,
  type StockSubscriptionInput,
  setStockSchema,
  skuRefSchema,
  stockSubscriptionSchema,
} from './inventory-schemas.js'
import {
  DEFAULT_LOCATION_ID,
  type InventoryItem,
  type Location,
  type Reservation,
  type ReservationLine,
  type StockLevel,
} from './inventory-types.js'
import { neverStocked, unknownSkuOf } from './never-stocked.js'
import { planAndReserve, reserveInStore, sumLines } from './plan-reservation.js'

/** Reservations expired per store call by `releaseExpired`. */
const EXPIRY_BATCH = 500

export interface InventoryServiceDeps {
  readonly store: InventoryStore
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly allocation: AllocationStrategy
  /** Where `setStock` and `adjust` check that a SKU exists. */
  readonly catalog: Pick<CatalogStore, 'getVariantsBySku'>
  /** Hold time when `reserve` names neither `ttlMs` nor `expiresAt`. */
  readonly reservationTtlMs?: number
}

export interface ReservationReceipt {
  readonly id: string
  readonly expiresAt: Date
  readonly lines: readonly ReservationLine[]
  readonly allocations: Reservation['allocations']
  readonly reference: string | null
}

/**
 * `commerce.inventory`: stock levels, reservations, and stock events. `reserved`, `committed`,
 * `released` and `adjusted` are published here after the store call; a storage with an outbox also
 * writes them durably in the change's transaction. `inventory.low_stock` and
 * `inventory.back_in_stock` are not published here: storage raises them in the transaction of
 * every stock change, whoever makes it (see inventory-events.ts).
 */
export interface InventoryService {
  /**
   * Sets on hand at a location (default `'default'`). Fails below what is reserved there, and with
   * `NotFoundError('sku')` for a SKU no catalog product has unless `allowUnknownSku: true`.
   */
  setStock(input: SetStockInput): Promise<StockLevel>
  /**
   * Adds (or with a negative delta removes) stock in one atomic step. Unknown SKUs as for
   * `setStock`.
   */
  adjust(input: AdjustStockInput): Promise<StockLevel>
  /** Stock of a SKU at each location. Throws `NotFoundError` for an unknown SKU. */
  getLevels(input: SkuRef): Promise<StockLevel[]>
  /** Available stock of a SKU over all locations; `Infinity` for untracked SKUs. */
  available(input: SkuRef): Promise<number>
  /** Creates or changes a SKU's flags: tracked, backorder, low-stock threshold. */
  configureItem(input: ConfigureItemInput): Promise<InventoryItem>
  /** Creates or updates a location. */
  upsertLocation(input: LocationInput): Promise<Location>
  listLocations(): Promise<Location[]>
  /**
   * Holds stock for every line or for none. Quantities of lines with the same SKU are summed
   * first. Holds until `expiresAt`, or `ttlMs` from now (default 15 minutes).
   * Throws `InsufficientStockError` listing each short SKU; nothing is held then.
   */
  reserve(input: ReserveInput): Promise<ReservationReceipt>
  /** Marks held stock as sold. Idempotent; throws `ReservationStateError` if released or expired. */
  commit(input: ReservationRef): Promise<Reservation>
  /** Gives held stock back. Idempotent; throws `ReservationStateError` if already committed. */
  release(input: ReservationRef): Promise<Reservation>
  /** Throws `NotFoundError` for an unknown reservation. */
  getReservation(input: ReservationRef): Promise<Reservation>
  /** Expires every active reservation past its expiry; run it on a timer. Returns how many. */
  releaseExpired(): Promise<{ expired: number }>
  /**
   * Registers interest in a SKU's return to stock. The next `inventory.back_in_stock` of the SKU
   * lists the subscriber, and the subscription ends with it.
   */
  subscribeBackInStock(input: StockSubscriptionInput): Promise<void>
  unsubscribeBackInStock(input: StockSubscriptionInput): Promise<void>
}

export function createInventoryService(deps: InventoryServiceDeps): InventoryService {
  const { store, clock, ids, events, allocation, catalog } = deps
  const defaultTtl = deps.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS

  function afterLevelChange(change: LevelChange, reason: string): StockLevel {
    const { level, previousOnHand } = change
    const delta = level.onHand - previousOnHand
    if (delta !== 0) {
      events.emit({
        type: 'inventory.adjusted',
        sku: level.sku,
        locationId: level.locationId,
        delta,
        onHand: level.onHand,
        reason,
        occurredAt: clock.now(),
      })
    }
    return level
  }

  function afterRelease(change: ReservationChange, reason: 'released' | 'expired'): void {
    if (!change.changed) return
    const { reservation } = change
    events.emit({
      type: 'inventory.released',
      reservationId: reservation.id,
      reference: reservation.reference,
      reason,
      occurredAt: clock.now(),
    })
  }

  async function requireLevels(sku: string): Promise<StockLevel[]> {
    const levels = await store.getLevels([sku])
    if (levels.length === 0 && (await store.getItems([sku])).length === 0) throw new NotFoundError('sku', sku)
    return levels
  }

  async function requireCatalogSku(sku: string, allowUnknownSku: boolean): Promise<void> {
    if (allowUnknownSku) return
    // Any currency does: a known SKU comes back (with a null price where it has none in it).
    const [variant] = await catalog.getVariantsBySku({ skus: [sku], currency: 'USD' })
    if (!variant) throw new NotFoundError('sku', sku)
  }

  /**
   * The store refuses SKUs it has no settings for. One the catalog sells was never stocked: that is
   * a shortfall with available 0 (see neverStocked); one nobody sells stays `not_found`.
   */
  async function shortIfNeverStocked(error: unknown, lines: readonly ReservationLine[]): Promise<unknown> {
    if (unknownSkuOf(error) === null) return error
    const stocked = new Set((await store.getItems(lines.map((l) => l.sku))).map((i) => i.sku))
    const unstocked = lines.filter((l) => !stocked.has(l.sku))
    const sold = new Set(
      (await catalog.getVariantsBySku({ skus: unstocked.map((l) => l.sku), currency: 'USD' })).map(
        (v) => v.sku,
      ),
    )
    const unknown = unstocked.find((l) => !sold.has(l.sku))
    if (unknown) return new NotFoundError('sku', unknown.sku)
    return unstocked.length > 0 ? neverStocked(unstocked) : error
  }

  function expiryFor(input: { ttlMs?: number | undefined; expiresAt?: Date | undefined }, now: Date): Date {
    const expiresAt = input.expiresAt ?? new Date(now.getTime() + (input.ttlMs ?? defaultTtl))
    if (expiresAt.getTime() <= now.getTime()) {
      throw new ValidationError('Invalid reservation: expiresAt must be in the future', [
        { path: 'expiresAt', message: 'must be in the future' },
      ])
    }
    return expiresAt
  }

  return {
    async setStock(input) {
      const {
        sku,
        locationId = DEFAULT_LOCATION_ID,
        onHand,
        allowUnknownSku,
      } = parseInput(setStockSchema, input, 'stock')
      await requireCatalogSku(sku, allowUnknownSku)
      return afterLevelChange(await store.setOnHand({ sku, locationId, onHand, at: clock.now() }), 'set')
    },

    async adjust(input) {
      const {
        sku,
        locationId = DEFAULT_LOCATION_ID,
        delta,
        reason,
        allowUnknownSku,
      } = parseInput(adjustStockSchema, input, 'adjustment')
      await requireCatalogSku(sku, allowUnknownSku)
      return afterLevelChange(
        await store.adjustOnHand({ sku, locationId, delta, reason, at: clock.now() }),
        reason,
      )
    },

    async getLevels(input) {
      return requireLevels(parseInput(skuRefSchema, input, 'SKU').sku)
    },

    async available(input) {
      const { sku } = parseInput(skuRefSchema, input, 'SKU')
      const [item] = await store.getItems([sku])
      if (item && !item.tracked) return Number.POSITIVE_INFINITY
      const levels = await requireLevels(sku)
      return levels.reduce((total, level) => total + level.available, 0)
    },

    async configureItem(input) {
      const parsed = parseInput(configureItemSchema, input, 'inventory item')
      return store.upsertItem(parsed)
    },

    async upsertLocation(input) {
      return store.upsertLocation(parseInput(locationSchema, input, 'location'))
    },

    listLocations: () => store.listLocations(),

    async reserve(input) {
      const parsed = parseInput(reserveSchema, input, 'reservation')
      const lines = sumLines(parsed.lines)
      const tooLarge = lines.filter((l) => l.quantity > MAX_LINE_QUANTITY)
      if (tooLarge.length > 0) {
        throw new ValidationError(
          `Invalid reservation: summed quantity exceeds ${MAX_LINE_QUANTITY}`,
          tooLarge.map((l) => ({
            path: `lines[sku=${l.sku}].quantity`,
            message: `summed quantity ${l.quantity} is too large`,
          })),
        )
      }
      const now = clock.now()
      const expiresAt = expiryFor(parsed, now)
      const id = ids('res')
      const reference = parsed.reference ?? null
      const draft = { id, reference, lines, expiresAt, createdAt: now }
      const planned = await (allocation === defaultAllocationStrategy && store.reserveWithDefaultAllocation
        ? reserveInStore(store.reserveWithDefaultAllocation, draft)
        : planAndReserve(store, allocation, draft)
      ).catch(async (error: unknown) => {
        throw await shortIfNeverStocked(error, lines)
      })
      const { allocations } = planned.reservation
      events.emit({
        type: 'inventory.reserved',
        reservationId: id,
        reference,
        lines,
        expiresAt,
        occurredAt: now,
      })
      return { id, expiresAt, lines, allocations, reference }
    },

    async commit(input) {
      const { reservationId } = parseInput(reservationRefSchema, input, 'reservation')
      const change = await store.commitReservation({ reservationId, at: clock.now() })
      if (change.changed) {
        const { reservation } = change
        events.emit({
          type: 'inventory.committed',
          reservationId: reservation.id,
          reference: reservation.reference,
          lines: reservation.lines,
          occurredAt: clock.now(),
        })
      }
      return change.reservation
    },

    async release(input) {
      const { reservationId } = parseInput(reservationRefSchema, input, 'reservation')
      const change = await store.releaseReservation({ reservationId, at: clock.now() })
      afterRelease(change, 'released')
      return change.reservation
    },

    async getReservation(input) {
      const id = parseInput(reservationRefSchema, input, 'reservation').reservationId
      const reservation = await store.getReservation(id)
      if (!reservation) throw new NotFoundError('reservation', id)
      return reservation
    },

    async releaseExpired() {
      let expired = 0
      for (;;) {
        const batch = await store.expireReservations({ at: clock.now(), limit: EXPIRY_BATCH })
        for (const change of batch) afterRelease(change, 'expired')
        expired += batch.length
        if (batch.length < EXPIRY_BATCH) return { expired }
      }
    },

    async subscribeBackInStock(input) {
      const { sku, subscriber } = parseInput(stockSubscriptionSchema, input, 'stock subscription')
      await store.addStockSubscription({ sku, subscriber, at: clock.now() })
    },

    async unsubscribeBackInStock(input) {
      const { sku, subscriber } = parseInput(stockSubscriptionSchema, input, 'stock subscription')
      await store.removeStockSubscription({ sku, subscriber })
    },
  }
}
