import { z } from 'zod'

// Years 1-9999: what ISO-8601's four-digit years, Postgres timestamptz and every wire format agree on.
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * A moment at a public entry point: a valid `Date`, or an ISO-8601 date-time string with a `Z` or
 * numeric offset (`2026-07-01T08:00:00Z`, `2026-07-01T10:00:00+02:00`), read as a `Date`. Nothing
 * else is coerced: `true`, numbers, `null`, a bare date, `Invalid Date` and impossible days
 * (`2026-02-30`) are validation errors, never 1970 or a `RangeError` later. Years 1 to 9999.
 */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }).transform((value) => new Date(value))], {
    error: 'must be a Date or an ISO-8601 date-time with an offset, e.g. 2026-07-01T08:00:00Z',
  })
  .refine(
    (date) => date.getTime() >= EARLIEST && date.getTime() <= LATEST,
    'must be between years 1 and 9999',
  )
