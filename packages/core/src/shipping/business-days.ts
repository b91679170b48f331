import { ValidationError } from '../errors/error-classes.js'

const DAY_MS = 24 * 60 * 60 * 1000

function isWeekend(dayStart: number): boolean {
  const weekday = new Date(dayStart).getUTCDay()
  return weekday === 0 || weekday === 6
}

/**
 * The UTC calendar date (`YYYY-MM-DD`) that lies `days` business days after `from`, Saturdays and
 * Sundays skipped (as a spreadsheet's WORKDAY): Friday + 1 is Monday, Saturday + 1 is Monday too.
 * With `days` 0 the date is `from`'s own, moved to the next Monday when it falls on a weekend. Public holidays and dispatch
 * cut-off times are not modelled. Throws {@link ValidationError} (path `days`) unless `days` is an
 * integer from 0 to 3650.
 */
export function addBusinessDays(from: Date, days: number): string {
  if (!Number.isInteger(days) || days < 0 || days > 3650) {
    const message = `days must be an integer from 0 to 3650, got ${days}`
    throw new ValidationError(message, [{ path: 'days', message }])
  }
  let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS
  if (Number.isNaN(day)) {
    throw new ValidationError('from must be a valid date', [{ path: 'from', message: 'invalid date' }])
  }
  // Same-day delivery cannot happen on a weekend either.
  if (days === 0) while (isWeekend(day)) day += DAY_MS
  let left = days
  while (left > 0) {
    day += DAY_MS
    if (!isWeekend(day)) left -= 1
  }
  return new Date(day).toISOString().slice(0, 10)
}
