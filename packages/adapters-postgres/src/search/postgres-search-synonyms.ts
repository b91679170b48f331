import type { KeysetCursor, KeysetPage, SynonymSet } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import { byId, checkCursor, ID_KEY, keysetPage } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { synonymWords } from './search-synonyms.js'

/** The sort name of synonym cursors: ascending id. */
export const SYNONYMS_BY_ID = 'id'

interface SynonymRow {
  id: string
  root: string | null
  terms: string[]
}

export const toSynonymSet = (row: SynonymRow): SynonymSet => ({
  id: row.id,
  terms: row.terms,
  root: row.root,
})

/** Staff synonym sets in `search_synonyms` (migration 015). */
export function createPostgresSynonyms(
  // biome-ignore lint/suspicious/noExplicitAny: any Kysely on the database will do; SQL here is raw.
  db: Kysely<any>,
  schema: string,
) {
  const synonyms = sql.id(schema, 'search_synonyms')
  return {
    upsertSynonyms: (set: SynonymSet) =>
      withMappedErrors(async () => {
        await sql`
          INSERT INTO ${synonyms} (id, root, terms, words)
          VALUES (${set.id}, ${set.root}, ${[...set.terms]}::text[], ${synonymWords(set)}::text[])
          ON CONFLICT (id) DO UPDATE SET root = excluded.root, terms = excluded.terms, words = excluded.words`.execute(
          db,
        )
      }),

    deleteSynonyms: (id: string) =>
      withMappedErrors(async () => {
        const { rows } = await sql`DELETE FROM ${synonyms} WHERE id = ${id} RETURNING 1`.execute(db)
        return rows.length > 0
      }),

    listSynonyms: (query: {
      readonly after?: KeysetCursor
      readonly limit: number
    }): Promise<KeysetPage<SynonymSet>> =>
      withMappedErrors(async () => {
        checkCursor(query.after, ID_KEY)
        const { rows } = await sql<SynonymRow>`
          SELECT id, root, terms FROM ${synonyms}
          ${query.after ? sql`WHERE id > ${query.after.id}` : sql``}
          ORDER BY id LIMIT ${query.limit + 1}`.execute(db)
        return keysetPage(rows, { limit: query.limit, sort: SYNONYMS_BY_ID, position: byId }, toSynonymSet)
      }),
  }
}
