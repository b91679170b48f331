import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../src/database.js'

/**
 * Waits (up to 50 s) until no domain event in the log is newer than the oldest transaction still
 * running on the server, whatever its database: the relay passes an event only then, and another
 * suite's long transaction on the same server can hold it back for a while. After this, one
 * `drain()` delivers every event committed so far.
 */
export async function eventHorizonPassed(db: Kysely<SoukDatabase>): Promise<void> {
  for (let waited = 0; waited < 50_000; waited += 50) {
    const { rows } = await sql<{ behind: boolean }>`
      select exists (select 1 from souk.outbox where topic = 'commerce.event'
        and tx >= pg_snapshot_xmin(pg_current_snapshot())) as behind`.execute(db)
    if (!rows[0]!.behind) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
