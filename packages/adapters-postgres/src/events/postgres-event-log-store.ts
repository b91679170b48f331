import {
  ConflictError,
  type DeadLetter,
  type EventLogStore,
  type LoggedEvent,
  type SubscriberLease,
  ValidationError,
} from '@souk/core'
import { type Kysely, sql } from 'kysely'
import { checkCursor, ID_KEY, keysetPage } from '../keyset.js'
import { withMappedErrors } from '../map-postgres-error.js'
import { transact } from '../transact.js'

/** The outbox topic of domain events (`DOMAIN_EVENT_TOPIC` in core). */
const EVENT_TOPIC = 'commerce.event'

/** A position is `<tx>:<id>`: the writing transaction's id and the outbox row id. */
const POSITION = /^(0|[1-9][0-9]{0,19}):(0|[1-9][0-9]{0,18})$/

function splitPosition(position: string): { tx: string; id: string } {
  const match = POSITION.exec(position)
  if (!match)
    throw new ValidationError(`Not an event log position: ${position}`, [
      { path: 'cursor', message: 'expected <tx>:<id>' },
    ])
  return { tx: match[1]!, id: match[2]! }
}

interface CursorRow {
  subscriber: string
  partition: number
  partitions: number
  cursor_tx: string
  cursor_id: string
  attempts: number
}

interface DeadLetterRow {
  subscriber: string
  event_id: string
  type: string
  aggregate_id: string
  payload: unknown
  attempts: number
  last_error: string | null
  dead_at: Date | string
  replay_requested_at: Date | string | null
}

const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value)
const date = (value: Date | string) => (value instanceof Date ? value : new Date(value))

function deadLetter(row: DeadLetterRow): DeadLetter {
  return {
    subscriber: row.subscriber,
    eventId: row.event_id,
    type: row.type,
    aggregateId: row.aggregate_id,
    payload: json(row.payload),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    deadAt: date(row.dead_at),
    replayRequestedAt: row.replay_requested_at === null ? null : date(row.replay_requested_at),
  }
}

/**
 * Durable subscribers' cursors and dead letters on Postgres (migration 009). Partitions route an
 * event by `hashtext(aggregate id)`; a read only returns events below `pg_snapshot_xmin`, so no
 * transaction still running can later commit an event behind a cursor.
 * @param db Souk's schema-bound Kysely, outside any transaction.
 * @param schema the schema name, for raw SQL.
 */
export function createPostgresEventLogStore<DB>(db: Kysely<DB>, schema: string): EventLogStore {
  const outbox = sql.id(schema, 'outbox')
  const cursors = sql.id(schema, 'event_cursors')
  const dead = sql.id(schema, 'event_dead_letters')
  const partitionOf = (key: ReturnType<typeof sql.ref>, partitions: unknown) =>
    sql`((hashtext(${key}) & 2147483647) % ${partitions})`

  return {
    register: ({ subscriber, partitions, from, now }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          // Serialises registrations of one subscriber, so racing first ones agree on a partition count.
          const lockKey = `${schema}.event_cursors:${subscriber}`
          await sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx)
          const { rows } = await sql<{ partitions: number }>`
          SELECT DISTINCT partitions FROM ${cursors} WHERE subscriber = ${subscriber}`.execute(trx)
          if (rows.length > 0) {
            if (rows.some((r) => Number(r.partitions) !== partitions)) {
              throw new ConflictError(
                `Subscriber ${subscriber} has ${rows[0]!.partitions} partitions; it cannot be registered with ${partitions}`,
                { reason: 'partitions_changed', subscriber, partitions: Number(rows[0]!.partitions) },
              )
            }
            return
          }
          const start = from === 'now' ? sql`pg_snapshot_xmin(pg_current_snapshot())` : sql`'0'::xid8`
          await sql`
          INSERT INTO ${cursors} (subscriber, partition, partitions, cursor_tx, cursor_id, next_at, created_at)
          SELECT ${subscriber}, g, ${partitions}::int, ${start}, 0, ${now}, ${now}
          FROM generate_series(0, ${partitions}::int - 1) AS g
          ON CONFLICT (subscriber, partition) DO NOTHING`.execute(trx)
        }),
      ),

    remove: (subscriber) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          await sql`DELETE FROM ${dead} WHERE subscriber = ${subscriber}`.execute(trx)
          await sql`DELETE FROM ${cursors} WHERE subscriber = ${subscriber}`.execute(trx)
        }),
      ),

    lease: ({ subscribers, leaseMs, token, now }) =>
      withMappedErrors(async () => {
        if (subscribers.length === 0) return null
        const until = new Date(now.getTime() + leaseMs)
        const { rows } = await sql<CursorRow>`
          UPDATE ${cursors} c SET lease_token = ${token}, locked_until = ${until},
            leased_seq = nextval(${`${schema}.event_lease_seq`}::regclass)
          FROM (
            SELECT subscriber, partition FROM ${cursors}
            WHERE subscriber = ANY(${[...subscribers]}::text[]) AND next_at <= ${now}
              AND (locked_until IS NULL OR locked_until <= ${now})
            ORDER BY next_at, leased_seq
            LIMIT 1
            FOR UPDATE SKIP LOCKED
          ) due
          WHERE c.subscriber = due.subscriber AND c.partition = due.partition
          RETURNING c.subscriber, c.partition, c.partitions, c.cursor_tx::text AS cursor_tx,
            c.cursor_id::text AS cursor_id, c.attempts`.execute(db)
        const row = rows[0]
        if (!row) return null
        return {
          subscriber: row.subscriber,
          partition: Number(row.partition),
          partitions: Number(row.partitions),
          token,
          cursor: `${row.cursor_tx}:${row.cursor_id}`,
          attempts: Number(row.attempts),
        } satisfies SubscriberLease
      }),

    read: ({ lease, limit }) =>
      withMappedErrors(async () => {
        const { tx, id } = splitPosition(lease.cursor)
        const { rows } = await sql<{ tx: string; id: string; payload: unknown }>`
          SELECT o.tx::text AS tx, o.id::text AS id, o.payload FROM ${outbox} o
          WHERE o.topic = ${EVENT_TOPIC}
            AND (o.tx, o.id) > (${tx}::xid8, ${id}::bigint)
            AND o.tx < pg_snapshot_xmin(pg_current_snapshot())
            AND ${partitionOf(sql.ref('o.key'), lease.partitions)} = ${lease.partition}
          ORDER BY o.tx, o.id
          LIMIT ${limit}`.execute(db)
        return rows.map((r): LoggedEvent => ({ position: `${r.tx}:${r.id}`, payload: json(r.payload) }))
      }),

    readReplays: ({ lease, limit }) =>
      withMappedErrors(async () => {
        const { rows } = await sql<DeadLetterRow>`
          SELECT * FROM ${dead}
          WHERE subscriber = ${lease.subscriber} AND partition = ${lease.partition}
            AND replay_requested_at IS NOT NULL
          ORDER BY dead_at, event_id
          LIMIT ${limit}`.execute(db)
        return rows.map(deadLetter)
      }),

    settle: ({ lease, settlement, now }) =>
      withMappedErrors(() =>
        transact(db, async (trx) => {
          const { tx, id } = splitPosition(settlement.cursor)
          const { rows } = await sql<{ ok: number }>`
            UPDATE ${cursors}
            SET cursor_tx = ${tx}::xid8, cursor_id = ${id}::bigint, attempts = ${settlement.attempts},
                next_at = ${settlement.nextAt}, last_error = ${settlement.lastError},
                lease_token = NULL, locked_until = NULL
            WHERE subscriber = ${lease.subscriber} AND partition = ${lease.partition}
              AND lease_token = ${lease.token}
            RETURNING 1 AS ok`.execute(trx)
          if (rows.length === 0) return false
          if (settlement.deadLetters.length > 0) {
            const letters = settlement.deadLetters.map((d) => ({
              position: d.event.position,
              payload: d.event.payload,
              attempts: d.attempts,
              error: d.error,
            }))
            await sql`
              INSERT INTO ${dead} AS d (subscriber, event_id, partition, type, aggregate_id, payload, attempts,
                last_error, dead_at)
              SELECT ${lease.subscriber}, coalesce(l.payload->>'id', 'position:' || l.position), ${lease.partition},
                coalesce(l.payload->>'type', 'unknown'), coalesce(l.payload->>'aggregateId', ''), l.payload,
                l.attempts, left(l.error, 2000), ${now}
              FROM jsonb_to_recordset(${JSON.stringify(letters)}::jsonb)
                AS l(position text, payload jsonb, attempts integer, error text)
              ON CONFLICT (subscriber, event_id) DO UPDATE
                SET attempts = d.attempts + excluded.attempts, last_error = excluded.last_error,
                    dead_at = excluded.dead_at, replay_requested_at = NULL`.execute(trx)
          }
          const delivered = settlement.replayed.filter((r) => r.error === null).map((r) => r.eventId)
          const failed = settlement.replayed.filter((r) => r.error !== null)
          if (delivered.length > 0) {
            await sql`DELETE FROM ${dead} WHERE subscriber = ${lease.subscriber}
              AND event_id = ANY(${delivered}::text[])`.execute(trx)
          }
          for (const f of failed) {
            await sql`
              UPDATE ${dead} SET replay_requested_at = NULL, attempts = attempts + 1,
                last_error = left(${f.error}, 2000), dead_at = ${now}
              WHERE subscriber = ${lease.subscriber} AND event_id = ${f.eventId}`.execute(trx)
          }
          return true
        }),
      ),

    listDeadLetters: ({ subscriber, after, limit }) =>
      withMappedErrors(async () => {
        checkCursor(after, ID_KEY)
        const { rows } = await sql<DeadLetterRow>`
          SELECT * FROM ${dead}
          WHERE subscriber = ${subscriber}${after ? sql` AND event_id > ${after.id}` : sql``}
          ORDER BY event_id
          LIMIT ${limit + 1}`.execute(db)
        return keysetPage(
          rows,
          { limit, sort: 'dead_letters', position: (r) => ({ key: r.event_id, id: r.event_id }) },
          deadLetter,
        )
      }),

    replayDeadLetters: ({ subscriber, eventIds, now }) =>
      withMappedErrors(async () => {
        const result = await sql`
          UPDATE ${dead} SET replay_requested_at = ${now}
          WHERE subscriber = ${subscriber}
            AND (${eventIds === undefined} OR event_id = ANY(${eventIds ? [...eventIds] : []}::text[]))`.execute(
          db,
        )
        // The partition's next lease picks the replays up: make it due now.
        await sql`UPDATE ${cursors} SET next_at = least(next_at, ${now}) WHERE subscriber = ${subscriber}`.execute(
          db,
        )
        return Number(result.numAffectedRows ?? 0)
      }),

    discardDeadLetters: ({ subscriber, eventIds }) =>
      withMappedErrors(async () => {
        const result = await sql`
          DELETE FROM ${dead}
          WHERE subscriber = ${subscriber}
            AND (${eventIds === undefined} OR event_id = ANY(${eventIds ? [...eventIds] : []}::text[]))`.execute(
          db,
        )
        return Number(result.numAffectedRows ?? 0)
      }),

    purge: ({ before, limit }) =>
      withMappedErrors(async () => {
        const result = await sql`
          DELETE FROM ${outbox} WHERE id IN (
            SELECT o.id FROM ${outbox} o
            WHERE o.topic = ${EVENT_TOPIC} AND o.created_at < ${before}
              AND NOT EXISTS (
                SELECT 1 FROM ${cursors} c
                WHERE (o.tx, o.id) > (c.cursor_tx, c.cursor_id)
                  AND ${partitionOf(sql.ref('o.key'), sql.ref('c.partitions'))} = c.partition)
            LIMIT ${limit})`.execute(db)
        return Number(result.numAffectedRows ?? 0)
      }),
  }
}
