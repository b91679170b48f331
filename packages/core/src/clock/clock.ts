/**
 * The source of "now" for every service. Reservation expiry, idempotency windows and cart TTLs
 * are computed from it, never from the database's clock, so tests can move time.
 */
export interface Clock {
  now(): Date
}

/** The wall clock. The default for `createCommerce({ clock })`. */
export const systemClock: Clock = { now: () => new Date() }

/** A clock that only moves when told to; for tests and simulations. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds (negative moves it back). */
  advance(ms: number): void
  set(date: Date): void
}

/** @param start the initial time; defaults to the current wall-clock time. */
export function createManualClock(start: Date = new Date()): ManualClock {
  let current = start.getTime()
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms
    },
    set: (date) => {
      current = date.getTime()
    },
  }
}
