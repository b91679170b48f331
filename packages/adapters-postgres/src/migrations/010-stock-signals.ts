import { type Kysely, sql } from 'kysely'

/**
 * Stock signals in the database, so every path that changes stock raises them, the SQL ones
 * (checkout's `reserve_lines`, expiry) included, and durably: the events are written to the outbox
 * by the statement that changed the counters, so they commit or roll back with it.
 *
 * - `inventory_items.stock_state` ('in' | 'low' | 'out') is the SKU's state as of its last change:
 *   untracked is 'in'; else available (on hand minus reserved, over all locations) at or below 0 is
 *   'out', at or below a set `low_stock_threshold` is 'low', and anything else 'in'. A new item has
 *   no levels yet, so a tracked one starts 'out'.
 * - After every statement that inserts or updates `stock_levels`, `stock_levels_signal` recomputes
 *   the state of the SKUs it touched. Nothing is locked or written while the states hold, which is
 *   nearly always: that is the hot path's whole cost, one read per statement. When one moves, the
 *   item rows are locked, the states judged again from counters read after the locks (a concurrent
 *   change may have moved them already), and only transitions that still hold are written, with
 *   their events: 'in' → 'low'/'out' with a threshold set is `inventory.low_stock`, 'out' →
 *   'in'/'low' is `inventory.back_in_stock` with the SKU's subscriptions, which are deleted
 *   (notified once). So an event fires once per crossing, however many writers race across it.
 * - A settings change (tracked, backorder, threshold) or a new item sets the state without an
 *   event: the stock did not move, and a threshold raised over the current stock is no crossing.
 *   These write stock_state with an UPDATE (not in a BEFORE trigger), so triggers on it see it.
 *
 * Not seen at once: two transactions that each leave the state in place at different locations of
 * one SKU but together move it (neither sees the other's uncommitted change). The next change to
 * the SKU puts the state right and raises the event then.
 */
export function stockSignalsMigration(schema: string) {
  const s = schema
  /** Available stock of a SKU over all locations, as a one-row subquery with column `available`. */
  const available = (sku: string) =>
    `(SELECT coalesce(sum(l.on_hand - l.reserved), 0)::bigint AS available FROM ${s}.stock_levels l WHERE l.sku = ${sku})`
  /** ISO-8601 with milliseconds in UTC, as `Date.toJSON` writes it. */
  const iso = (at: string) => `to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.inventory_items ADD COLUMN IF NOT EXISTS stock_state text NOT NULL DEFAULT 'in'
  CHECK (stock_state IN ('in', 'low', 'out'));

-- The one definition of a SKU's stock state. Callers pass plain columns, so it is inlined.
CREATE FUNCTION ${s}.stock_state_of(p_tracked boolean, p_available bigint, p_threshold integer)
RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN NOT p_tracked THEN 'in' WHEN p_available <= 0 THEN 'out'
    WHEN p_available <= p_threshold THEN 'low' ELSE 'in' END
$fn$;

-- evt_<ulid>, like the application's ids: 10 characters of the time, 16 random ones.
CREATE FUNCTION ${s}.event_id(p_at timestamptz) RETURNS text LANGUAGE sql VOLATILE AS $fn$
  SELECT 'evt_' || string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', x.c + 1, 1), '' ORDER BY x.n)
  FROM (
    SELECT t.n, ((floor(extract(epoch FROM p_at) * 1000)::bigint >> (5 * (9 - t.n))) & 31)::integer AS c
      FROM generate_series(0, 9) AS t(n)
    UNION ALL
    SELECT 10 + r.n, get_byte(b.bytes, r.n) % 32
      FROM (SELECT uuid_send(gen_random_uuid()) AS bytes) b, generate_series(0, 15) AS r(n)
  ) x
$fn$;

CREATE FUNCTION ${s}.stock_levels_signal() RETURNS trigger LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_skus text[];
  v_ats timestamptz[];
BEGIN
  -- The hot path: one read, and nothing more unless a state moved. A SKU's events are timed by
  -- its changed levels' updated_at, which every writer sets from the injected clock.
  SELECT array_agg(c.sku ORDER BY c.sku), array_agg(c.at ORDER BY c.sku) INTO v_skus, v_ats
    FROM (SELECT x.sku, max(x.updated_at) AS at FROM changed x GROUP BY x.sku) c
    JOIN ${s}.inventory_items i ON i.sku = c.sku
    CROSS JOIN LATERAL ${available('c.sku')} a
    WHERE i.stock_state <> ${s}.stock_state_of(i.tracked, a.available, i.low_stock_threshold);
  IF v_skus IS NULL THEN
    RETURN NULL;
  END IF;

  -- Judged again under the items' locks (taken in SKU order), from counters read by the next
  -- statement, after them: of writers racing across a line only the first moves the state.
  PERFORM 1 FROM ${s}.inventory_items i WHERE i.sku = ANY (v_skus) ORDER BY i.sku FOR NO KEY UPDATE;
  -- What the state change sets off downstream (011: a product's in-stock flag) is timed by the
  -- same injected clock: the time travels in a transaction-local setting for this statement only.
  PERFORM set_config('souk.event_at', (SELECT max(t) FROM unnest(v_ats) AS t)::text, true);
  WITH fresh AS (
    SELECT i.sku, c.at, i.stock_state AS old, i.low_stock_threshold AS threshold, a.available,
           ${s}.stock_state_of(i.tracked, a.available, i.low_stock_threshold) AS new
    FROM unnest(v_skus, v_ats) AS c(sku, at)
    JOIN ${s}.inventory_items i ON i.sku = c.sku
    CROSS JOIN LATERAL ${available('c.sku')} a
  ), moved AS (
    UPDATE ${s}.inventory_items i SET stock_state = f.new FROM fresh f
    WHERE i.sku = f.sku AND f.new <> f.old
    RETURNING f.sku, f.at, f.old, f.threshold, f.available
  ), told AS (
    DELETE FROM ${s}.stock_subscriptions x USING moved m
    WHERE x.sku = m.sku AND m.old = 'out'
    RETURNING x.sku, x.subscriber, x.created_at
  ), signal AS (
    SELECT m.sku, m.at, CASE WHEN m.old = 'out'
      THEN jsonb_build_object('type', 'inventory.back_in_stock', 'sku', m.sku, 'available', m.available,
        'subscribers', coalesce((SELECT jsonb_agg(t.subscriber ORDER BY t.created_at, t.subscriber)
                                 FROM told t WHERE t.sku = m.sku), '[]'), 'occurredAt', ${iso('m.at')})
      ELSE jsonb_build_object('type', 'inventory.low_stock', 'sku', m.sku, 'available', m.available,
        'threshold', m.threshold, 'occurredAt', ${iso('m.at')}) END AS data
    FROM moved m
    WHERE m.old = 'out' OR (m.old = 'in' AND m.threshold IS NOT NULL)
  )
  -- The envelope of core's outboxEvent, keyed by the SKU.
  INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
    SELECT 'commerce.event', e.sku, jsonb_build_object('id', ${s}.event_id(e.at), 'type', e.data->>'type',
        'aggregateId', e.sku, 'schemaVersion', 1, 'occurredAt', e.data->>'occurredAt', 'data', e.data),
      e.at, e.at
    FROM signal e ORDER BY e.sku;
  PERFORM set_config('souk.event_at', '', true);
  RETURN NULL;
END
$fn$;

-- A transition table needs one trigger per event; an INSERT ... ON CONFLICT DO UPDATE fires both.
CREATE TRIGGER stock_levels_inserted_signal AFTER INSERT ON ${s}.stock_levels
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${s}.stock_levels_signal();
CREATE TRIGGER stock_levels_updated_signal AFTER UPDATE ON ${s}.stock_levels
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${s}.stock_levels_signal();

-- New items (per statement, so a bulk load is one UPDATE) and settings changes (per row: a
-- trigger on named columns cannot have a transition table): the state follows, silently.
CREATE FUNCTION ${s}.inventory_items_added_state() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE ${s}.inventory_items i SET stock_state = n.state
    FROM (SELECT x.sku, ${s}.stock_state_of(x.tracked, a.available, x.low_stock_threshold) AS state
          FROM added x CROSS JOIN LATERAL ${available('x.sku')} a) n
    WHERE i.sku = n.sku AND i.stock_state <> n.state;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER inventory_items_added_state AFTER INSERT ON ${s}.inventory_items
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ${s}.inventory_items_added_state();

CREATE FUNCTION ${s}.inventory_item_settings_state() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE ${s}.inventory_items i SET stock_state = n.state
    FROM (SELECT ${s}.stock_state_of(NEW.tracked, a.available, NEW.low_stock_threshold) AS state
          FROM ${available('NEW.sku')} a) n
    WHERE i.sku = NEW.sku AND i.stock_state <> n.state;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER inventory_items_settings_state
  AFTER UPDATE OF tracked, allow_backorder, low_stock_threshold ON ${s}.inventory_items
  FOR EACH ROW WHEN (OLD.tracked IS DISTINCT FROM NEW.tracked
    OR OLD.allow_backorder IS DISTINCT FROM NEW.allow_backorder
    OR OLD.low_stock_threshold IS DISTINCT FROM NEW.low_stock_threshold)
  EXECUTE FUNCTION ${s}.inventory_item_settings_state();

-- Existing SKUs, from their counters as they stand (no events: nothing crossed).
UPDATE ${s}.inventory_items i SET stock_state = n.state
  FROM (SELECT x.sku, ${s}.stock_state_of(x.tracked, coalesce(a.available, 0), x.low_stock_threshold) AS state
        FROM ${s}.inventory_items x
        LEFT JOIN (SELECT l.sku, sum(l.on_hand - l.reserved)::bigint AS available
                   FROM ${s}.stock_levels l GROUP BY l.sku) a ON a.sku = x.sku) n
  WHERE i.sku = n.sku AND i.stock_state <> n.state;
`)
        .execute(db)
    },
  }
}
