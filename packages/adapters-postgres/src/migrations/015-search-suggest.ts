import { type Kysely, sql } from 'kysely'

/**
 * Suggest and synonyms for the Postgres search index.
 *
 * - `search_documents.categories`: the document's categories with their names (jsonb array of
 *   `{id, name}`), null for documents written before this migration (a reindex fills it).
 * - `search_suggest_terms`: the suggest vocabulary, the words of product names and of their
 *   categories' names with the number of documents holding each, kept by the index's writes under
 *   the same advisory lock as `search_terms`. Typo-tolerant completion reads one key range of it
 *   (the typed word's first letter) through the C-collated primary key: no extension needed, so it
 *   works on PGlite without pg_trgm.
 * - `search_categories`: each category some document names, its latest name and how many
 *   documents name it (ancestors included); a row whose count reaches zero is deleted.
 * - `search_synonyms`: staff synonym sets; `words` holds every word of the set's terms, so a
 *   query finds the sets that may concern it through a GIN index (array operators, built in).
 *
 * The vocabulary is backfilled from the names already indexed; category names arrive with the
 * next write of each document (or `search.reindex()`).
 */
export function searchSuggestMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.search_documents ADD COLUMN categories jsonb;

CREATE TABLE ${s}.search_suggest_terms (
  term text COLLATE "C" PRIMARY KEY,
  doc_count integer NOT NULL
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

CREATE TABLE ${s}.search_categories (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  doc_count integer NOT NULL
) WITH (fillfactor = 50);

CREATE TABLE ${s}.search_synonyms (
  id text COLLATE "C" PRIMARY KEY,
  root text,
  terms text[] NOT NULL,
  words text[] NOT NULL
);
CREATE INDEX search_synonyms_words_idx ON ${s}.search_synonyms USING gin (words);

INSERT INTO ${s}.search_suggest_terms (term, doc_count)
SELECT v.lexeme, count(*)::int
FROM ${s}.search_documents d, unnest(to_tsvector('simple', d.name)) v
WHERE length(v.lexeme) <= 40 AND v.lexeme !~ '[[:punct:]]'
GROUP BY v.lexeme;
`)
        .execute(db)
    },
  }
}
