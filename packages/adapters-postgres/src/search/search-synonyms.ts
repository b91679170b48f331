import type { SynonymSet } from '@souk/core'

/** A run of consecutive query words that is a synonym term, and the terms it also matches. */
export interface SynonymSpan {
  /** Index of the first word of the run. */
  readonly start: number
  /** Index after the last word of the run. */
  readonly end: number
  /** Each alternative as its words (a phrase when more than one). */
  readonly alternatives: readonly (readonly string[])[]
}

/** Term → the other terms a query for it also matches, merged over every set. */
function expansions(sets: readonly SynonymSet[]): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>()
  const add = (term: string, others: readonly string[]) => {
    const into = table.get(term) ?? new Set<string>()
    for (const other of others) if (other !== term) into.add(other)
    if (into.size > 0) table.set(term, into)
  }
  for (const set of sets) {
    if (set.root !== null) add(set.root, set.terms)
    else for (const term of set.terms) add(term, set.terms)
  }
  return table
}

/**
 * Finds synonym terms among the query words, left to right, the longest term first, without
 * overlaps. `words[i]` null (a negated word) never belongs to a run. Alternatives come in the
 * sets' order, deduplicated.
 */
export function matchSynonyms(words: readonly (string | null)[], sets: readonly SynonymSet[]): SynonymSpan[] {
  const table = expansions(sets)
  if (table.size === 0) return []
  const longest = Math.max(...[...table.keys()].map((term) => term.split(' ').length))
  const spans: SynonymSpan[] = []
  let i = 0
  while (i < words.length) {
    let matched = 0
    for (let length = Math.min(longest, words.length - i); length >= 1; length--) {
      const run = words.slice(i, i + length)
      if (run.some((w) => w === null)) continue
      const others = table.get(run.join(' '))
      if (others === undefined) continue
      spans.push({ start: i, end: i + length, alternatives: [...others].map((term) => term.split(' ')) })
      matched = length
      break
    }
    i += Math.max(matched, 1)
  }
  return spans
}

/** Every word of the sets' terms, for looking sets up by the words of a query. */
export function synonymWords(set: SynonymSet): string[] {
  return [...new Set([...(set.root === null ? [] : [set.root]), ...set.terms].flatMap((t) => t.split(' ')))]
}
