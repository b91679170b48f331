import { describe, expect, it } from 'vitest'
import { createIdGenerator, idPattern } from './id-generator.js'

describe('createIdGenerator', () => {
  it('makes prefixed ULIDs', () => {
    const id = createIdGenerator()('res')
    expect(id).toMatch(idPattern('res'))
  })

  it('stays strictly increasing within one millisecond', () => {
    const ids = createIdGenerator(() => 1_700_000_000_000)
    const made = Array.from({ length: 1000 }, () => ids('ord'))
    expect([...made].sort()).toEqual(made)
    expect(new Set(made).size).toBe(made.length)
  })

  it('sorts by time across milliseconds', () => {
    let t = 1_700_000_000_000
    const ids = createIdGenerator(() => t)
    const first = ids('x')
    t -= 5 // a clock that steps back keeps the sequence increasing
    const second = ids('x')
    t += 10
    const third = ids('x')
    expect(first < second && second < third).toBe(true)
  })
})
