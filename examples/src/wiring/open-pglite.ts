import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'

/**
 * Opens (or creates) the embedded database in `dir`. A data directory written by another PGlite
 * release (each runs its own PostgreSQL major: 0.5 ran 18, 0.6 runs 19) cannot be opened; PGlite
 * then fails with a bare "failed to initialize properly", so this says what happened and what to do.
 */
export async function openPglite(dir: string): Promise<PGlite> {
  mkdirSync(dir, { recursive: true })
  try {
    return await PGlite.create(dir, { extensions: { pg_trgm } })
  } catch (error) {
    const versionFile = `${dir}/PG_VERSION`
    if (!existsSync(versionFile)) throw error
    const major = readFileSync(versionFile, 'utf8').trim()
    throw new Error(
      `The embedded database in ${dir} was written by PostgreSQL ${major} (an older or newer PGlite) and this PGlite cannot open it. ` +
        'Delete that folder to start over (pnpm start seeds the demo again), or move your data with pg_dump first (docs/postgres.md, "PGlite notes").',
      { cause: error },
    )
  }
}
