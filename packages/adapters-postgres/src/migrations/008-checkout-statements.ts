import { type Kysely, sql } from 'kysely'

/**
 * Checkout in three round trips: `checkout_read` (the key, the cart and its variants), then
 * `checkout_begin` and `checkout_finish`, each one statement and so one transaction. Business
 * failures inside them are raised with Souk's own SQLSTATEs (class `SK`), so the whole statement
 * rolls back and nothing is left half done; the adapter maps them to typed errors:
 *
 * - `SK001` insufficient stock, DETAIL `[{ sku, requested, available }]`
 * - `SK002` unknown SKU, DETAIL `{ sku }`
 * - `SK003` the cart changed or was checked out since it was read, DETAIL `{ cartId, orderId }`
 * - `SK004` promotion refused, DETAIL `{ code, message, details }`
 * - `SK005` the reservation can no longer be committed, DETAIL `{ reservationId, status }`
 *
 * `reserve_lines` is the allocation of the default strategy in SQL: levels are locked in (sku,
 * location) order, the plan is made from the locked (current) counters, and only then changed, so a
 * plan is never stale and concurrent reservations never deadlock. Callers run it last in their
 * transaction, so the hot rows stay locked only for the update and the commit.
 */
export function checkoutStatementsMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
-- How long the holder of an in-progress key is trusted before a retry may take its order over.
ALTER TABLE ${s}.idempotency_keys ADD COLUMN locked_until timestamptz;
CREATE INDEX idempotency_keys_resource_idx ON ${s}.idempotency_keys (resource_id) WHERE status = 'in_progress';

CREATE FUNCTION ${s}.payment_rank(p_status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE p_status WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1 WHEN 'failed' THEN 2
    WHEN 'authorized' THEN 3 WHEN 'captured' THEN 4 WHEN 'voided' THEN 4
    WHEN 'partially_refunded' THEN 5 WHEN 'refunded' THEN 6 ELSE -1 END
$fn$;

-- Reserves summed lines for a reservation row that already exists. p_alloc null: the default
-- strategy (one location that fills every tracked line, most preferred first; else split each SKU
-- in preference order; backorderable SKUs put the rest on their most preferred location). Otherwise
-- p_alloc is a host strategy's plan [{ sku, locationId, quantity }], re-checked here.
-- Returns { allocations, available, items }.
CREATE FUNCTION ${s}.reserve_lines(p_res_id text, p_at timestamptz, p_skus text[], p_qty bigint[], p_alloc jsonb,
  p_report boolean DEFAULT true)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_unknown text;
  v_tracked_skus text[];
  v_tracked_qty bigint[];
  v_lv_sku text[];
  v_lv_loc text[];
  v_lv_avail bigint[];
  v_lv_prio integer[];
  v_single text;
  v_alloc jsonb;
  v_short jsonb;
  v_done boolean := false;
BEGIN
  -- One read of the settings: which SKUs hold stock, and the first one inventory does not know.
  SELECT coalesce(array_agg(l.sku ORDER BY l.sku) FILTER (WHERE i.tracked), '{}'),
         coalesce(array_agg(l.qty ORDER BY l.sku) FILTER (WHERE i.tracked), '{}'),
         min(l.sku) FILTER (WHERE i.sku IS NULL)
    INTO v_tracked_skus, v_tracked_qty, v_unknown
    FROM unnest(p_skus, p_qty) AS l(sku, qty) LEFT JOIN ${s}.inventory_items i ON i.sku = l.sku;
  IF v_unknown IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'SK002', MESSAGE = 'unknown sku', DETAIL = jsonb_build_object('sku', v_unknown)::text;
  END IF;

  -- Fast path: one tracked SKU, taken whole from its most preferred level that has enough, in one
  -- conditional UPDATE. Postgres re-checks the condition on the newest row after any lock wait, so
  -- a taker that lost the race updates nothing and falls through to the locked path below.
  IF p_alloc IS NULL AND cardinality(v_tracked_skus) = 1 THEN
    UPDATE ${s}.stock_levels l SET reserved = l.reserved + v_tracked_qty[1], updated_at = p_at
      WHERE l.sku = v_tracked_skus[1] AND l.on_hand - l.reserved >= v_tracked_qty[1]
        AND l.location_id = (
          SELECT x.location_id FROM ${s}.stock_levels x JOIN ${s}.locations o ON o.id = x.location_id
          WHERE x.sku = v_tracked_skus[1] AND x.on_hand - x.reserved >= v_tracked_qty[1]
          ORDER BY o.priority, o.id LIMIT 1)
      RETURNING l.location_id INTO v_single;
    IF FOUND THEN
      v_alloc := jsonb_build_array(jsonb_build_object('sku', v_tracked_skus[1], 'locationId', v_single,
        'quantity', v_tracked_qty[1]));
      v_done := true;
    END IF;
    v_single := NULL;
  END IF;

  IF v_done THEN
    NULL;
  ELSIF p_alloc IS NULL THEN
    -- Lock every level of the tracked SKUs in (sku, location) order and plan from what is locked.
    SELECT coalesce(array_agg(x.sku ORDER BY x.sku, x.location_id), '{}'),
           coalesce(array_agg(x.location_id ORDER BY x.sku, x.location_id), '{}'),
           coalesce(array_agg(x.avail ORDER BY x.sku, x.location_id), '{}'),
           coalesce(array_agg(x.priority ORDER BY x.sku, x.location_id), '{}')
      INTO v_lv_sku, v_lv_loc, v_lv_avail, v_lv_prio
      FROM (SELECT l.sku, l.location_id, l.on_hand - l.reserved AS avail, o.priority
            FROM ${s}.stock_levels l JOIN ${s}.locations o ON o.id = l.location_id
            WHERE l.sku = ANY (v_tracked_skus)
            ORDER BY l.sku, l.location_id
            FOR UPDATE OF l) x;
    SELECT lv.loc INTO v_single
      FROM unnest(v_lv_sku, v_lv_loc, v_lv_avail, v_lv_prio) AS lv(sku, loc, avail, prio)
      JOIN unnest(v_tracked_skus, v_tracked_qty) AS t(sku, qty) ON t.sku = lv.sku AND lv.avail >= t.qty
      GROUP BY lv.loc, lv.prio HAVING count(*) = cardinality(v_tracked_skus)
      ORDER BY lv.prio, lv.loc LIMIT 1;
    IF cardinality(v_tracked_skus) = 0 THEN
      v_alloc := '[]';
    ELSIF v_single IS NOT NULL THEN
      SELECT jsonb_agg(jsonb_build_object('sku', t.sku, 'locationId', v_single, 'quantity', t.qty) ORDER BY t.sku)
        INTO v_alloc FROM unnest(v_tracked_skus, v_tracked_qty) AS t(sku, qty);
    ELSE
      WITH lv AS (
        SELECT lv.sku, lv.loc, greatest(lv.avail, 0) AS avail, lv.prio
        FROM unnest(v_lv_sku, v_lv_loc, v_lv_avail, v_lv_prio) AS lv(sku, loc, avail, prio)),
      ranked AS (
        SELECT lv.*, t.qty, row_number() OVER (PARTITION BY lv.sku ORDER BY lv.prio, lv.loc) AS rn,
          coalesce(sum(lv.avail) OVER (PARTITION BY lv.sku ORDER BY lv.prio, lv.loc
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
        FROM lv JOIN unnest(v_tracked_skus, v_tracked_qty) AS t(sku, qty) ON t.sku = lv.sku),
      taken AS (
        SELECT r.sku, r.loc, r.rn, least(greatest(r.qty - r.before, 0), r.avail) AS take FROM ranked r),
      per_sku AS (
        SELECT t.sku, t.qty, coalesce(sum(k.take), 0) AS got, i.allow_backorder,
          coalesce((SELECT r.loc FROM ranked r WHERE r.sku = t.sku AND r.rn = 1),
                   (SELECT x.loc FROM lv x ORDER BY x.prio, x.loc LIMIT 1), 'default') AS first_loc
        FROM unnest(v_tracked_skus, v_tracked_qty) AS t(sku, qty)
        JOIN ${s}.inventory_items i ON i.sku = t.sku
        LEFT JOIN taken k ON k.sku = t.sku AND k.take > 0
        GROUP BY t.sku, t.qty, i.allow_backorder),
      plan AS (
        SELECT k.sku, k.loc, k.rn, k.take + CASE WHEN p.allow_backorder AND k.loc = p.first_loc THEN p.qty - p.got ELSE 0 END AS qty
        FROM taken k JOIN per_sku p ON p.sku = k.sku WHERE k.take > 0
        UNION ALL
        SELECT p.sku, p.first_loc, 1000000000, p.qty - p.got FROM per_sku p
        WHERE p.allow_backorder AND p.qty > p.got
          AND NOT EXISTS (SELECT 1 FROM taken k WHERE k.sku = p.sku AND k.loc = p.first_loc AND k.take > 0))
      SELECT
        (SELECT jsonb_agg(jsonb_build_object('sku', p.sku, 'locationId', p.loc, 'quantity', p.qty) ORDER BY p.sku, p.rn) FROM plan p),
        (SELECT jsonb_agg(jsonb_build_object('sku', p.sku, 'requested', p.qty,
            'available', (SELECT coalesce(sum(lv.avail), 0) FROM lv WHERE lv.sku = p.sku)) ORDER BY p.sku)
         FROM per_sku p WHERE NOT p.allow_backorder AND p.got < p.qty)
      INTO v_alloc, v_short;
      IF v_short IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SK001', MESSAGE = 'insufficient stock', DETAIL = v_short::text;
      END IF;
      -- Backorders may hold stock where no level exists yet.
      INSERT INTO ${s}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
        SELECT a->>'sku', a->>'locationId', 0, 0, p_at FROM jsonb_array_elements(v_alloc) a
        ON CONFLICT (sku, location_id) DO NOTHING;
    END IF;
  ELSE
    -- A host strategy's plan: summed per level, locked in order, each level re-checked.
    SELECT jsonb_agg(jsonb_build_object('sku', x.sku, 'locationId', x.loc, 'quantity', x.qty) ORDER BY x.sku, x.loc)
      INTO v_alloc
      FROM (SELECT a->>'sku' AS sku, a->>'locationId' AS loc, sum((a->>'quantity')::bigint) AS qty
            FROM jsonb_array_elements(p_alloc) a GROUP BY 1, 2) x;
    v_alloc := coalesce(v_alloc, '[]');
    INSERT INTO ${s}.stock_levels (sku, location_id, on_hand, reserved, updated_at)
      SELECT a->>'sku', a->>'locationId', 0, 0, p_at FROM jsonb_array_elements(v_alloc) a
      JOIN ${s}.inventory_items i ON i.sku = a->>'sku' AND i.allow_backorder
      ON CONFLICT (sku, location_id) DO NOTHING;
    PERFORM 1 FROM ${s}.stock_levels l
      JOIN jsonb_array_elements(v_alloc) a ON l.sku = a->>'sku' AND l.location_id = a->>'locationId'
      ORDER BY l.sku, l.location_id FOR UPDATE OF l;
    SELECT jsonb_agg(jsonb_build_object('sku', t.sku, 'requested', t.qty,
        'available', (SELECT coalesce(sum(greatest(l.on_hand - l.reserved, 0)), 0) FROM ${s}.stock_levels l WHERE l.sku = t.sku)) ORDER BY t.sku)
      INTO v_short
      FROM unnest(v_tracked_skus, v_tracked_qty) AS t(sku, qty)
      JOIN ${s}.inventory_items i ON i.sku = t.sku
      WHERE NOT i.allow_backorder AND EXISTS (
        SELECT 1 FROM jsonb_array_elements(v_alloc) a
        LEFT JOIN ${s}.stock_levels l ON l.sku = a->>'sku' AND l.location_id = a->>'locationId'
        WHERE a->>'sku' = t.sku AND (l.sku IS NULL OR l.on_hand - l.reserved < (a->>'quantity')::bigint));
    IF v_short IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'SK001', MESSAGE = 'insufficient stock', DETAIL = v_short::text;
    END IF;
  END IF;

  IF NOT v_done THEN
    UPDATE ${s}.stock_levels l SET reserved = l.reserved + (a->>'quantity')::bigint, updated_at = p_at
      FROM jsonb_array_elements(v_alloc) a WHERE l.sku = a->>'sku' AND l.location_id = a->>'locationId';
  END IF;
  INSERT INTO ${s}.reservation_items (reservation_id, sku, location_id, quantity)
    SELECT p_res_id, a->>'sku', a->>'locationId', (a->>'quantity')::bigint FROM jsonb_array_elements(v_alloc) a
    UNION ALL
    SELECT p_res_id, l.sku, NULL, l.qty FROM unnest(p_skus, p_qty) AS l(sku, qty)
    WHERE NOT (l.sku = ANY (v_tracked_skus));
  IF NOT p_report THEN
    RETURN jsonb_build_object('allocations', v_alloc);
  END IF;
  RETURN jsonb_build_object(
    'allocations', v_alloc,
    'available', ${s}.available_json(p_skus),
    'items', (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', i.sku, 'tracked', i.tracked,
        'allowBackorder', i.allow_backorder, 'lowStockThreshold', i.low_stock_threshold)), '[]')
      FROM ${s}.inventory_items i WHERE i.sku = ANY (p_skus)));
END
$fn$;

-- inventory.reserve in one statement: { id, reference, expiresAt, at, skus, quantities, allocations|null }.
CREATE FUNCTION ${s}.reserve_cart(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO ${s}.reservations (id, reference, status, expires_at, created_at)
    VALUES (p->>'id', p->>'reference', 'active', (p->>'expiresAt')::timestamptz, (p->>'at')::timestamptz);
  RETURN ${s}.reserve_lines(p->>'id', (p->>'at')::timestamptz,
    ARRAY(SELECT jsonb_array_elements_text(p->'skus')),
    ARRAY(SELECT (jsonb_array_elements_text(p->'quantities'))::bigint),
    CASE WHEN jsonb_typeof(p->'allocations') = 'array' THEN p->'allocations' END);
END
$fn$;

-- What placeOrder reads before it writes, in one round trip.
CREATE FUNCTION ${s}.checkout_read(p_scope text, p_key text, p_cart_id text)
RETURNS TABLE (key jsonb, cart jsonb, variants jsonb) LANGUAGE sql STABLE AS $fn$
  SELECT
    (SELECT jsonb_build_object('requestHash', k.request_hash, 'status', k.status, 'resourceId', k.resource_id,
        'response', k.response, 'lockedUntil', k.locked_until, 'updatedAt', k.updated_at, 'expiresAt', k.expires_at)
       FROM ${s}.idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key),
    (SELECT to_jsonb(c) FROM ${s}.carts c WHERE c.id = p_cart_id),
    (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', v.sku, 'variant_id', v.id, 'product_id', v.product_id,
        'slug', p.slug, 'name', p.name, 'options', v.options, 'status', p.status, 'amount', vp.amount,
        'weight_grams', v.weight_grams, 'seller_id', p.seller_id)), '[]')
       FROM ${s}.carts c
       CROSS JOIN LATERAL (SELECT DISTINCT l->>'sku' AS sku FROM jsonb_array_elements(c.lines) l) l
       JOIN ${s}.product_variants v ON v.sku = l.sku
       JOIN ${s}.products p ON p.id = v.product_id
       LEFT JOIN ${s}.variant_prices vp ON vp.variant_id = v.id AND vp.currency = c.currency
       WHERE c.id = p_cart_id)
$fn$;

-- Claims the key bound to the new order, closes the cart at the version that was priced, inserts
-- the reservation, order, lines and history, redeems the promotion, writes the outbox, and reserves
-- the stock last. Returns { outcome: 'created', displayNumber, allocations } or
-- { outcome: 'key_taken', key } when another request holds the key.
${checkoutBeginFunction(s)}
-- Ends (or records) the payment step of an order awaiting payment:
-- { orderId, to: 'confirmed' | 'payment_failed' | null, at, note, payment, key, response, outbox }.
-- to null only records the payment and completes the key (a payment waiting for the customer).
-- Returns { moved, status, updatedAt, reservation: { id, status } | null }.
CREATE FUNCTION ${s}.checkout_finish(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_at timestamptz := (p->>'at')::timestamptz;
  v_order_id text := p->>'orderId';
  v_to text := p->>'to';
  v_pay jsonb := p->'payment';
  v_order record;
  v_res_id text;
  v_res_status text;
  v_res_expires timestamptz;
  v_status text;
  v_updated timestamptz;
  v_moved boolean := false;
BEGIN
  IF v_to IS NOT NULL THEN
    UPDATE ${s}.orders o SET status = v_to, updated_at = v_at
      WHERE o.id = v_order_id AND o.status = 'pending_payment'
      RETURNING o.reservation_id, o.cart_id INTO v_order;
    v_moved := FOUND;
  END IF;

  IF jsonb_typeof(v_pay) = 'object' THEN
    INSERT INTO ${s}.payments AS x (id, order_id, provider, provider_payment_id, status, currency, amount,
        captured_amount, refunded_amount, state, created_at, updated_at)
      VALUES (v_pay->>'id', v_order_id, v_pay->>'provider', v_pay->>'paymentId', v_pay->>'status',
        v_pay->>'currency', (v_pay->>'amount')::bigint, (v_pay->>'capturedAmount')::bigint,
        (v_pay->>'refundedAmount')::bigint, v_pay->'state', v_at, v_at)
      ON CONFLICT (provider, provider_payment_id) DO UPDATE
        SET status = excluded.status, captured_amount = excluded.captured_amount,
            refunded_amount = excluded.refunded_amount, state = excluded.state, updated_at = excluded.updated_at
        WHERE (excluded.refunded_amount, excluded.captured_amount, ${s}.payment_rank(excluded.status))
            > (x.refunded_amount, x.captured_amount, ${s}.payment_rank(x.status));
  END IF;

  IF v_moved THEN
    INSERT INTO ${s}.order_status_history (order_id, from_status, to_status, note, at)
      VALUES (v_order_id, 'pending_payment', v_to, p->>'note', v_at);
    IF v_to = 'payment_failed' THEN
      -- Promotion before stock, the order checkout_begin takes them in.
      WITH gone AS (
        DELETE FROM ${s}.promotion_redemptions x WHERE x.order_id = v_order_id RETURNING x.promotion_id)
      UPDATE ${s}.promotions pr SET times_used = pr.times_used - g.n
        FROM (SELECT promotion_id, count(*) AS n FROM gone GROUP BY promotion_id) g WHERE pr.id = g.promotion_id;
      UPDATE ${s}.carts c SET order_id = NULL, version = c.version + 1, updated_at = v_at
        WHERE c.id = v_order.cart_id AND c.order_id = v_order_id;
    END IF;
    IF v_order.reservation_id IS NOT NULL THEN
      SELECT x.id, x.status, x.expires_at INTO v_res_id, v_res_status, v_res_expires FROM ${s}.reservations x
        WHERE x.id = v_order.reservation_id FOR UPDATE;
      IF v_to = 'confirmed' THEN
        IF v_res_status IN ('released', 'expired') OR (v_res_status = 'active' AND v_res_expires <= v_at) THEN
          RAISE EXCEPTION USING ERRCODE = 'SK005', MESSAGE = 'reservation ended', DETAIL = jsonb_build_object(
            'reservationId', v_res_id, 'status', CASE WHEN v_res_status = 'active' THEN 'expired' ELSE v_res_status END)::text;
        END IF;
        IF v_res_status = 'active' THEN
          PERFORM ${s}.close_reservations(ARRAY[v_res_id], 'committed', v_at);
          v_res_status := 'committed';
        END IF;
      ELSIF v_res_status = 'active' THEN
        PERFORM ${s}.close_reservations(ARRAY[v_res_id], 'released', v_at);
        v_res_status := 'released';
      END IF;
    END IF;
    INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
      SELECT m->>'topic', m->>'key', m->'payload', v_at, v_at FROM jsonb_array_elements(p->'outbox') m;
  END IF;

  IF jsonb_typeof(p->'response') = 'object' AND (v_moved OR v_to IS NULL) THEN
    UPDATE ${s}.idempotency_keys k SET status = 'completed', response = p->'response', resource_id = v_order_id,
        updated_at = v_at
      WHERE k.status = 'in_progress'
        AND ((k.scope = p->'key'->>'scope' AND k.key = p->'key'->>'key') OR k.resource_id = v_order_id);
  END IF;

  IF v_moved THEN
    v_status := v_to;
    v_updated := v_at;
  ELSE
    SELECT o.status, o.updated_at INTO v_status, v_updated FROM ${s}.orders o WHERE o.id = v_order_id;
  END IF;
  RETURN jsonb_build_object('moved', v_moved, 'status', v_status, 'updatedAt', v_updated,
    'reservation', CASE WHEN v_res_id IS NULL THEN NULL
      ELSE jsonb_build_object('id', v_res_id, 'status', v_res_status) END);
END
$fn$;
`)
        .execute(db)
    },
  }
}

/**
 * `checkout_begin` as migration 008 created it. Migration 009 replaces it with a version that puts
 * the order's display number into the durable `order.created`; both come from this one text.
 */
export function checkoutBeginFunction(s: string): string {
  return `CREATE FUNCTION ${s}.checkout_begin(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_at timestamptz := (p->>'at')::timestamptz;
  o jsonb := p->'order';
  v_order_id text := o->>'id';
  r jsonb := p->'reservation';
  v_promo jsonb := p->'promotion';
  v_display bigint;
  v_stock jsonb;
  v_cart record;
  v_p record;
  v_used bigint;
BEGIN
  INSERT INTO ${s}.idempotency_keys AS k
      (scope, key, request_hash, status, resource_id, created_at, updated_at, expires_at, locked_until)
    VALUES (p->>'scope', p->>'key', p->>'requestHash', 'in_progress', v_order_id, v_at, v_at,
      (p->>'expiresAt')::timestamptz, (p->>'lockedUntil')::timestamptz)
    ON CONFLICT (scope, key) DO UPDATE
      SET request_hash = excluded.request_hash, status = 'in_progress', resource_id = excluded.resource_id,
          response = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at,
          expires_at = excluded.expires_at, locked_until = excluded.locked_until
      -- Expired keys start afresh; so does a claim with nothing behind it whose holder went quiet.
      WHERE k.expires_at <= excluded.updated_at
         OR (k.status = 'in_progress' AND k.resource_id IS NULL
             AND coalesce(k.locked_until, k.updated_at) <= excluded.updated_at);
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'key_taken', 'key',
      (SELECT jsonb_build_object('requestHash', k.request_hash, 'status', k.status, 'resourceId', k.resource_id,
          'response', k.response, 'lockedUntil', k.locked_until, 'updatedAt', k.updated_at, 'expiresAt', k.expires_at)
       FROM ${s}.idempotency_keys k WHERE k.scope = p->>'scope' AND k.key = p->>'key'));
  END IF;

  UPDATE ${s}.carts c SET order_id = v_order_id, version = c.version + 1, updated_at = v_at
    WHERE c.id = p->>'cartId' AND c.version = (p->>'cartVersion')::integer AND c.order_id IS NULL;
  IF NOT FOUND THEN
    SELECT c.order_id INTO v_cart FROM ${s}.carts c WHERE c.id = p->>'cartId';
    RAISE EXCEPTION USING ERRCODE = 'SK003', MESSAGE = 'cart changed',
      DETAIL = jsonb_build_object('cartId', p->>'cartId', 'orderId', v_cart.order_id)::text;
  END IF;

  INSERT INTO ${s}.reservations (id, reference, status, expires_at, created_at)
    VALUES (r->>'id', v_order_id, 'active', (r->>'expiresAt')::timestamptz, v_at);
  INSERT INTO ${s}.orders (id, customer_id, email, status, currency, subtotal, discount_total, shipping_total,
      tax_total, total, shipping_address, billing_address, shipping_method_id, promo_code, cart_id,
      reservation_id, payment_provider, created_at, updated_at)
    VALUES (v_order_id, o->>'customerId', o->>'email', 'pending_payment', o->>'currency',
      (o->>'subtotal')::bigint, (o->>'discountTotal')::bigint, (o->>'shippingTotal')::bigint,
      (o->>'taxTotal')::bigint, (o->>'total')::bigint,
      CASE WHEN jsonb_typeof(o->'shippingAddress') = 'object' THEN o->'shippingAddress' END,
      CASE WHEN jsonb_typeof(o->'billingAddress') = 'object' THEN o->'billingAddress' END,
      o->>'shippingMethodId', o->>'promoCode', p->>'cartId', r->>'id', o->>'paymentProvider', v_at, v_at)
    RETURNING display_number INTO v_display;
  INSERT INTO ${s}.order_lines (id, order_id, sku, product_id, variant_id, seller_id, name, quantity,
      unit_price, discount, tax, total)
    SELECT l.id, v_order_id, l.sku, l."productId", l."variantId", l."sellerId", l.name, l.quantity,
      l."unitPrice", l.discount, l.tax, l.total
    FROM jsonb_to_recordset(p->'lines') AS l(id text, sku text, "productId" text, "variantId" text,
      "sellerId" text, name text, quantity integer, "unitPrice" bigint, discount bigint, tax bigint, total bigint);
  INSERT INTO ${s}.order_status_history (order_id, from_status, to_status, note, at)
    VALUES (v_order_id, NULL, 'pending_payment', NULL, v_at);

  IF jsonb_typeof(v_promo) = 'object' THEN
    SELECT pr.code, pr.starts_at, pr.ends_at, pr.usage_limit, pr.per_customer_limit, pr.times_used INTO v_p
      FROM ${s}.promotions pr WHERE pr.id = v_promo->>'id' FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
        'code', 'promotion.invalid', 'message', 'The promo code does not exist',
        'details', jsonb_build_object('reason', 'unknown_code'))::text;
    END IF;
    IF v_p.starts_at IS NOT NULL AND v_at < v_p.starts_at THEN
      RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
        'code', 'promotion.not_yet_valid', 'message', format('Promotion %s is not valid yet', v_p.code),
        'details', jsonb_build_object('promotionCode', v_p.code, 'startsAt', v_p.starts_at))::text;
    END IF;
    IF v_p.ends_at IS NOT NULL AND v_at >= v_p.ends_at THEN
      RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
        'code', 'promotion.expired', 'message', format('Promotion %s has expired', v_p.code),
        'details', jsonb_build_object('promotionCode', v_p.code, 'endsAt', v_p.ends_at))::text;
    END IF;
    IF v_p.per_customer_limit IS NOT NULL THEN
      IF o->>'customerId' IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
          'code', 'promotion.invalid', 'message', format('Promotion %s needs a signed-in customer', v_p.code),
          'details', jsonb_build_object('promotionCode', v_p.code, 'reason', 'customer_required'))::text;
      END IF;
      -- A new statement after the lock: its snapshot holds every redemption committed before.
      SELECT count(*) INTO v_used FROM ${s}.promotion_redemptions x
        WHERE x.promotion_id = v_promo->>'id' AND x.customer_id = o->>'customerId';
      IF v_used >= v_p.per_customer_limit THEN
        RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
          'code', 'promotion.exhausted', 'message', format('Promotion %s has been used up for this customer', v_p.code),
          'details', jsonb_build_object('promotionCode', v_p.code, 'limit', 'per_customer'))::text;
      END IF;
    END IF;
    UPDATE ${s}.promotions pr SET times_used = pr.times_used + 1
      WHERE pr.id = v_promo->>'id' AND (pr.usage_limit IS NULL OR pr.times_used < pr.usage_limit);
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'SK004', MESSAGE = 'promotion refused', DETAIL = jsonb_build_object(
        'code', 'promotion.exhausted', 'message', format('Promotion %s has been used up', v_p.code),
        'details', jsonb_build_object('promotionCode', v_p.code, 'limit', 'total'))::text;
    END IF;
    INSERT INTO ${s}.promotion_redemptions (promotion_id, order_id, customer_id, created_at)
      VALUES (v_promo->>'id', v_order_id, o->>'customerId', v_at);
  END IF;

  INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
    SELECT m->>'topic', m->>'key', m->'payload', v_at, v_at FROM jsonb_array_elements(p->'outbox') m;

  -- Stock last: the hot rows stay locked only for this update and the commit.
  v_stock := ${s}.reserve_lines(r->>'id', v_at,
    ARRAY(SELECT jsonb_array_elements_text(r->'skus')),
    ARRAY(SELECT (jsonb_array_elements_text(r->'quantities'))::bigint),
    CASE WHEN jsonb_typeof(r->'allocations') = 'array' THEN r->'allocations' END, false);
  RETURN jsonb_build_object('outcome', 'created', 'displayNumber', v_display::text,
    'allocations', v_stock->'allocations');
END
$fn$;
`
}
