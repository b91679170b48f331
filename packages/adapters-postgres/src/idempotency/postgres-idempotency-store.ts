import { ConflictError, type IdempotencyClaim, type IdempotencyStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import type { SoukDatabase } from '../database.js'
import { parseJson } from '../inventory/row-mappers.js'
import { withMappedErrors } from '../map-postgres-error.js'

interface KeyRow {
  inserted: boolean
  request_hash: string
  status: 'in_progress' | 'completed' | 'failed'
  resource_id: string | null
  response: unknown
  updated_at: Date
}

/** Idempotency keys on Postgres: a claim is one INSERT ... ON CONFLICT statement. */
export function createPostgresIdempotencyStore(db: Kysely<SoukDatabase>, schema: string): IdempotencyStore {
  const table = sql.id(schema, 'idempotency_keys')
  return {
    claim: ({ scope, key, requestHash, at, expiresAt }) =>
      withMappedErrors(async () => {
        // A key past its expiry is claimed afresh; otherwise the existing row is returned as it is.
        const { rows } = await sql<KeyRow>`
          with claimed as (
            insert into ${table} as k (scope, key, request_hash, status, created_at, updated_at, expires_at)
            values (${scope}, ${key}, ${requestHash}, 'in_progress', ${at}, ${at}, ${expiresAt})
            on conflict (scope, key) do update
              set request_hash = excluded.request_hash, status = 'in_progress', resource_id = null,
                  response = null, created_at = excluded.created_at, updated_at = excluded.updated_at,
                  expires_at = excluded.expires_at
              where k.expires_at <= ${at}
            returning true as inserted, request_hash, status, resource_id, response, updated_at
          )
          select * from claimed
          union all
          select false, request_hash, status, resource_id, response, updated_at from ${table}
          where scope = ${scope} and key = ${key} and not exists (select 1 from claimed)`.execute(db)
        const row = rows[0]
        if (!row) return claimAgain()
        if (row.inserted) return { outcome: 'claimed' }
        if (row.request_hash !== requestHash) {
          throw new ConflictError(
            `Idempotency key ${key} was already used with a different request`,
            { scope, key },
            { code: 'idempotency.conflict' },
          )
        }
        if (row.status === 'in_progress')
          return { outcome: 'in_progress', resourceId: row.resource_id, updatedAt: row.updated_at }
        return { outcome: 'completed', response: parseJson(row.response), resourceId: row.resource_id }

        // The row was deleted between the insert attempt and the read: try once more.
        async function claimAgain(): Promise<IdempotencyClaim> {
          const again = await sql<{ n: number }>`
            insert into ${table} (scope, key, request_hash, status, created_at, updated_at, expires_at)
            values (${scope}, ${key}, ${requestHash}, 'in_progress', ${at}, ${at}, ${expiresAt})
            on conflict do nothing returning 1 as n`.execute(db)
          if (again.rows.length === 1) return { outcome: 'claimed' }
          throw new ConflictError(`Idempotency key ${key} is busy; retry`, { scope, key })
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
