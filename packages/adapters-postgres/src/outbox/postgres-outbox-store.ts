import type { OutboxMessage, OutboxStore } from '@souk/core'
import { type Kysely, sql } from 'kysely'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'

interface ClaimedRow {
  id: string
  topic: string
  key: string
  payload: unknown
  attempts: number
}

/** Outbox ids are bigserial; anything else cannot name a row (and would fail the cast). */
const isRowId = (id: string) => /^[1-9][0-9]{0,18}$/.test(id)

/**
 * The outbox on Postgres (`outbox`, migrations 002 and 004). A claim is one UPDATE over the
 * oldest available rows, picked with `FOR UPDATE SKIP LOCKED`, that sets the lease
 * (`locked_until`) and counts the attempt. Claims on one topic take a transaction-scoped advisory
 * lock first, so a key leased to one claim is never handed to another at the same time.
 * @param db a Kysely instance or transaction already bound to Souk's schema. Inside a
 *   transaction, `enqueue` commits with it (the transactional outbox); call `claim` outside one,
 *   or its lease only starts when that transaction commits.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresOutboxStore<DB>(db: Kysely<DB>, schema: string): OutboxStore {
  const outbox = sql.id(schema, 'outbox')

  return {
    enqueue: ({ messages, now }) =>
      withMappedErrors(async () => {
        if (messages.length === 0) return []
        const { rows } = await sql<{ id: string }>`
          INSERT INTO ${outbox} (topic, key, payload, created_at, available_at)
          SELECT m.value->>'topic', m.value->>'key', coalesce(m.value->'payload', 'null'::jsonb), ${now}, ${now}
          FROM jsonb_array_elements(${JSON.stringify(messages)}::jsonb) WITH ORDINALITY AS m(value, ord)
          ORDER BY m.ord
          RETURNING id::text AS id`.execute(db)
        // bigserial ids follow insertion order, and the rows were inserted in the order given.
        return rows.map((r) => r.id).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
      }),

    claim: ({ topic, limit, leaseMs, now }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const lockKey = `${schema}.outbox:${topic}`
          await sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx)
          const until = new Date(now.getTime() + leaseMs)
          const { rows } = await sql<ClaimedRow>`
            UPDATE ${outbox} o
            SET locked_until = ${until}, attempts = o.attempts + 1
            FROM (
              SELECT c.id FROM ${outbox} c
              WHERE c.topic = ${topic}
                AND c.processed_at IS NULL
                -- The claim index's predicate, as a literal: domain events are never claimed.
                AND c.topic <> 'commerce.event'
                AND c.available_at <= ${now}
                AND (c.locked_until IS NULL OR c.locked_until <= ${now})
                AND NOT EXISTS (
                  SELECT 1 FROM ${outbox} l
                  WHERE l.topic = c.topic AND l.key = c.key AND l.processed_at IS NULL
                    AND l.locked_until > ${now})
              ORDER BY c.available_at, c.id
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED
            ) picked
            WHERE o.id = picked.id
            RETURNING o.id::text AS id, o.topic, o.key, o.payload, o.attempts`.execute(trx)
          return rows
            .map(
              (r): OutboxMessage => ({
                id: r.id,
                topic: r.topic,
                key: r.key,
                payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
                attempts: Number(r.attempts),
              }),
            )
            .sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1))
        }),
      ),

    ack: ({ messageIds, now }) =>
      withMappedErrors(async () => {
        const valid = messageIds.filter(isRowId)
        if (valid.length === 0) return 0
        // In a transaction racing another ack of the same rows, the second waits for the first to
        // commit, re-checks processed_at and counts nothing: its caller learns it came second.
        const { rows } = await sql<{ id: string }>`
          UPDATE ${outbox} SET processed_at = ${now}, locked_until = NULL
          WHERE id = ANY(${valid}::bigint[]) AND processed_at IS NULL
          RETURNING id::text AS id`.execute(db)
        return rows.length
      }),

    fail: ({ messageIds, error, retryAt }) =>
      withMappedErrors(async () => {
        const valid = messageIds.filter(isRowId)
        if (valid.length === 0) return
        await sql`
          UPDATE ${outbox}
          SET last_error = left(${error}, 2000), available_at = ${retryAt}, locked_until = NULL
          WHERE id = ANY(${valid}::bigint[]) AND processed_at IS NULL`.execute(db)
      }),

    purge: ({ before, logTopics, limit }) =>
      withMappedErrors(async () => {
        const result = await sql`
          DELETE FROM ${outbox} WHERE id IN (
            SELECT id FROM ${outbox}
            WHERE processed_at < ${before}
               OR (topic = ANY(${[...logTopics]}::text[]) AND created_at < ${before})
            LIMIT ${limit})`.execute(db)
        return Number(result.numAffectedRows ?? 0)
      }),
  }
}
