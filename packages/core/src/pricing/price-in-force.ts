import type { Money } from '../money/money.js'
import type { PriceSchedule } from './price-schedule-types.js'

/** Whether `schedule` is in force at `at`: from its start (inclusive) to its end (exclusive). */
export function isInForce(schedule: Pick<PriceSchedule, 'startsAt' | 'endsAt'>, at: Date): boolean {
  const t = at.getTime()
  return schedule.startsAt.getTime() <= t && (schedule.endsAt === null || t < schedule.endsAt.getTime())
}

/** The schedule of this variant and currency in force at `at`, or null. */
export function scheduleInForce(
  schedules: readonly PriceSchedule[],
  variantId: string,
  currency: string,
  at: Date,
): PriceSchedule | null {
  return (
    schedules.find((s) => s.variantId === variantId && s.price.currency === currency && isInForce(s, at)) ??
    null
  )
}

/**
 * The price shown struck through beside `price`: the higher of the compare-at price (when in the
 * same currency) and, while a scheduled price is in force, the regular price. Null unless it is
 * above `price`, so a price rise never shows as a "was" price.
 */
export function wasPriceOf(input: {
  readonly price: Money | null
  readonly regular: Money | null
  readonly compareAt: Money | null
}): Money | null {
  const { price, regular, compareAt } = input
  if (price === null) return null
  const candidates = [compareAt, regular].filter(
    (m): m is Money => m !== null && m.currency === price.currency && m.amount > price.amount,
  )
  const highest = candidates.reduce<Money | null>(
    (max, m) => (max === null || m.amount > max.amount ? m : max),
    null,
  )
  return highest && { amount: highest.amount, currency: highest.currency }
}

/**
 * The first instant after `at` at which one of `schedules` starts or ends: until then the prices
 * they give stay as they are. Null when none changes after `at`. Caches use it to expire what they
 * hold at the boundary.
 */
export function nextPriceChange(
  schedules: readonly Pick<PriceSchedule, 'startsAt' | 'endsAt'>[],
  at: Date,
): Date | null {
  const t = at.getTime()
  let next: number | null = null
  for (const s of schedules) {
    for (const edge of [s.startsAt.getTime(), s.endsAt?.getTime() ?? null]) {
      if (edge !== null && edge > t && (next === null || edge < next)) next = edge
    }
  }
  return next === null ? null : new Date(next)
}
