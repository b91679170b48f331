import { describe, expect, it } from 'vitest'
import { clusterRole } from '../src/cluster/cluster-role.js'
import { loadStorefrontConfig, StorefrontConfigError } from '../src/wiring/storefront-config.js'

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/shop'
const role = (env: Record<string, string>) => clusterRole(loadStorefrontConfig(env), env)

describe('WEB_CONCURRENCY', () => {
  it('unset or 1: one process', () => {
    expect(role({ DATABASE_URL: POSTGRES })).toEqual({ kind: 'single', notes: [] })
    expect(role({ DATABASE_URL: POSTGRES, WEB_CONCURRENCY: '1' })).toEqual({ kind: 'single', notes: [] })
    expect(role({ DATABASE_URL: POSTGRES, WEB_CONCURRENCY: ' ' })).toEqual({ kind: 'single', notes: [] })
  })

  it('N on PostgreSQL and Redis: a primary for N workers', () => {
    expect(
      role({ DATABASE_URL: POSTGRES, REDIS_URL: 'redis://127.0.0.1:6379', WEB_CONCURRENCY: '4' }),
    ).toEqual({
      kind: 'primary',
      workers: 4,
      notes: [],
    })
  })

  it('N without Redis: a primary, and a note that each worker caches on its own', () => {
    const decided = role({ DATABASE_URL: POSTGRES, WEB_CONCURRENCY: '3' })
    expect(decided).toMatchObject({ kind: 'primary', workers: 3 })
    expect(decided.kind === 'primary' && decided.notes.join()).toMatch(/each worker keeps its own.*REDIS_URL/)
  })

  it('N on PGlite: one process, and says why', () => {
    const decided = role({ WEB_CONCURRENCY: '3' })
    expect(decided.kind).toBe('single')
    expect(decided.kind === 'single' && decided.notes).toEqual([
      'WEB_CONCURRENCY=3 ignored: the embedded PGlite database belongs to one process; set DATABASE_URL (PostgreSQL) to run 3 workers',
    ])
  })

  it('anything but a whole number from 1 to 64 is a configuration error', () => {
    for (const value of ['0', '-2', '2.5', 'many', '65']) {
      expect(() => role({ DATABASE_URL: POSTGRES, WEB_CONCURRENCY: value }), value).toThrow(
        StorefrontConfigError,
      )
    }
    expect(() => role({ WEB_CONCURRENCY: 'many' })).toThrow(/WEB_CONCURRENCY: /)
  })
})
