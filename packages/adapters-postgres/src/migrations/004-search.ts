import { type Kysely, sql } from 'kysely'

/**
 * Search: the Postgres full-text index (`search_documents`, with a weighted tsvector) and its
 * vocabulary (`search_terms`, the words typo correction chooses from), plus the lease column the
 * outbox workers claim with.
 *
 * Typo tolerance needs the pg_trgm extension. It is created when the server offers it (stock
 * PostgreSQL does; PGlite does when created with `extensions: { pg_trgm }`); without it the
 * migration still succeeds and search runs without typo correction.
 */
export function searchMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
-- A claimed message is leased until locked_until; a worker that dies loses it when that passes.
ALTER TABLE ${s}.outbox ADD COLUMN locked_until timestamptz;
CREATE INDEX outbox_leased_idx ON ${s}.outbox (topic, key) WHERE processed_at IS NULL AND locked_until IS NOT NULL;

-- One row per indexed product: the document's fields and the weighted tsvector (name A, tags B,
-- description C). Ids sort bytewise (COLLATE "C") so the id tie-breaker orders pages the same
-- way on every server and in every adapter.
CREATE TABLE ${s}.search_documents (
  id text COLLATE "C" PRIMARY KEY,
  slug text NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  tags text[] NOT NULL,
  category_ids text[] NOT NULL,
  seller_id text,
  price bigint NOT NULL,
  currency char(3) NOT NULL,
  in_stock boolean NOT NULL,
  popularity bigint NOT NULL,
  rating double precision,
  created_at timestamptz NOT NULL,
  tsv tsvector NOT NULL
);
CREATE INDEX search_documents_tsv_idx ON ${s}.search_documents USING gin (tsv);
CREATE INDEX search_documents_category_idx ON ${s}.search_documents USING gin (category_ids);
CREATE INDEX search_documents_tags_idx ON ${s}.search_documents USING gin (tags);
CREATE INDEX search_documents_popular_idx ON ${s}.search_documents (popularity DESC, id);
CREATE INDEX search_documents_newest_idx ON ${s}.search_documents (created_at DESC, id DESC);
CREATE INDEX search_documents_price_idx ON ${s}.search_documents (price, id);
CREATE INDEX search_documents_seller_idx ON ${s}.search_documents (seller_id) WHERE seller_id IS NOT NULL;

-- The vocabulary: every word of every indexed document with the number of documents holding
-- it, kept in step by the index's upserts and deletes (under one advisory lock, so counts are
-- exact; a word whose count reaches zero is deleted). Counts change constantly and no index
-- covers them, so updates are HOT: half-empty pages keep new row versions beside the old, and
-- autovacuum is asked to come early.
CREATE TABLE ${s}.search_terms (
  term text COLLATE "C" PRIMARY KEY,
  doc_count integer NOT NULL
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
`)
        .execute(db)

      const trgmSchema = await ensurePgTrgm(db)
      if (trgmSchema !== null) {
        await sql`CREATE INDEX search_terms_trgm_idx ON ${sql.id(s, 'search_terms')}
          USING gin (term ${sql.id(trgmSchema, 'gin_trgm_ops')})`.execute(db)
      }
    },
  }
}

/**
 * Creates pg_trgm if the server offers it and returns the schema it lives in, or null when it is
 * not available (or the role may not create it). A failed CREATE EXTENSION is rolled back to a
 * savepoint so the rest of the migration still commits.
 */
async function ensurePgTrgm(db: Kysely<unknown>): Promise<string | null> {
  const installed = await trgmSchemaOf(db)
  if (installed !== null) return installed
  const { rows } = await sql<{ available: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available`.execute(db)
  if (!rows[0]?.available) return null
  const guarded = db.isTransaction
  if (guarded) await sql`SAVEPOINT souk_pg_trgm`.execute(db)
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db)
  } catch {
    // 42501 when the role may not create extensions (search then works without typo correction),
    // or 23505 when a concurrent migration of another schema created it first (then it exists).
    if (guarded) await sql`ROLLBACK TO SAVEPOINT souk_pg_trgm`.execute(db)
    return trgmSchemaOf(db)
  }
  if (guarded) await sql`RELEASE SAVEPOINT souk_pg_trgm`.execute(db)
  return trgmSchemaOf(db)
}

/** The schema pg_trgm is installed in, or null. */
export async function trgmSchemaOf(db: Kysely<unknown>): Promise<string | null> {
  const { rows } = await sql<{ schema: string }>`
    SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm'`.execute(db)
  return rows[0]?.schema ?? null
}
