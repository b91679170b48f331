import { ConfigError, InsufficientStockError, NotFoundError } from '../errors/error-classes.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { InventoryStore, NewReservation, StockChange } from '../ports/inventory-store.js'
import type { Allocation, InventoryItem, ReservationLine } from './inventory-types.js'

/** How often a reservation is planned again when a split plan went stale under concurrency. */
const MAX_PLAN_ATTEMPTS = 4

/** Sums quantities per SKU, sorted by SKU: the shape every reservation is stored in. */
export function sumLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const totals = new Map<string, number>()
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity)
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }))
}

export interface PlannedReservation {
  readonly reservation: NewReservation
  readonly change: StockChange
  readonly items: ReadonlyMap<string, InventoryItem>
  /** Lines of tracked SKUs, the ones that hold stock. */
  readonly tracked: readonly ReservationLine[]
}

/**
 * A custom strategy is host code: a plan that skips a SKU or holds the wrong quantity would sell
 * stock nobody held, so it is refused before it reaches storage.
 */
export function assertPlanCovers(
  lines: readonly ReservationLine[],
  allocations: readonly Allocation[],
): void {
  const held = new Map<string, number>()
  for (const a of allocations) {
    if (
      !Number.isSafeInteger(a.quantity) ||
      a.quantity <= 0 ||
      typeof a.locationId !== 'string' ||
      a.locationId === ''
    ) {
      throw new ConfigError(`The allocation strategy returned an invalid allocation for ${a.sku}`)
    }
    held.set(a.sku, (held.get(a.sku) ?? 0) + a.quantity)
  }
  const wanted = new Map(lines.map((l) => [l.sku, l.quantity]))
  for (const [sku, quantity] of held) {
    if (wanted.get(sku) !== quantity) {
      throw new ConfigError(
        `The allocation strategy allocated ${quantity} of ${sku}, but ${wanted.get(sku) ?? 0} were requested`,
      )
    }
  }
  for (const [sku, quantity] of wanted) {
    if (!held.has(sku))
      throw new ConfigError(`The allocation strategy allocated none of ${sku} (${quantity} requested)`)
  }
}

/**
 * Plans a reservation from a fresh snapshot with the allocation strategy and applies it through
 * `store` (which re-checks every quantity atomically). A split over several locations can go stale
 * between read and apply; it is planned again a few times. Works inside a storage transaction:
 * the store reports a shortfall without aborting it.
 */
export async function planAndReserve(
  store: InventoryStore,
  allocation: AllocationStrategy,
  draft: Omit<NewReservation, 'allocations' | 'lines'> & { readonly lines: readonly ReservationLine[] },
): Promise<PlannedReservation> {
  const lines = sumLines(draft.lines)
  const skus = lines.map((l) => l.sku)
  for (let attempt = 1; ; attempt++) {
    const snapshot = await store.getAllocationSnapshot(skus)
    const items = new Map(snapshot.items.map((i) => [i.sku, i]))
    const unknown = skus.find((sku) => !items.has(sku))
    if (unknown !== undefined) throw new NotFoundError('sku', unknown)
    const tracked = lines.filter((l) => items.get(l.sku)!.tracked)
    const allocations = allocation({
      lines: tracked,
      levels: snapshot.levels,
      items,
      locations: snapshot.locations,
    })
    assertPlanCovers(tracked, allocations)
    const reservation: NewReservation = { ...draft, lines, allocations }
    try {
      const change = await store.createReservation(reservation)
      return { reservation, change, items, tracked }
    } catch (error) {
      // With one location the store's re-check is the final word; a split plan may merely be stale.
      const retry =
        error instanceof InsufficientStockError &&
        snapshot.locations.length > 1 &&
        attempt < MAX_PLAN_ATTEMPTS
      if (!retry) throw error
    }
  }
}

/**
 * Reserves through a store that plans the default allocation itself, in one atomic step, and
 * returns the same shape as `planAndReserve`.
 */
export async function reserveInStore(
  reserve: NonNullable<InventoryStore['reserveWithDefaultAllocation']>,
  draft: Omit<NewReservation, 'allocations' | 'lines'> & { readonly lines: readonly ReservationLine[] },
): Promise<PlannedReservation> {
  const lines = sumLines(draft.lines)
  const { allocations, change, items } = await reserve({ ...draft, lines })
  const settings = new Map(items.map((i) => [i.sku, i]))
  return {
    reservation: { ...draft, lines, allocations },
    change,
    items: settings,
    tracked: lines.filter((l) => settings.get(l.sku)?.tracked ?? true),
  }
}
