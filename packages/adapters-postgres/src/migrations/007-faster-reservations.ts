import { type Kysely, sql } from 'kysely'

/**
 * Faster reservations: `reserve_stock` takes a single planned allocation with one conditional
 * UPDATE instead of lock-then-check-then-update, which is what most reservations are (a one-line
 * cart at one location). Everything else takes the general path of 001 unchanged.
 */
export function fasterReservationsMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
CREATE OR REPLACE FUNCTION ${s}.reserve_stock(
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
  -- Fast path: one planned allocation (a one-line cart at one location, the common case) needs
  -- no lock ordering, so a single conditional UPDATE takes it. The row lock it waits for makes
  -- Postgres re-check the condition against the newest row, so concurrent callers cannot oversell.
  IF cardinality(p_alloc_skus) = 1 THEN
    UPDATE ${s}.stock_levels l SET reserved = l.reserved + p_alloc_qty[1], updated_at = p_created_at
      FROM ${s}.inventory_items i
      WHERE l.sku = p_alloc_skus[1] AND l.location_id = p_alloc_locations[1] AND i.sku = l.sku
        AND (i.allow_backorder OR l.on_hand - l.reserved >= p_alloc_qty[1]);
    IF FOUND THEN
      INSERT INTO ${s}.reservations (id, reference, status, expires_at, created_at)
        VALUES (p_id, p_reference, 'active', p_expires_at, p_created_at);
      INSERT INTO ${s}.reservation_items (reservation_id, sku, location_id, quantity)
        SELECT p_id, p_alloc_skus[1], p_alloc_locations[1], p_alloc_qty[1]
        UNION ALL
        SELECT p_id, l.sku, NULL, l.qty FROM unnest(p_line_skus, p_line_qty) AS l(sku, qty)
        WHERE l.sku <> p_alloc_skus[1];
      RETURN QUERY SELECT true, '{}'::text[], ${s}.available_json(p_alloc_skus);
      RETURN;
    END IF;
    -- Not taken: short, unknown level, or a backorder without a level row yet. The general path
    -- below tells these apart.
  END IF;
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
`)
        .execute(db)
    },
  }
}
