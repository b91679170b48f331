import { mapPostgresError } from '@souk/adapters-postgres'
import { ConflictError } from '@souk/core'
import { type Kysely, sql } from 'kysely'

/** The example's own table, beside Souk's in the same schema; not a Souk migration. */
export const WEBHOOK_ENDPOINTS_TABLE = 'example_webhook_endpoints'

/** A stored endpoint, secrets included: for the sender, never for a response as it is. */
export interface StoredWebhookEndpoint {
  readonly id: string
  readonly url: string
  readonly events: '*' | readonly string[]
  readonly description: string | null
  readonly secret: string
  /** The secret before the last rotation, still signed with until `previousSecretExpiresAt`. */
  readonly previousSecret: string | null
  readonly previousSecretExpiresAt: Date | null
  readonly createdAt: Date
}

export interface WebhookEndpointStore {
  /** Creates the table when it is missing; safe to run from several processes at once. */
  ensureTable(): Promise<void>
  /** Inserts unless `maxEndpoints` exist already (then `ConflictError`, details `{ reason: 'too_many_endpoints' }`). */
  insert(endpoint: StoredWebhookEndpoint, maxEndpoints: number): Promise<void>
  get(id: string): Promise<StoredWebhookEndpoint | null>
  /** Every endpoint, oldest first. */
  list(): Promise<StoredWebhookEndpoint[]>
  /** Deletes it; false when there was none. */
  delete(id: string): Promise<boolean>
  /** Replaces the secret, keeping the old one until `previousExpiresAt` (null: drop it now). */
  rotateSecret(
    id: string,
    secret: string,
    previousExpiresAt: Date | null,
  ): Promise<StoredWebhookEndpoint | null>
}

interface EndpointRow {
  id: string
  url: string
  events: unknown
  description: string | null
  secret: string
  previous_secret: string | null
  previous_secret_expires_at: Date | string | null
  created_at: Date | string
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value))

function fromRow(row: EndpointRow): StoredWebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events === '*' ? '*' : (row.events as string[]),
    description: row.description,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt:
      row.previous_secret_expires_at === null ? null : asDate(row.previous_secret_expires_at),
    createdAt: asDate(row.created_at),
  }
}

/** Driver errors become Souk errors here, so the error handler answers without driver text. */
async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw mapPostgresError(error)
  }
}

/** The endpoint registry over the storefront's database (PGlite or PostgreSQL), in Souk's schema. */
export function webhookEndpointStore(
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only; the table is not in Souk's database type
  db: Kysely<any>,
  schema: string,
): WebhookEndpointStore {
  const table = sql.id(schema, WEBHOOK_ENDPOINTS_TABLE)
  const columns = sql`id, url, events, description, secret, previous_secret, previous_secret_expires_at, created_at`

  return {
    ensureTable: () =>
      mapped(() =>
        db.transaction().execute(async (trx) => {
          // Two processes starting together would race on CREATE TABLE IF NOT EXISTS (it can fail
          // with a duplicate catalog row); the lock makes the second wait and find the table.
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`${schema}.${WEBHOOK_ENDPOINTS_TABLE}`}))`.execute(
            trx,
          )
          await sql`
            CREATE TABLE IF NOT EXISTS ${table} (
              id text PRIMARY KEY,
              url text NOT NULL,
              events jsonb NOT NULL,
              description text,
              secret text NOT NULL,
              previous_secret text,
              previous_secret_expires_at timestamptz,
              created_at timestamptz NOT NULL
            )`.execute(trx)
        }),
      ),

    insert: (endpoint, maxEndpoints) =>
      mapped(async () => {
        const { rows } = await sql<{ id: string }>`
          INSERT INTO ${table} (${columns})
          SELECT ${endpoint.id}, ${endpoint.url}, ${JSON.stringify(endpoint.events)}::jsonb,
            ${endpoint.description}, ${endpoint.secret}, NULL, NULL, ${endpoint.createdAt}
          WHERE (SELECT count(*) FROM ${table}) < ${maxEndpoints}
          RETURNING id`.execute(db)
        if (rows.length === 0) {
          throw new ConflictError(`At most ${maxEndpoints} webhook endpoints; delete one first`, {
            reason: 'too_many_endpoints',
            max: maxEndpoints,
          })
        }
      }),

    get: (id) =>
      mapped(async () => {
        const { rows } = await sql<EndpointRow>`SELECT ${columns} FROM ${table} WHERE id = ${id}`.execute(db)
        return rows[0] ? fromRow(rows[0]) : null
      }),

    list: () =>
      mapped(async () => {
        const { rows } = await sql<EndpointRow>`SELECT ${columns} FROM ${table} ORDER BY id`.execute(db)
        return rows.map(fromRow)
      }),

    delete: (id) =>
      mapped(async () => {
        const { rows } = await sql<{
          id: string
        }>`DELETE FROM ${table} WHERE id = ${id} RETURNING id`.execute(db)
        return rows.length > 0
      }),

    rotateSecret: (id, secret, previousExpiresAt) =>
      mapped(async () => {
        const { rows } = await sql<EndpointRow>`
          UPDATE ${table}
          SET previous_secret = CASE WHEN ${previousExpiresAt}::timestamptz IS NULL THEN NULL ELSE secret END,
            previous_secret_expires_at = ${previousExpiresAt}::timestamptz,
            secret = ${secret}
          WHERE id = ${id}
          RETURNING ${columns}`.execute(db)
        return rows[0] ? fromRow(rows[0]) : null
      }),
  }
}
