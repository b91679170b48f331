import { z } from 'zod'

/**
 * The namespace every adapter puts before its keys (`<prefix>:cache:...`, `<prefix>:flash:...`).
 * No braces, so a prefix can never start a Redis Cluster hash tag of its own, and no whitespace.
 */
export const keyPrefixSchema = z
  .string()
  .min(1, 'prefix must not be empty')
  .max(64, 'prefix must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'prefix may hold letters, digits and . _ : - only')

/** The default key prefix: `'souk'`. */
export const DEFAULT_KEY_PREFIX = 'souk'

/**
 * A Redis Cluster hash tag. Cluster hashes only the text between the first `{` and the next `}`,
 * so keys that carry the same tag live in one slot and one script (or MULTI) may touch them all.
 * The parts must not contain braces; callers validate their ids before building keys.
 */
export function hashTag(...parts: readonly string[]): string {
  return `{${parts.join(':')}}`
}
