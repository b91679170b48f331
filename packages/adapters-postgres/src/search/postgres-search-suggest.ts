import {
  allowedPrefixTypos,
  MAX_SUGGEST_WORDS,
  prefixEditDistance,
  type SuggestQuery,
  type SuggestResult,
  type SynonymSet,
  textWords,
} from '@souk/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { withMappedErrors } from '../map-postgres-error.js'
import { matchSynonyms } from './search-synonyms.js'

/** Exact-prefix completions kept per typed word, the most common first. */
const PREFIX_COMPLETIONS = 8
/**
 * Vocabulary words with the typed word's first letter (and its second or third letter in second
 * or third place) read per typed word for typo matching, the most common first.
 */
const TYPO_CANDIDATES = 200
/** Words a typed word finally expands to (exact completions first, then the closest near ones). */
const EXPANSIONS = 8
/**
 * Most popular documents a dense suggestion reads, in popularity order, before it falls back to
 * the tsvector index: enough to find a page of matches when one document in a few hundred matches.
 */
const WALKED_DOCUMENTS = 4000

const quote = (word: string) => `'${word}'`
const isPlainWord = (word: string) => /^[\p{L}\p{M}\p{N}]+$/u.test(word)

interface CandidateRow {
  kind: 'word' | 'synonym' | 'documents'
  ord: number
  term: string
  doc_count: number
  prefix: boolean
  /** The typed word's prefix query already matches every document holding this word (its stem extends the word's). */
  covered: boolean
}

interface SuggestRow {
  products: { id: string; slug: string; name: string; exact: boolean }[] | string | null
  categories: { id: string; name: string; count: number; exact: boolean }[] | string | null
}

const json = <T>(value: T | string | null): T | null =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value

/** Words a typed word may be: its exact completions, then vocabulary words within its typos. */
export function expandWord(
  word: string,
  candidates: readonly { term: string; docCount: number; prefix: boolean }[],
): string[] {
  const typos = allowedPrefixTypos([...word].length)
  const scored = candidates
    .map((c) => ({ ...c, distance: c.prefix ? 0 : prefixEditDistance(word, c.term, typos) }))
    .filter((c) => c.distance <= typos && isPlainWord(c.term))
  scored.sort((a, b) => a.distance - b.distance || b.docCount - a.docCount || (a.term < b.term ? -1 : 1))
  return [...new Set(scored.map((c) => c.term))].slice(0, EXPANSIONS)
}

/**
 * A tsquery over the typed words: each word matches as a prefix, as one of its expansions, and
 * (for a run of words that is a synonym term) as any alternative. `weight` restricts matches to
 * one tsvector weight (`A`, the product name); an empty string leaves them unrestricted.
 */
export function suggestTsquery(
  words: readonly string[],
  expansions: readonly (readonly string[])[],
  synonyms: readonly SynonymSet[],
  weight: 'A' | '',
): { all: string; exact: string } {
  const clause = (i: number) => {
    const word = words[i] as string
    const options = [
      `${quote(word)}:*${weight}`,
      ...(expansions[i] ?? []).map((t) => `${quote(t)}${weight ? `:${weight}` : ''}`),
    ]
    return options.length === 1 ? (options[0] as string) : `( ${options.join(' | ')} )`
  }
  const spans = matchSynonyms(words, synonyms)
  const clauses: string[] = []
  for (let i = 0; i < words.length; ) {
    const span = spans.find((s) => s.start === i)
    if (span === undefined) {
      clauses.push(clause(i))
      i++
      continue
    }
    const own = []
    for (let j = span.start; j < span.end; j++) own.push(clause(j))
    const alternatives = span.alternatives
      .filter((alt) => alt.every(isPlainWord))
      .map((alt) => alt.map((w) => `${quote(w)}${weight ? `:${weight}` : ''}`).join(' <-> '))
      .map((alt) => `( ${alt} )`)
    clauses.push(`( ${[own.length === 1 ? own[0] : `( ${own.join(' & ')} )`, ...alternatives].join(' | ')} )`)
    i = span.end
  }
  return {
    all: clauses.join(' & '),
    exact: words.map((w) => `${quote(w)}:*${weight}`).join(' & '),
  }
}

/**
 * Suggest on Postgres: one statement reads, per typed word, its exact completions and its typo
 * candidates from `search_suggest_terms` (key ranges of the C-collated primary key) and the synonym
 * sets naming any typed word (GIN on `words`); TypeScript keeps the candidates within the typos
 * the word's length allows; a second statement finds the products (the GIN tsvector index, name
 * weight only, exact matches first then by popularity) and the categories.
 */
export function createPostgresSuggest(
  // biome-ignore lint/suspicious/noExplicitAny: any Kysely on the database will do; SQL here is raw.
  db: Kysely<any>,
  schema: string,
) {
  const terms = sql.id(schema, 'search_suggest_terms')
  const documents = sql.id(schema, 'search_documents')
  const categories = sql.id(schema, 'search_categories')
  const synonymTable = sql.id(schema, 'search_synonyms')

  async function suggest(query: SuggestQuery): Promise<SuggestResult> {
    const words = [...new Set(textWords(query.q))]
      .filter((w) => [...w].length <= 40)
      .slice(0, MAX_SUGGEST_WORDS)
    if (words.length === 0) return { products: [], categories: [] }
    const typos = words.map((w) => allowedPrefixTypos([...w].length))
    const { rows } = await sql<CandidateRow>`
      SELECT 'word' AS kind, u.ord::int AS ord, c.term, c.doc_count, c.prefix,
        to_tsvector('english', c.term) @@ to_tsquery('english', '''' || u.word || ''':*') AS covered
      FROM unnest(${words}::text[], ${typos}::int[]) WITH ORDINALITY AS u(word, typos, ord)
      CROSS JOIN LATERAL (
        (SELECT t.term, t.doc_count, true AS prefix FROM ${terms} t
         WHERE t.term >= u.word AND t.term < u.word || chr(1114111) AND t.doc_count > 0
         ORDER BY t.doc_count DESC, t.term LIMIT ${PREFIX_COMPLETIONS})
        UNION ALL
        (SELECT t.term, t.doc_count, false FROM ${terms} t
         WHERE u.typos > 0
           AND t.term >= left(u.word, 1) AND t.term < left(u.word, 1) || chr(1114111)
           AND NOT (t.term >= u.word AND t.term < u.word || chr(1114111))
           AND (substr(t.term, 2, 1) IN (substr(u.word, 2, 1), substr(u.word, 3, 1))
             OR substr(t.term, 3, 1) IN (substr(u.word, 2, 1), substr(u.word, 3, 1)))
           AND t.doc_count > 0
         ORDER BY t.doc_count DESC, t.term LIMIT ${TYPO_CANDIDATES})
      ) c
      UNION ALL
      SELECT 'synonym', 0, json_build_object('id', s.id, 'terms', s.terms, 'root', s.root)::text, 0, false, false
      FROM ${synonymTable} s WHERE s.words && ${words}::text[]
      UNION ALL
      -- The planner's row estimate (-1 before the first ANALYZE): what "dense" is measured against.
      SELECT 'documents', 0, '', c.reltuples::bigint, false, false
      FROM pg_catalog.pg_class c WHERE c.oid = to_regclass(quote_ident(${schema}) || '.search_documents')`.execute(
      db,
    )

    const expansions = words.map((word, i) =>
      expandWord(
        word,
        rows
          .filter((r) => r.kind === 'word' && Number(r.ord) === i + 1)
          .map((r) => ({ term: r.term, docCount: Number(r.doc_count), prefix: r.prefix })),
      ),
    )
    const synonyms = rows
      .filter((r) => r.kind === 'synonym')
      .map((r) => JSON.parse(r.term) as SynonymSet)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
    const named = suggestTsquery(words, expansions, synonyms, 'A')
    const plain = suggestTsquery(words, expansions, synonyms, '')
    // The tsqueries are written out in each WHERE (not taken from a CTE) so the planner sees
    // constants and uses the GIN index. Exact matches and the rest are fetched separately, each
    // by popularity with its own limit, so neither has to rank every match.
    const exact = sql`to_tsquery('english', ${named.exact})`
    // Walking the popularity index and testing each row pays off only when matches are dense (a
    // word of one or two letters); otherwise it may read the whole table to find a few rows, or
    // none. `+ 0` hides the index from those orderings, so the planner takes the GIN index and
    // sorts the matches instead.
    const dense = words.every((w) => [...w].length <= 2)
    const popularity = dense ? sql`d.popularity` : sql`(d.popularity + 0)`
    // Words too short for a typo expand only to their own completions, which the prefix already
    // matches: without synonyms there is nothing beyond the exact matches to look for.
    const near = typos.some((t) => t > 0) || synonyms.length > 0
    // A completion the prefix already matches ("wireless" for "wire") adds nothing to the near
    // matches, which are all matches but the exact ones; left in, the near query would read every
    // exact match again only to drop it. One word without synonyms is near through its
    // expansions alone.
    const uncovered = expansions.map((terms, i) => {
      const covered = new Set(
        rows.filter((r) => r.kind === 'word' && Number(r.ord) === i + 1 && r.covered).map((r) => r.term),
      )
      return terms.filter((t) => !covered.has(t))
    })
    const nearQuery =
      words.length === 1 && synonyms.length === 0
        ? (uncovered[0] ?? []).map((t) => `${quote(t)}:A`).join(' | ')
        : suggestTsquery(words, uncovered, synonyms, 'A').all
    const exactWhere = sql`d.tsv @@ ${exact}`
    const nearWhere =
      near && nearQuery !== ''
        ? sql`d.tsv @@ to_tsquery('english', ${nearQuery}) AND NOT d.tsv @@ ${exact}`
        : sql`false`
    const walk = dense ? { exact: false, near: false } : walkable(rows, words, uncovered, query.limit)
    // A common prefix ("head" in a million products) matches a tenth of the catalog: through the
    // GIN index that is every match read and sorted, a second or more. Its most popular matches are
    // among the most popular documents, so a dense branch reads those first (a bounded walk of the
    // popularity index) and falls back to the GIN index only when they hold less than a page. Both
    // ways give the same rows: the first matches in (popularity, id) order.
    const branch = (name: string, isExact: boolean, where: RawBuilder<unknown>, walked: boolean) => {
      const gin = sql`SELECT d.id, d.slug, d.name, d.popularity, ${sql.lit(isExact)} AS exact FROM ${documents} d
             WHERE ${where} ORDER BY ${popularity} DESC, d.id LIMIT ${query.limit}`
      if (!walked) return sql`(${gin})`
      const cte = sql.id(name)
      return sql`(SELECT w.id, w.slug, w.name, w.popularity, ${sql.lit(isExact)} AS exact FROM ${cte} w
               WHERE (SELECT count(*) FROM ${cte}) >= ${query.limit})
            UNION ALL
            (SELECT * FROM (${gin}) g WHERE (SELECT count(*) FROM ${cte}) < ${query.limit})`
    }
    const walkedCte = (name: string, where: RawBuilder<unknown>) =>
      sql`${sql.id(name)} AS (
        SELECT d.id, d.slug, d.name, d.popularity FROM (
          SELECT d.id, d.slug, d.name, d.popularity, d.tsv FROM ${documents} d
          ORDER BY d.popularity DESC, d.id LIMIT ${WALKED_DOCUMENTS}) d
        WHERE ${where} ORDER BY d.popularity DESC, d.id LIMIT ${query.limit})`
    const nearWalked = walk.near && near && nearQuery !== ''
    const ctes = [
      ...(walk.exact ? [walkedCte('walked_exact', exactWhere)] : []),
      ...(nearWalked ? [walkedCte('walked_near', nearWhere)] : []),
    ]
    const { rows: result } = await sql<SuggestRow>`
      ${ctes.length > 0 ? sql`WITH ${sql.join(ctes)}` : sql``}
      SELECT
        (SELECT coalesce(json_agg(json_build_object('id', p.id, 'slug', p.slug, 'name', p.name, 'exact', p.exact)
            ORDER BY p.exact DESC, p.popularity DESC, p.id), '[]'::json)
          FROM (
            ${branch('walked_exact', true, exactWhere, walk.exact)}
            UNION ALL
            ${branch('walked_near', false, nearWhere, nearWalked)}
            ORDER BY exact DESC, popularity DESC, id LIMIT ${query.limit}
          ) p) AS products,
        (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name, 'count', c.doc_count, 'exact', c.exact)
            ORDER BY c.exact DESC, c.doc_count DESC, c.name, c.id), '[]'::json)
          FROM (
            SELECT c.id, c.name, c.doc_count,
              to_tsvector('simple', c.name) @@ to_tsquery('simple', ${plain.exact}) AS exact
            FROM ${categories} c
            WHERE c.doc_count > 0 AND to_tsvector('simple', c.name) @@ to_tsquery('simple', ${plain.all})
            ORDER BY 4 DESC, c.doc_count DESC, c.name, c.id LIMIT ${query.limit}
          ) c) AS categories`.execute(db)
    const row = result[0] as SuggestRow
    return { products: json(row.products) ?? [], categories: json(row.categories) ?? [] }
  }

  return { suggest: (query: SuggestQuery) => withMappedErrors(() => suggest(query)) }
}

/**
 * Whether each branch's matches are dense enough for a bounded walk of the popularity index to
 * find a page of them: when the vocabulary says the typed words' completions (and, for the near
 * branch, the expansions the prefix does not already match) are held by at least twice the share
 * of documents a walk of `WALKED_DOCUMENTS` needs. Several words count as their rarest. The counts
 * cover names and category names, so they can overstate a word's name matches: a wrong guess
 * costs one walk.
 */
function walkable(
  rows: readonly CandidateRow[],
  words: readonly string[],
  expansions: readonly (readonly string[])[],
  limit: number,
): { exact: boolean; near: boolean } {
  const documents = Number(rows.find((r) => r.kind === 'documents')?.doc_count ?? -1)
  if (!(documents > 0)) return { exact: false, near: false }
  const perWord = words.map((_, i) => {
    const own = rows.filter((r) => r.kind === 'word' && Number(r.ord) === i + 1)
    const prefixed = own.filter((r) => r.prefix).reduce((sum, r) => sum + Number(r.doc_count), 0)
    const expanded = own
      .filter((r) => expansions[i]?.includes(r.term))
      .reduce((sum, r) => sum + Number(r.doc_count), 0)
    return { prefixed, expanded }
  })
  const exact = Math.min(...perWord.map((w) => w.prefixed))
  // One word is near through its expansions alone; several through every word's prefix or them.
  const near =
    words.length === 1
      ? (perWord[0]?.expanded ?? 0)
      : Math.min(...perWord.map((w) => w.prefixed + w.expanded)) - exact
  const enough = (documents * 2 * limit) / WALKED_DOCUMENTS
  return { exact: exact >= enough, near: near >= enough }
}
