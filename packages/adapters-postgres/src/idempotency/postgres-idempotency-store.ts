import { ConflictError, type IdempotencyClaim, type IdempotencyStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { withMappedErrors } from '../map-postgres-error.js'

/** Idempotency keys on Postgres: a claim is one INSERT ... ON CONFLICT statement. */
export function createPostgresIdempotencyStore(db: Kysely<SoukDatabase>, schema: string): IdempotencyStore {
  const table = sql.id(schema, 'idempotency_keys')
  return {
    claim: ({ scope, key, requestHash, at, expiresAt }) =>
      withMappedErrors(async () => {
        for (let attempt = 1; ; attempt++) {
          // A key past its expiry is claimed afresh; otherwise the existing row is read. The read is
          // a separate statement: this one's snapshot may predate a twin's insert that made ours
          // conflict, so only a new statement is sure to see it.
          const { rows } = await sql<{ n: number }>`
            insert into ${table} as k (scope, key, request_hash, status, created_at, updated_at, expires_at)
            values (${scope}, ${key}, ${requestHash}, 'in_progress', ${at}, ${at}, ${expiresAt})
            on conflict (scope, key) do update
              set request_hash = excluded.request_hash, status = 'in_progress', resource_id = null,
                  response = null, created_at = excluded.created_at, updated_at = excluded.updated_at,
                  expires_at = excluded.expires_at
              where k.expires_at <= ${at}
            returning 1 as n`.execute(db)
          if (rows.length === 1) return { outcome: 'claimed' } satisfies IdempotencyClaim
          const row = await db
            .selectFrom('idempotency_keys')
            .select(['request_hash', 'status', 'resource_id', 'response', 'updated_at'])
            .where('scope', '=', scope)
            .where('key', '=', key)
            .executeTakeFirst()
          if (!row) {
            // Abandoned between our insert and our read: claim again.
            if (attempt < 3) continue
            throw new ConflictError(`Idempotency key ${key} is busy; retry`, { scope, key })
          }
          if (row.request_hash !== requestHash) {
            throw new ConflictError(
              `Idempotency key ${key} was already used with a different request`,
              { scope, key },
              { code: 'idempotency.conflict' },
            )
          }
          if (row.status === 'in_progress') {
            return {
              outcome: 'in_progress',
              resourceId: row.resource_id,
              updatedAt: row.updated_at,
            } satisfies IdempotencyClaim
          }
          return {
            outcome: 'completed',
            response: parseJson(row.response),
            resourceId: row.resource_id,
          } satisfies IdempotencyClaim
        }
      }),

    attach: ({ scope, key, resourceId, at }) =>
      withMappedErrors(async () => {
        await db
          .updateTable('idempotency_keys')
          .set({ resource_id: resourceId, updated_at: at })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .execute()
      }),

    complete: ({ scope, key, response, resourceId, at }) =>
      withMappedErrors(async () => {
        await db
          .updateTable('idempotency_keys')
          .set({
            status: 'completed',
            response: JSON.stringify(response ?? null),
            resource_id: resourceId,
            updated_at: at,
          })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .execute()
      }),

    abandon: ({ scope, key }) =>
      withMappedErrors(async () => {
        await db
          .deleteFrom('idempotency_keys')
          .where('scope', '=', scope)
          .where('key', '=', key)
          .where('status', '=', 'in_progress')
          .execute()
      }),

    purgeExpired: (at) =>
      withMappedErrors(async () => {
        const result = await db
          .deleteFrom('idempotency_keys')
          .where('expires_at', '<=', at)
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      }),
  }
}
