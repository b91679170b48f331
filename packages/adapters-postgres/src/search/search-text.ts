/**
 * Turning shopper text into a Postgres tsquery. Pure functions: the SQL around them only looks
 * words up in the vocabulary (`search_terms`).
 */

import { editDistance } from '@souk/core'
import type { SynonymSpan } from './search-synonyms.js'

/** Words beyond this many are ignored; a product name never needs more, and each costs a lookup. */
export const MAX_QUERY_WORDS = 12

const quote = (word: string) => `'${word}'`
/** Only such words are ever quoted into a tsquery, whatever the vocabulary holds. */
const isPlainWord = (word: string) => /^[\p{L}\p{M}\p{N}]+$/u.test(word)

export interface QueryWord {
  /** Lower-case letters and digits only, so it can be quoted into a tsquery safely. */
  readonly word: string
  /** Written `-word`: documents containing it are excluded. */
  readonly negated: boolean
}

/** What the database knows about one query word. */
export interface WordLookup {
  /** A stop word of the text search language ("the", "and"): it matches nothing and is dropped. */
  readonly stop: boolean
  /** Some indexed document contains exactly this word. */
  readonly exact: boolean
  /** The most common indexed words that start with it (not the word itself). */
  readonly completions: readonly string[]
  /** The most similar indexed word within the typos its length allows, when nothing else matched. */
  readonly correction: string | null
}

/**
 * Splits text into words: Unicode letters and digits, lower-cased; everything else separates.
 * A chunk starting with `-` is negated. Repeats are dropped; at most {@link MAX_QUERY_WORDS}.
 */
export function tokenizeQuery(text: string): QueryWord[] {
  const words: QueryWord[] = []
  const seen = new Set<string>()
  for (const chunk of text.normalize('NFKC').toLowerCase().split(/\s+/u)) {
    const negated = chunk.length > 1 && chunk.startsWith('-')
    for (const word of chunk.split(/[^\p{L}\p{M}\p{N}]+/u)) {
      if (!isPlainWord(word) || words.length >= MAX_QUERY_WORDS) continue
      const id = `${negated ? '-' : '+'}${word}`
      if (seen.has(id)) continue
      seen.add(id)
      words.push({ word, negated })
    }
  }
  return words
}

/**
 * Builds `to_tsquery` input from the words and what the database said about each (`lookups[i]`
 * belongs to `words[i]`). Words are ANDed; stop words are dropped; an exact word matches itself
 * (the last one also as a prefix, for search as you type); a word that only starts indexed words
 * matches as a prefix or as its most common completions; an unknown word is replaced by its
 * correction. A run of words that is a synonym term (`spans`, see `matchSynonyms`) matches as
 * itself or as any of its alternatives, and is never corrected. Returns null when nothing is left
 * to search for.
 */
export function buildTsquery(
  words: readonly QueryWord[],
  lookups: readonly WordLookup[],
  spans: readonly SynonymSpan[] = [],
): { tsquery: string; corrected: string | null } | null {
  const clauses: string[] = []
  const shown: string[] = []
  let corrected = false
  const kept = words.map((w, i) => ({ w, i, found: lookups[i] })).filter(({ found }) => !found?.stop)
  const positives = kept.filter(({ w }) => !w.negated)
  const lastPositive = positives[positives.length - 1]?.w

  /** One word's clause; `correct` false keeps an unknown word as written. */
  function wordClause(w: QueryWord, found: WordLookup | undefined, correct: boolean): string {
    const completions = (found?.completions ?? []).filter(isPlainWord)
    const correction =
      correct && found?.correction != null && isPlainWord(found.correction) ? found.correction : null
    if (found?.exact) {
      shown.push(w.word)
      return w === lastPositive ? `${quote(w.word)}:*` : quote(w.word)
    }
    if (completions.length > 0) {
      shown.push(w.word)
      return `( ${[`${quote(w.word)}:*`, ...completions.map(quote)].join(' | ')} )`
    }
    if (correction !== null) {
      shown.push(correction)
      corrected = true
      return quote(correction)
    }
    // Unknown and uncorrectable: it stays, so the query honestly matches nothing.
    shown.push(w.word)
    return quote(w.word)
  }

  const spanAt = new Map(spans.map((span) => [span.start, span]))
  const inSpan = new Set(spans.flatMap((span) => range(span.start, span.end)))
  for (const { w, i, found } of kept) {
    if (w.negated) {
      clauses.push(`!${quote(w.word)}`)
      shown.push(`-${w.word}`)
      continue
    }
    if (!inSpan.has(i)) {
      clauses.push(wordClause(w, found, true))
      continue
    }
    const span = spanAt.get(i)
    if (span === undefined) continue // a later word of a run already written
    const own = kept
      .filter((k) => k.i >= span.start && k.i < span.end)
      .map((k) => wordClause(k.w, k.found, false))
    const alternatives = span.alternatives
      .map((alt) => alt.filter(isPlainWord))
      .filter((alt) => alt.length > 0)
      .map((alt) => (alt.length === 1 ? quote(alt[0] as string) : `( ${alt.map(quote).join(' <-> ')} )`))
    const options = [
      ...(own.length > 0 ? [own.length === 1 ? own[0] : `( ${own.join(' & ')} )`] : []),
      ...alternatives,
    ]
    if (options.length > 0)
      clauses.push(options.length === 1 ? (options[0] as string) : `( ${options.join(' | ')} )`)
  }
  if (clauses.length === 0) return null
  return { tsquery: clauses.join(' & '), corrected: corrected ? shown.join(' ') : null }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k)

/** Shortest word allowed one typo, and two; the same defaults as Typesense's min_len_1typo/2typo. */
export const MIN_LENGTH_ONE_TYPO = 4
export const MIN_LENGTH_TWO_TYPOS = 7

/** Typos tolerated in a word of this many characters: 0 below 4, 1 below 7, else 2. */
export function allowedTypos(length: number): number {
  return length >= MIN_LENGTH_TWO_TYPOS ? 2 : length >= MIN_LENGTH_ONE_TYPO ? 1 : 0
}

/** Core's edit distance, which suggestions use too. */
export { editDistance }

/** A vocabulary word close to a misspelt one, as the trigram lookup found it. */
export interface CorrectionCandidate {
  readonly term: string
  readonly similarity: number
  readonly docCount: number
}

/**
 * Chooses the correction of `word`: among the trigram candidates, those within the typos its
 * length allows, fewest edits first, then the most similar, then the most common.
 */
export function pickCorrection(word: string, candidates: readonly CorrectionCandidate[]): string | null {
  const max = allowedTypos([...word].length)
  if (max === 0) return null
  let best: { term: string; distance: number; similarity: number; docCount: number } | null = null
  for (const c of candidates) {
    const distance = editDistance(word, c.term, max)
    if (distance > max || distance === 0) continue
    const better =
      best === null ||
      distance < best.distance ||
      (distance === best.distance &&
        (c.similarity > best.similarity || (c.similarity === best.similarity && c.docCount > best.docCount)))
    if (better) best = { term: c.term, distance, similarity: c.similarity, docCount: c.docCount }
  }
  return best?.term ?? null
}
