import { type Kysely, sql } from 'kysely'

/**
 * Durable reservation and adjustment events: `inventory.reserved`, `inventory.committed`,
 * `inventory.released` and `inventory.adjusted` are written to the outbox in the transaction of
 * the change, on every path, next to their in-process publication.
 *
 * - `domain_event(key, data, at)` is core's `outboxEvent` envelope in SQL: `data` is the event as
 *   JSON (dates as ISO strings), `at` the injected clock's time it is timed by. `event_id` is
 *   redefined in PL/pgSQL: the same ids, about 0.3 ms cheaper per event than 010's SQL function.
 * - A reservation leaving 'active' (`close_reservations`: commit, release, expiry; checkout's
 *   `checkout_finish` included) writes `inventory.committed` with its lines summed per SKU, or
 *   `inventory.released` with `reason` 'released' or 'expired', timed by `closed_at`. The trigger
 *   compares the old and new rows, so only the one call that moves a reservation writes its event,
 *   however many race (they serialize on the reservation's row lock).
 * - `inventory.reserved` and `inventory.adjusted` are written by the inventory store's statements
 *   (see postgres-inventory-store.ts): a trigger sees neither the caller's lines nor the reason of an
 *   adjustment, and a sale moves on hand too. Checkout writes its own `inventory.reserved` in
 *   `checkout_begin`'s outbox list, before `order.created`.
 *
 * The aggregate of a reservation's events is its reference when it has one (checkout: the order,
 * so they are ordered with the order's events), else its id; of `inventory.adjusted`, the SKU.
 */
export function inventoryEventsMigration(schema: string) {
  const s = schema
  /** ISO-8601 with milliseconds in UTC, as `Date.toJSON` writes it. */
  const iso = (at: string) => `to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
  const timeChars = Array.from(
    { length: 10 },
    (_, n) => `substr(a, ((t >> ${5 * (9 - n)}) & 31)::integer + 1, 1)`,
  ).join(' || ')
  const randomChars = Array.from({ length: 16 }, (_, n) => `substr(a, get_byte(b, ${n}) % 32 + 1, 1)`).join(
    ' || ',
  )
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
-- 010's event_id, the same ids at a fraction of the cost: it is on the hot path now (every
-- reservation, commit and release), and a SQL function with a set-returning query is planned at
-- every call, where PL/pgSQL keeps its plans.
CREATE OR REPLACE FUNCTION ${s}.event_id(p_at timestamptz) RETURNS text LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  a constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  t constant bigint := floor(extract(epoch FROM p_at) * 1000)::bigint;
  b constant bytea := uuid_send(gen_random_uuid());
BEGIN
  -- evt_<ulid>: 10 characters of the time in milliseconds, 16 random ones.
  RETURN 'evt_' || ${timeChars} || ${randomChars};
END
$fn$;

CREATE FUNCTION ${s}.domain_event(p_key text, p_data jsonb, p_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  RETURN jsonb_build_object('id', ${s}.event_id(p_at), 'type', p_data->>'type', 'aggregateId', p_key,
    'schemaVersion', 1, 'occurredAt', p_data->>'occurredAt', 'data', p_data);
END
$fn$;

CREATE FUNCTION ${s}.reservation_closed_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_key text := coalesce(NEW.reference, NEW.id);
  v_data jsonb;
BEGIN
  IF NEW.status = 'committed' THEN
    v_data := jsonb_build_object('type', 'inventory.committed', 'reservationId', NEW.id,
      'reference', NEW.reference,
      -- Summed per SKU in code-unit order, as core's sumLines and Reservation.lines have them.
      'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', x.sku, 'quantity', x.quantity)
                                          ORDER BY x.sku COLLATE "C"), '[]')
                FROM (SELECT i.sku, sum(i.quantity) AS quantity FROM ${s}.reservation_items i
                      WHERE i.reservation_id = NEW.id GROUP BY i.sku) x),
      'occurredAt', ${iso('NEW.closed_at')});
  ELSE
    v_data := jsonb_build_object('type', 'inventory.released', 'reservationId', NEW.id,
      'reference', NEW.reference, 'reason', NEW.status, 'occurredAt', ${iso('NEW.closed_at')});
  END IF;
  INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
    VALUES ('commerce.event', v_key, ${s}.domain_event(v_key, v_data, NEW.closed_at), NEW.closed_at, NEW.closed_at);
  RETURN NULL;
END
$fn$;
-- Per row, only for a reservation leaving 'active' (the WHEN clause costs nothing otherwise).
-- close_reservations is the only writer of reservations' status after insert.
CREATE TRIGGER reservations_closed_event AFTER UPDATE OF status ON ${s}.reservations
  FOR EACH ROW WHEN (OLD.status = 'active' AND NEW.status <> 'active')
  EXECUTE FUNCTION ${s}.reservation_closed_event();
`)
        .execute(db)
    },
  }
}
