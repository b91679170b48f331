/**
 * Text rules suggest and synonyms share across adapters: how typed text splits into words, how
 * many typos a typed prefix may carry, and how far a typed prefix is from the start of a word.
 */

/** Words of a suggest query beyond this many are ignored. */
export const MAX_SUGGEST_WORDS = 8
/** Words in one synonym term (a phrase). */
export const MAX_SYNONYM_TERM_WORDS = 5

/**
 * Lower-case words of Unicode letters and digits (NFKC), in order, repeats kept: the same split
 * the Postgres index uses for its vocabulary. `-` and every other symbol separate words.
 */
export function textWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => w !== '')
}

/** A synonym term as stored and compared: its words joined by single spaces. */
export function normalizeSynonymTerm(term: string): string {
  return textWords(term).join(' ')
}

/**
 * Typos a typed prefix of this many characters may carry: 0 below 4, 1 below 7, else 2 (Typesense's
 * `min_len_1typo` / `min_len_2typo` defaults).
 */
export function allowedPrefixTypos(length: number): number {
  return length >= 7 ? 2 : length >= 4 ? 1 : 0
}

/**
 * The fewest edits (insert, delete, substitute, swap two neighbours) that turn `typed` into some
 * prefix of `word`, or `max + 1` when more than `max`. The first character must match: a typo
 * there is not tolerated (as in Elasticsearch's completion suggester, `prefix_length` 1), which
 * keeps candidates to one key range of the vocabulary.
 */
export function prefixEditDistance(typed: string, word: string, max: number): number {
  const x = [...typed]
  const y = [...word]
  if (x.length === 0) return 0
  if (y.length === 0 || x[0] !== y[0]) return max + 1
  // The best cell of the last row: the rest of `word` after any prefix is free.
  const last = lastAlignmentRow(x, y, max)
  return last === null ? max + 1 : Math.min(max + 1, ...last.slice(1))
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) between two words, stopping early once
 * it exceeds `max` (then returns `max + 1`). Optimal string alignment over code points.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const x = [...a]
  const y = [...b]
  if (Math.abs(x.length - y.length) > max) return max + 1
  const last = lastAlignmentRow(x, y, max)
  return last === null ? max + 1 : (last[y.length] as number)
}

/**
 * The last row of the optimal-string-alignment table of `x` against `y` (rows over `x`), or null
 * as soon as a whole row exceeds `max`, when no cell below can come back under it.
 */
function lastAlignmentRow(x: readonly string[], y: readonly string[], max: number): number[] | null {
  let before: number[] = []
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        d = Math.min(d, (before[j - 2] as number) + 1)
      }
      current.push(d)
      rowMin = Math.min(rowMin, d)
    }
    if (rowMin > max) return null
    before = previous
    previous = current
  }
  return previous
}
