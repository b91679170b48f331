import { ValidationError } from '../errors/error-classes.js'
import type { KeysetCursor } from '../ports/keyset-page.js'

/** Turns a keyset position into the opaque string callers pass back as `cursor`. */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id]), 'utf8').toString('base64url')
}

function invalid(reason: string): ValidationError {
  return new ValidationError(`Invalid cursor: ${reason}`, [{ path: 'cursor', message: reason }])
}

/**
 * Reads a cursor made by {@link encodeCursor}. Throws `ValidationError` (path `cursor`) for
 * anything else, or for a cursor from a listing in another sort order.
 */
export function decodeCursor(text: string, sort: string): KeysetCursor {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw invalid('not a cursor this API returned')
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !parsed.every((part) => typeof part === 'string' && part.length > 0 && part.length <= 200)
  ) {
    throw invalid('not a cursor this API returned')
  }
  const [cursorSort, key, id] = parsed as [string, string, string]
  if (cursorSort !== sort) throw invalid(`it belongs to a listing sorted by ${cursorSort}, not ${sort}`)
  return { sort, key, id }
}
