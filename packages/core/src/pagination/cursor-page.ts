import { z } from 'zod'
import type { KeysetCursor, KeysetPage } from '../ports/keyset-page.js'
import { decodeCursor, encodeCursor } from './keyset-cursor.js'

/** What a service's list call returns. */
export interface CursorPage<T> {
  readonly items: readonly T[]
  /** Pass as `cursor` for the following page; null on the last page. */
  readonly nextCursor: string | null
}

/** A list call's `cursor`: the previous page's `nextCursor`, opaque to callers. */
export const cursorSchema = z.string().min(1).max(1000)

/** A list call's `limit`: a whole number from 1 to `max`, `fallback` when absent. */
export function pageLimitSchema(fallback: number, max: number) {
  return z.number().int().min(1).max(max).default(fallback)
}

/**
 * The keyset position of a service's `cursor`, or undefined for the first page. `listing` names the
 * listing (the port documents the `sort` its `next` carries), so a cursor from any other listing
 * is a `ValidationError` on path `cursor`.
 */
export function afterCursor(cursor: string | undefined, listing: string): KeysetCursor | undefined {
  return cursor === undefined ? undefined : decodeCursor(cursor, listing)
}

/** A port's page as callers see it: the next position as an opaque string. */
export function toCursorPage<T>(page: KeysetPage<T>): CursorPage<T> {
  return { items: page.items, nextCursor: page.next && encodeCursor(page.next) }
}
