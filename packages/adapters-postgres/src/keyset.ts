import { type KeysetCursor, type KeysetPage, ValidationError } from '@souk/core'
import { type RawBuilder, sql } from 'kysely'

/** What a cursor key of a timestamp sort looks like: the text {@link isoMicros} produces. */
export const TIMESTAMP_KEY = /^\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/
/** What a cursor key of an id sort (and every cursor's `id`) looks like. */
export const ID_KEY = /^[A-Za-z0-9_-]{1,200}$/

/** A timestamptz as UTC ISO-8601 with microseconds: exact, so a keyset cursor never skips a row. */
export function isoMicros(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

/**
 * Checks a cursor's key and id before they reach SQL, so a forged one is a `ValidationError` on
 * `cursor` rather than a cast error from Postgres.
 */
export function checkCursor(after: KeysetCursor | undefined, keyPattern: RegExp): void {
  if (after && !(keyPattern.test(after.key) && ID_KEY.test(after.id))) {
    throw new ValidationError('Invalid cursor: not a cursor this API returned', [
      { path: 'cursor', message: 'not a cursor this API returned' },
    ])
  }
}

/** The position of a row in a listing sorted by id alone: the id is the key. */
export const byId = (row: { readonly id: string }) => ({ key: row.id, id: row.id })

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that another page follows, and
 * `next` points after the last row shown (`position` gives its sort key as exact text, and id).
 */
export function keysetPage<R, T>(
  rows: readonly R[],
  input: {
    readonly limit: number
    readonly sort: string
    readonly position: (row: R) => { readonly key: string; readonly id: string }
  },
  toItem: (row: R) => T,
): KeysetPage<T> {
  const shown = rows.slice(0, input.limit)
  const last = shown.at(-1)
  return {
    items: shown.map(toItem),
    next:
      rows.length > input.limit && last !== undefined ? { sort: input.sort, ...input.position(last) } : null,
  }
}
