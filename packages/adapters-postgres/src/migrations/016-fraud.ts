import { type Kysely, sql } from 'kysely'

const ORDER_STATUSES = [
  'pending_payment',
  'held_for_review',
  'confirmed',
  'processing',
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
  'payment_failed',
  'refunded',
  'partially_refunded',
  'return_requested',
  'returned',
]

/**
 * The fraud hook:
 *
 * - `orders.status` may be `held_for_review` (the check constraint is swapped without a full-table
 *   lock: added NOT VALID, then validated).
 * - `fraud_velocity_subjects` / `fraud_attempts`: checkout attempts per subject (a SHA-256 digest of
 *   `kind:value`, never the email or IP itself). `fraud_record_attempt` upserts each subject's row
 *   first (in digest order, so attempts sharing subjects never deadlock); that row lock queues the
 *   attempts on one subject, and each counts, in a statement that starts after it got every lock,
 *   the attempts committed before it: N racing attempts see 1..N, never the same count twice.
 * - `order_reviews`: orders flagged at checkout, then held and decided by staff.
 * - `checkout_finish` (008's, owned here) holds a flagged order instead of confirming it, keeps its
 *   reservation alive until the review's `hold_until`, and lets staff move a held order to
 *   `confirmed` (stock committed) or `cancelled` (stock released, promotion use given back).
 */
export function fraudMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.orders DROP CONSTRAINT orders_status_check;
ALTER TABLE ${s}.orders ADD CONSTRAINT orders_status_check
  CHECK (status IN (${ORDER_STATUSES.map((x) => `'${x}'`).join(', ')})) NOT VALID;
ALTER TABLE ${s}.orders VALIDATE CONSTRAINT orders_status_check;

CREATE TABLE ${s}.fraud_velocity_subjects (
  digest text PRIMARY KEY,
  last_seq bigint NOT NULL,
  last_at timestamptz NOT NULL
);
CREATE INDEX fraud_velocity_subjects_at_idx ON ${s}.fraud_velocity_subjects (last_at);

CREATE TABLE ${s}.fraud_attempts (
  digest text NOT NULL,
  attempt_key text NOT NULL,
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (digest, attempt_key)
);
CREATE INDEX fraud_attempts_window_idx ON ${s}.fraud_attempts (digest, at);
CREATE INDEX fraud_attempts_at_idx ON ${s}.fraud_attempts (at);

CREATE TABLE ${s}.order_reviews (
  order_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  reasons jsonb NOT NULL,
  flagged_at timestamptz NOT NULL,
  held_at timestamptz,
  hold_until timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  note text
);
-- The review queue and recovery's overdue scan.
CREATE INDEX order_reviews_held_idx ON ${s}.order_reviews (held_at, order_id)
  WHERE status = 'pending' AND held_at IS NOT NULL;
CREATE INDEX order_reviews_due_idx ON ${s}.order_reviews (hold_until)
  WHERE status = 'pending' AND held_at IS NOT NULL;
CREATE INDEX order_reviews_unheld_idx ON ${s}.order_reviews (flagged_at) WHERE held_at IS NULL;

-- { key, at, subjects: [{ digest, windowMs }] } -> [count, ...] in the subjects' order.
CREATE FUNCTION ${s}.fraud_record_attempt(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_at timestamptz := (p->>'at')::timestamptz;
  v_key text := p->>'key';
  v_digest text;
  v_seq bigint;
BEGIN
  FOR v_digest IN SELECT DISTINCT x->>'digest' FROM jsonb_array_elements(p->'subjects') x ORDER BY 1 LOOP
    -- The subject's row is its lock, held to commit: attempts on one subject go one at a time.
    INSERT INTO ${s}.fraud_velocity_subjects AS v (digest, last_seq, last_at) VALUES (v_digest, 1, v_at)
      ON CONFLICT (digest) DO UPDATE SET last_seq = v.last_seq + 1, last_at = greatest(v.last_at, excluded.last_at)
      RETURNING v.last_seq INTO v_seq;
    -- Once per key: a retry (or a racing twin) of the same checkout counts as the same attempt.
    INSERT INTO ${s}.fraud_attempts (digest, attempt_key, seq, at) VALUES (v_digest, v_key, v_seq, v_at)
      ON CONFLICT (digest, attempt_key) DO NOTHING;
  END LOOP;
  -- A new statement after every lock: its snapshot holds every attempt committed before this one.
  RETURN (
    SELECT coalesce(jsonb_agg(c.n ORDER BY x.ord), '[]')
    FROM jsonb_array_elements(p->'subjects') WITH ORDINALITY AS x(subject, ord)
    JOIN ${s}.fraud_attempts m ON m.digest = x.subject->>'digest' AND m.attempt_key = v_key
    CROSS JOIN LATERAL (
      SELECT count(*) AS n FROM ${s}.fraud_attempts a
      WHERE a.digest = m.digest AND a.seq <= m.seq
        AND a.at > m.at - ((x.subject->>'windowMs')::bigint * interval '1 millisecond')) c);
END
$fn$;

-- Ends (or records) the payment step of an order awaiting payment, or a staff decision on an
-- order held for review:
-- { orderId, from: 'pending_payment' (default) | 'held_for_review', to: 'confirmed' |
--   'payment_failed' | 'cancelled' | null, at, note, payment, key, response, outbox,
--   held: { outbox, response } | null, decidedBy }.
-- to null only records the payment and completes the key (a payment waiting for the customer).
-- A flagged order (a pending row in order_reviews) finished pending_payment -> confirmed is held
-- instead: held_for_review, stock kept reserved until the review's hold_until, held's outbox and
-- response written. Returns { moved, status, updatedAt, reservation: { id, status } | null }.
CREATE OR REPLACE FUNCTION ${s}.checkout_finish(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_at timestamptz := (p->>'at')::timestamptz;
  v_order_id text := p->>'orderId';
  v_from text := coalesce(p->>'from', 'pending_payment');
  v_to text := p->>'to';
  v_pay jsonb := p->'payment';
  v_outbox jsonb := p->'outbox';
  v_response jsonb := p->'response';
  v_hold_until timestamptz;
  v_held boolean := false;
  v_order record;
  v_res_id text;
  v_res_status text;
  v_res_expires timestamptz;
  v_status text;
  v_updated timestamptz;
  v_moved boolean := false;
BEGIN
  IF v_to = 'confirmed' AND v_from = 'pending_payment' THEN
    SELECT r.hold_until INTO v_hold_until FROM ${s}.order_reviews r
      WHERE r.order_id = v_order_id AND r.status = 'pending';
    IF FOUND THEN
      v_to := 'held_for_review';
      v_held := true;
      IF jsonb_typeof(p->'held') = 'object' THEN
        v_outbox := p->'held'->'outbox';
        v_response := p->'held'->'response';
      ELSE
        v_outbox := '[]';
        v_response := NULL;
      END IF;
    END IF;
  END IF;

  IF v_to IS NOT NULL THEN
    UPDATE ${s}.orders o SET status = v_to, updated_at = v_at
      WHERE o.id = v_order_id AND o.status = v_from
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
      VALUES (v_order_id, v_from, v_to, p->>'note', v_at);
    IF v_to IN ('payment_failed', 'cancelled') THEN
      -- Promotion before stock, the order checkout_begin takes them in.
      WITH gone AS (
        DELETE FROM ${s}.promotion_redemptions x WHERE x.order_id = v_order_id RETURNING x.promotion_id)
      UPDATE ${s}.promotions pr SET times_used = pr.times_used - g.n
        FROM (SELECT promotion_id, count(*) AS n FROM gone GROUP BY promotion_id) g WHERE pr.id = g.promotion_id;
    END IF;
    IF v_to = 'payment_failed' THEN
      UPDATE ${s}.carts c SET order_id = NULL, version = c.version + 1, updated_at = v_at
        WHERE c.id = v_order.cart_id AND c.order_id = v_order_id;
    END IF;
    IF v_order.reservation_id IS NOT NULL THEN
      SELECT x.id, x.status, x.expires_at INTO v_res_id, v_res_status, v_res_expires FROM ${s}.reservations x
        WHERE x.id = v_order.reservation_id FOR UPDATE;
      IF v_to IN ('confirmed', 'held_for_review') THEN
        IF v_res_status IN ('released', 'expired') OR (v_res_status = 'active' AND v_res_expires <= v_at) THEN
          RAISE EXCEPTION USING ERRCODE = 'SK005', MESSAGE = 'reservation ended', DETAIL = jsonb_build_object(
            'reservationId', v_res_id, 'status', CASE WHEN v_res_status = 'active' THEN 'expired' ELSE v_res_status END)::text;
        END IF;
        IF v_to = 'held_for_review' THEN
          -- Held stock stays reserved while staff decide; the sweeper leaves it alone until then.
          UPDATE ${s}.reservations x SET expires_at = greatest(x.expires_at, v_hold_until)
            WHERE x.id = v_res_id AND x.status = 'active';
        ELSIF v_res_status = 'active' THEN
          PERFORM ${s}.close_reservations(ARRAY[v_res_id], 'committed', v_at);
          v_res_status := 'committed';
        END IF;
      ELSIF v_res_status = 'active' THEN
        PERFORM ${s}.close_reservations(ARRAY[v_res_id], 'released', v_at);
        v_res_status := 'released';
      END IF;
    END IF;
    IF v_held THEN
      UPDATE ${s}.order_reviews r SET held_at = v_at WHERE r.order_id = v_order_id;
    ELSIF v_from = 'held_for_review' THEN
      UPDATE ${s}.order_reviews r
        SET status = CASE WHEN v_to = 'confirmed' THEN 'approved' ELSE 'rejected' END,
            decided_at = v_at, decided_by = p->>'decidedBy', note = p->>'note'
        WHERE r.order_id = v_order_id;
    END IF;
    INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
      SELECT m->>'topic', m->>'key', m->'payload', v_at, v_at FROM jsonb_array_elements(v_outbox) m;
  END IF;

  IF jsonb_typeof(v_response) = 'object' AND (v_moved OR v_to IS NULL) THEN
    UPDATE ${s}.idempotency_keys k SET status = 'completed', response = v_response, resource_id = v_order_id,
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
