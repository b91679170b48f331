import { type Kysely, sql } from 'kysely'
import { checkoutBeginFunction } from './008-checkout-statements.js'

const OUTBOX_COPY =
  "SELECT m->>'topic', m->>'key', m->'payload', v_at, v_at FROM jsonb_array_elements(p->'outbox') m;"
const OUTBOX_COPY_NUMBERED = `SELECT m->>'topic', m->>'key',
      CASE WHEN m->'payload'->>'type' = 'order.created'
        THEN jsonb_set(m->'payload', '{data,displayNumber}', to_jsonb(v_display::text)) ELSE m->'payload' END,
      v_at, v_at FROM jsonb_array_elements(p->'outbox') m;`

/** checkout_begin, writing the display number it just drew into the durable order.created. */
function numberedCheckoutBegin(s: string): string {
  const original = checkoutBeginFunction(s)
  if (original.split(OUTBOX_COPY).length !== 2)
    throw new Error('checkout_begin changed: cannot patch its outbox insert')
  return original
    .replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')
    .replace(OUTBOX_COPY, OUTBOX_COPY_NUMBERED)
}

/**
 * Durable subscribers over the event log (the outbox's `commerce.event` rows):
 *
 * - `outbox.tx` is the writing transaction's id. A subscriber's cursor is a (tx, id) position and
 *   only passes events whose tx is below the oldest transaction still running
 *   (`pg_snapshot_xmin`), so an event whose transaction commits late is never skipped.
 * - `event_cursors`: one row per subscriber partition, with its cursor, the failed attempts at
 *   the event after it, when it is due again, and its lease.
 * - `event_dead_letters`: events a subscriber gave up on, with their payload (the log row may be
 *   purged), until an operator replays or discards them.
 * - `event_sequences` numbers every domain event per aggregate (1, 2, 3, …) as it is written.
 * - `checkout_begin` puts the display number it draws into the durable `order.created`, which the
 *   caller builds before the number exists.
 */
export function eventSubscribersMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.outbox ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_event_log_idx ON ${s}.outbox (tx, id) WHERE topic = 'commerce.event';
-- Domain events are read through the event log, never claimed: keep them out of the claim index
-- (one index entry less per event, and an index that does not grow with the retained log). The
-- claim query repeats the predicate literally, so even a generic plan can use the index.
DROP INDEX ${s}.outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON ${s}.outbox (topic, available_at, id)
  WHERE processed_at IS NULL AND topic <> 'commerce.event';

CREATE TABLE ${s}.event_cursors (
  subscriber text NOT NULL,
  partition integer NOT NULL CHECK (partition >= 0),
  partitions integer NOT NULL CHECK (partitions > 0 AND partition < partitions),
  cursor_tx xid8 NOT NULL,
  cursor_id bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz NOT NULL,
  last_error text,
  lease_token text,
  locked_until timestamptz,
  -- Taken from event_lease_seq at every lease: among partitions due at once, the one leased least
  -- recently goes first, so none starves even when the clock stands still.
  leased_seq bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (subscriber, partition)
);
CREATE SEQUENCE ${s}.event_lease_seq;

CREATE TABLE ${s}.event_dead_letters (
  subscriber text NOT NULL,
  event_id text NOT NULL,
  partition integer NOT NULL,
  type text NOT NULL,
  aggregate_id text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL,
  last_error text,
  dead_at timestamptz NOT NULL,
  replay_requested_at timestamptz,
  PRIMARY KEY (subscriber, event_id)
);
CREATE INDEX event_dead_letters_replay_idx ON ${s}.event_dead_letters (subscriber, partition, dead_at)
  WHERE replay_requested_at IS NOT NULL;

-- Every domain event gets the next number of its aggregate, under a row lock held to commit, so
-- the numbers of one aggregate follow its commits with no gaps.
CREATE TABLE ${s}.event_sequences (
  aggregate_id text PRIMARY KEY,
  last_sequence bigint NOT NULL
);
CREATE FUNCTION ${s}.sequence_domain_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_sequence bigint;
BEGIN
  IF jsonb_typeof(NEW.payload) = 'object' THEN
    INSERT INTO ${s}.event_sequences AS q (aggregate_id, last_sequence) VALUES (NEW.key, 1)
      ON CONFLICT (aggregate_id) DO UPDATE SET last_sequence = q.last_sequence + 1
      RETURNING q.last_sequence INTO v_sequence;
    NEW.payload := jsonb_set(NEW.payload, '{sequence}', to_jsonb(v_sequence));
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER outbox_domain_event_sequence BEFORE INSERT ON ${s}.outbox
  FOR EACH ROW WHEN (NEW.topic = 'commerce.event') EXECUTE FUNCTION ${s}.sequence_domain_event();

${numberedCheckoutBegin(s)}
`)
        .execute(db)
    },
  }
}
