import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { addBusinessDays } from './business-days.js'

// 2030-06-14 is a Friday.
const at = (iso: string) => new Date(iso)

describe('addBusinessDays', () => {
  it.each([
    ['2030-06-14T09:00:00Z', 0, '2030-06-14'], // Friday, same day
    ['2030-06-14T23:59:59Z', 1, '2030-06-17'], // Friday + 1 → Monday
    ['2030-06-15T10:00:00Z', 0, '2030-06-17'], // Saturday, same day → Monday
    ['2030-06-15T10:00:00Z', 1, '2030-06-17'], // Saturday + 1 → Monday
    ['2030-06-16T10:00:00Z', 1, '2030-06-17'], // Sunday + 1 → Monday
    ['2030-06-17T00:00:00Z', 5, '2030-06-24'], // Monday + 5 → next Monday
    ['2030-06-12T12:00:00Z', 3, '2030-06-17'], // Wednesday + 3 → Monday
    ['2030-12-31T12:00:00Z', 2, '2031-01-02'], // across a year (Tuesday + 2)
  ])('%s + %i business days is %s', (from, days, expected) => {
    expect(addBusinessDays(at(from), days)).toBe(expected)
  })

  it('never lands on a weekend and counts exactly the weekdays in between', () => {
    fc.assert(
      fc.property(
        fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 60 }),
        (from, days) => {
          const result = new Date(`${addBusinessDays(from, days)}T00:00:00Z`)
          expect([0, 6]).not.toContain(result.getUTCDay())
          let weekdays = 0
          const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate())
          for (let t = start + 86_400_000; t <= result.getTime(); t += 86_400_000) {
            const d = new Date(t).getUTCDay()
            if (d !== 0 && d !== 6) weekdays += 1
          }
          // Same-day on a weekend rolls to Monday, the one weekday in between.
          const weekendStart = [0, 6].includes(from.getUTCDay())
          expect(weekdays).toBe(days === 0 && weekendStart ? 1 : days)
        },
      ),
    )
  })

  it.each([-1, 1.5, Number.NaN, 3651])('rejects %d days', (days) => {
    expect(() => addBusinessDays(at('2030-06-14T00:00:00Z'), days)).toThrow(
      expect.objectContaining({ code: 'validation.failed' }),
    )
  })

  it('rejects an invalid date', () => {
    let error: unknown
    try {
      addBusinessDays(new Date('nope'), 1)
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'validation.failed')).toBe(true)
  })
})
