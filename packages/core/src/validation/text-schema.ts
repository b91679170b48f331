import { z } from 'zod'

/** Longest single-line text when a schema names no `max`. */
export const DEFAULT_TEXT_MAX = 200
/** Longest multi-line text when a schema names no `max`. */
export const DEFAULT_MULTILINE_TEXT_MAX = 10_000

export interface TextOptions {
  /** Longest accepted value after trimming, in UTF-16 code units. Default 200, or 10,000 when multiline. */
  readonly max?: number
  /** Shortest accepted value after trimming. Default 0; give 1 for a required field. */
  readonly min?: number
  /** Allow line feeds and tabs (CRLF is read as a line feed). Default false. */
  readonly multiline?: boolean
  /**
   * Strip leading and trailing white space before the length checks. Default true for single-line
   * text and false for multi-line text, whose indentation may matter. Turn it off for values that
   * are identities, such as keys handed to a payment provider.
   */
  readonly trim?: boolean
  /** Names the field in messages, e.g. `'name'` gives "name must not be empty". Default `'text'`. */
  readonly label?: string
}

// C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F) are all \p{Cc}. Postgres text cannot hold NUL, and
// the rest only ever come from broken or hostile input: they hide text in logs, split CSV and
// header lines, and render as nothing in a browser.
const CONTROL = /\p{Cc}/u
// Multi-line text keeps LF and TAB; CR only as part of CRLF, which HTML forms send.
const LINE_BREAKS_AND_TABS = /\r\n|[\n\t]/g
// Under the `u` flag a paired surrogate is one code point, so only an unpaired half matches \p{Cs}.
// Such a string has no UTF-8 form: Postgres and JSON encoders would turn it into U+FFFD or fail.
const LONE_SURROGATE = /\p{Cs}/u
// U+2028 and U+2029 break lines in editors and old JavaScript parsers; not in single-line text.
const LINE_SEPARATOR = /[\u2028\u2029]/

/** Why `value` is not acceptable text, or null when it is: the check {@link text} runs, for hand use. */
export function textProblem(value: string, options: { readonly multiline?: boolean } = {}): string | null {
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates'
  if (options.multiline) {
    if (CONTROL.test(value.replace(LINE_BREAKS_AND_TABS, '')))
      return 'must not contain control characters other than line breaks and tabs'
    return null
  }
  if (CONTROL.test(value) || LINE_SEPARATOR.test(value))
    return 'must not contain control characters or line breaks'
  return null
}

/**
 * The one schema for free text at Souk's public entry points: names, address lines, reasons, notes,
 * carriers, tracking numbers, descriptions. It refuses, and never strips or replaces, control
 * characters (NUL, C0, DEL, C1; multi-line text keeps LF and TAB) and unpaired surrogates; then it
 * trims single-line text (by default) and bounds the length. Multi-line text reads CRLF as LF.
 * Chain `.regex(...)` for a stricter shape, `.optional()` or `.default(...)` as usual.
 */
export function text(options: TextOptions = {}): z.ZodString {
  const { multiline = false, trim = !multiline, min = 0, label = 'text' } = options
  const max = options.max ?? (multiline ? DEFAULT_MULTILINE_TEXT_MAX : DEFAULT_TEXT_MAX)
  // Checks run in order: the character checks see the raw input, so trimming cannot hide a
  // leading vertical tab or form feed, and the length checks see what is stored.
  let schema = z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, { multiline })
    if (problem !== null)
      ctx.addIssue({ code: 'custom', message: `${label} ${problem}`, input: value, continue: false })
  })
  if (multiline) schema = schema.overwrite((value) => value.replaceAll('\r\n', '\n'))
  if (trim) schema = schema.trim()
  if (min > 0)
    schema = schema.min(
      min,
      min === 1 ? `${label} must not be empty` : `${label} must be at least ${min} characters`,
    )
  return schema.max(max, `${label} must be at most ${max} characters`)
}
