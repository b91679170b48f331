import { type Kysely, sql } from 'kysely'

/**
 * Inventory: locations, per-SKU settings, stock levels, reservations and back-in-stock
 * subscriptions, plus the functions that move stock. Each function runs as one statement, so a
 * reservation is one round trip, and it takes row locks in (sku, location) order so concurrent
 * reservations, commits and expiries never deadlock.
 */
export function inventoryMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
CREATE TABLE ${s}.locations (
  id text PRIMARY KEY,
  name text NOT NULL,
  priority integer NOT NULL DEFAULT 100,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ${s}.locations (id, name, priority) VALUES ('default', 'Default', 100);

CREATE TABLE ${s}.inventory_items (
  sku text PRIMARY KEY,
  tracked boolean NOT NULL DEFAULT true,
  allow_backorder boolean NOT NULL DEFAULT false,
  low_stock_threshold integer CHECK (low_stock_threshold >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- on_hand goes below zero only when a backorder is sold; reserved never does.
CREATE TABLE ${s}.stock_levels (
  sku text NOT NULL REFERENCES ${s}.inventory_items (sku),
  location_id text NOT NULL REFERENCES ${s}.locations (id),
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (sku, location_id)
);
CREATE INDEX stock_levels_location_idx ON ${s}.stock_levels (location_id);

CREATE TABLE ${s}.reservations (
  id text PRIMARY KEY,
  reference text,
  status text NOT NULL CHECK (status IN ('active', 'committed', 'released', 'expired')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  closed_at timestamptz
);
CREATE INDEX reservations_due_idx ON ${s}.reservations (expires_at) WHERE status = 'active';
CREATE INDEX reservations_reference_idx ON ${s}.reservations (reference) WHERE reference IS NOT NULL;

CREATE TABLE ${s}.reservation_items (
  reservation_id text NOT NULL REFERENCES ${s}.reservations (id) ON DELETE CASCADE,
  sku text NOT NULL,
  location_id text,
  quantity bigint NOT NULL CHECK (quantity > 0)
);
CREATE INDEX reservation_items_reservation_idx ON ${s}.reservation_items (reservation_id);

CREATE TABLE ${s}.stock_subscriptions (
  sku text NOT NULL,
  subscriber text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (sku, subscriber)
);

CREATE FUNCTION ${s}.reservation_json(p_id text) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
  SELECT jsonb_build_object(
    'id', r.id, 'reference', r.reference, 'status', r.status,
    'expiresAt', r.expires_at, 'createdAt', r.created_at, 'closedAt', r.closed_at,
    'items', coalesce((
      SELECT jsonb_agg(jsonb_build_object('sku', i.sku, 'locationId', i.location_id, 'quantity', i.quantity)
                       ORDER BY i.sku, i.location_id)
      FROM ${s}.reservation_items i WHERE i.reservation_id = r.id), '[]'::jsonb))
  FROM ${s}.reservations r WHERE r.id = p_id
$fn$;

CREATE FUNCTION ${s}.available_json(p_skus text[]) RETURNS jsonb LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(jsonb_object_agg(t.sku, t.available), '{}'::jsonb)
  FROM (SELECT l.sku, sum(l.on_hand - l.reserved) AS available
        FROM ${s}.stock_levels l WHERE l.sku = ANY (p_skus) GROUP BY l.sku) t
$fn$;

-- Takes a planned reservation all-or-nothing. Locks the planned levels in (sku, location) order,
-- checks every one, and only then changes any; returns ok = false and the short SKUs otherwise.
CREATE FUNCTION ${s}.reserve_stock(
  p_id text, p_reference text, p_expires_at timestamptz, p_created_at timestamptz,
  p_line_skus text[], p_line_qty bigint[],
  p_alloc_skus text[], p_alloc_locations text[], p_alloc_qty bigint[]
) RETURNS TABLE (ok boolean, short_skus text[], available jsonb) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_short text[] := '{}';
  v_found integer := 0;
  v_skus text[];
  v_locs text[];
  v_qty bigint[];
  r record;
BEGIN
  -- One row per (sku, location), in lock order, whatever the allocation strategy produced.
  SELECT coalesce(array_agg(t.sku ORDER BY t.sku, t.loc), '{}'), coalesce(array_agg(t.loc ORDER BY t.sku, t.loc), '{}'),
         coalesce(array_agg(t.qty ORDER BY t.sku, t.loc), '{}')
    INTO v_skus, v_locs, v_qty
    FROM (SELECT a.sku, a.loc, sum(a.qty)::bigint AS qty
          FROM unnest(p_alloc_skus, p_alloc_locations, p_alloc_qty) AS a(sku, loc, qty)
          GROUP BY a.sku, a.loc) t;

  -- Backorderable SKUs may hold stock where no level exists yet.
  INSERT INTO ${s}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
    SELECT a.sku, a.loc, 0, 0, p_created_at FROM unnest(v_skus, v_locs) AS a(sku, loc)
    JOIN ${s}.inventory_items i ON i.sku = a.sku AND i.allow_backorder
    ON CONFLICT (sku, location_id) DO NOTHING;

  FOR r IN
    SELECT l.sku, l.on_hand - l.reserved AS avail, a.qty, i.allow_backorder
    FROM unnest(v_skus, v_locs, v_qty) AS a(sku, loc, qty)
    JOIN ${s}.stock_levels l ON l.sku = a.sku AND l.location_id = a.loc
    JOIN ${s}.inventory_items i ON i.sku = a.sku
    ORDER BY l.sku, l.location_id
    FOR UPDATE OF l
  LOOP
    v_found := v_found + 1;
    IF NOT r.allow_backorder AND r.avail < r.qty THEN
      v_short := v_short || r.sku;
    END IF;
  END LOOP;

  IF v_found < cardinality(v_skus) THEN
    v_short := v_short || ARRAY(
      SELECT a.sku FROM unnest(v_skus, v_locs) AS a(sku, loc)
      WHERE NOT EXISTS (SELECT 1 FROM ${s}.stock_levels l WHERE l.sku = a.sku AND l.location_id = a.loc));
  END IF;
  IF cardinality(v_short) > 0 THEN
    RETURN QUERY SELECT false, v_short, ${s}.available_json(p_alloc_skus);
    RETURN;
  END IF;

  UPDATE ${s}.stock_levels l SET reserved = l.reserved + a.qty, updated_at = p_created_at
    FROM unnest(v_skus, v_locs, v_qty) AS a(sku, loc, qty) WHERE l.sku = a.sku AND l.location_id = a.loc;
  INSERT INTO ${s}.reservations (id, reference, status, expires_at, created_at)
    VALUES (p_id, p_reference, 'active', p_expires_at, p_created_at);
  INSERT INTO ${s}.reservation_items (reservation_id, sku, location_id, quantity)
    SELECT p_id, a.sku, a.loc, a.qty FROM unnest(v_skus, v_locs, v_qty) AS a(sku, loc, qty)
    UNION ALL
    SELECT p_id, l.sku, NULL, l.qty FROM unnest(p_line_skus, p_line_qty) AS l(sku, qty)
    WHERE NOT (l.sku = ANY (v_skus));
  RETURN QUERY SELECT true, '{}'::text[], ${s}.available_json(p_alloc_skus);
END
$fn$;

-- Applies a commit, release or expiry to locked reservations: p_sold moves stock out of on hand.
CREATE FUNCTION ${s}.close_reservations(p_ids text[], p_status text, p_at timestamptz) RETURNS void
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM ${s}.stock_levels l
    JOIN (SELECT DISTINCT i.sku, i.location_id FROM ${s}.reservation_items i
          WHERE i.reservation_id = ANY (p_ids) AND i.location_id IS NOT NULL) i
      ON l.sku = i.sku AND l.location_id = i.location_id
    ORDER BY l.sku, l.location_id
    FOR UPDATE OF l;
  UPDATE ${s}.stock_levels l
    SET reserved = l.reserved - i.qty,
        on_hand = CASE WHEN p_status = 'committed' THEN l.on_hand - i.qty ELSE l.on_hand END,
        updated_at = p_at
    FROM (SELECT i.sku, i.location_id, sum(i.quantity) AS qty FROM ${s}.reservation_items i
          WHERE i.reservation_id = ANY (p_ids) AND i.location_id IS NOT NULL
          GROUP BY i.sku, i.location_id) i
    WHERE l.sku = i.sku AND l.location_id = i.location_id;
  UPDATE ${s}.reservations SET status = p_status, closed_at = p_at WHERE id = ANY (p_ids);
END
$fn$;

-- outcome: changed | unchanged | not_found | committed | released | expired (the refusing state).
CREATE FUNCTION ${s}.transition_reservation(p_id text, p_target text, p_at timestamptz)
RETURNS TABLE (outcome text, reservation jsonb, available jsonb) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_status text;
  v_expires timestamptz;
  v_outcome text;
BEGIN
  SELECT r.status, r.expires_at INTO v_status, v_expires FROM ${s}.reservations r WHERE r.id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  IF p_target = 'committed' THEN
    v_outcome := CASE
      WHEN v_status = 'committed' THEN 'unchanged'
      WHEN v_status IN ('released', 'expired') THEN v_status
      WHEN v_expires <= p_at THEN 'expired'
      ELSE 'changed' END;
  ELSE
    v_outcome := CASE
      WHEN v_status IN ('released', 'expired') THEN 'unchanged'
      WHEN v_status = 'committed' THEN 'committed'
      ELSE 'changed' END;
  END IF;
  IF v_outcome = 'changed' THEN
    PERFORM ${s}.close_reservations(ARRAY[p_id], p_target, p_at);
  END IF;
  RETURN QUERY SELECT v_outcome, ${s}.reservation_json(p_id),
    ${s}.available_json(ARRAY(SELECT i.sku FROM ${s}.reservation_items i WHERE i.reservation_id = p_id));
END
$fn$;

CREATE FUNCTION ${s}.expire_reservations(p_at timestamptz, p_limit integer)
RETURNS TABLE (reservation jsonb, available jsonb) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_ids text[];
BEGIN
  v_ids := ARRAY(
    SELECT r.id FROM ${s}.reservations r
    WHERE r.status = 'active' AND r.expires_at <= p_at
    ORDER BY r.expires_at LIMIT p_limit
    FOR UPDATE SKIP LOCKED);
  IF cardinality(v_ids) = 0 THEN
    RETURN;
  END IF;
  PERFORM ${s}.close_reservations(v_ids, 'expired', p_at);
  RETURN QUERY SELECT ${s}.reservation_json(x.id),
    ${s}.available_json(ARRAY(SELECT i.sku FROM ${s}.reservation_items i WHERE i.reservation_id = x.id))
    FROM unnest(v_ids) AS x(id);
END
$fn$;
`)
        .execute(db)
    },
  }
}
