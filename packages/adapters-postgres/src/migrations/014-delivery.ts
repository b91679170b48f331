import { type Kysely, sql } from 'kysely'
import { checkoutBeginFunction } from './008-checkout-statements.js'

// Migration 009's patch of checkout_begin, repeated here (009 does not export it) so this
// migration patches the definition that is live when it runs: 008's text as 009 changed it.
const OUTBOX_COPY =
  "SELECT m->>'topic', m->>'key', m->'payload', v_at, v_at FROM jsonb_array_elements(p->'outbox') m;"
const OUTBOX_COPY_NUMBERED = `SELECT m->>'topic', m->>'key',
      CASE WHEN m->'payload'->>'type' = 'order.created'
        THEN jsonb_set(m->'payload', '{data,displayNumber}', to_jsonb(v_display::text)) ELSE m->'payload' END,
      v_at, v_at FROM jsonb_array_elements(p->'outbox') m;`

const ORDER_COLUMNS = 'reservation_id, payment_provider, created_at, updated_at)'
const ORDER_COLUMNS_DELIVERY = 'reservation_id, payment_provider, created_at, updated_at, estimated_delivery)'
const ORDER_VALUES = "o->>'paymentProvider', v_at, v_at)"
const ORDER_VALUES_DELIVERY = `o->>'paymentProvider', v_at, v_at,
      CASE WHEN jsonb_typeof(o->'estimatedDelivery') = 'object' THEN o->'estimatedDelivery' END)`

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`checkout_begin changed: cannot patch ${from}`)
  return text.replace(from, to)
}

/**
 * `checkout_begin` as this migration leaves it: 009's version that also stores the order's
 * estimated delivery (`order.estimatedDelivery`, `{ earliest, latest }` or null) in the order row
 * it inserts. Later migrations that patch checkout_begin start from this text.
 */
export function deliveryCheckoutBegin(s: string): string {
  let text = checkoutBeginFunction(s).replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')
  text = replaceOnce(text, OUTBOX_COPY, OUTBOX_COPY_NUMBERED)
  text = replaceOnce(text, ORDER_COLUMNS, ORDER_COLUMNS_DELIVERY)
  return replaceOnce(text, ORDER_VALUES, ORDER_VALUES_DELIVERY)
}

/** Statuses shipments and tracking events may have from this migration on. */
const SHIPMENT_STATUSES =
  "'label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'failed_attempt', 'exception', 'returned_to_sender'"

/**
 * Delivery:
 *
 * - `orders.estimated_delivery` keeps the delivery dates the chosen shipping method was quoted
 *   at checkout, `{ "earliest": "YYYY-MM-DD", "latest": "YYYY-MM-DD" }` (calendar dates, UTC), or
 *   null (no shipping method, or an order placed before this migration). `checkout_begin` writes
 *   it with the order, in the statement it already runs.
 * - Shipments and tracking events take the eight carrier statuses. A shipment used to start as
 *   `shipped`; that status is now `label_created`, and stored rows are rewritten to it (the only
 *   status renamed; `in_transit`, `delivered` and `exception` keep their names). Both tables get a
 *   check of the status (tracking events had none).
 */
export function deliveryMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.orders ADD COLUMN estimated_delivery jsonb
  CHECK (estimated_delivery IS NULL OR (
    estimated_delivery->>'earliest' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
    AND estimated_delivery->>'latest' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
    AND estimated_delivery->>'earliest' <= estimated_delivery->>'latest'));

-- 002 named its status check by default (shipments_status_check); drop whatever check reads status.
DO $do$
DECLARE
  v_name text;
BEGIN
  FOR v_name IN
    SELECT c.conname FROM pg_constraint c
    WHERE c.conrelid = '${s}.shipments'::regclass AND c.contype = 'c'
      AND pg_get_constraintdef(c.oid) LIKE '%status%'
  LOOP
    EXECUTE format('ALTER TABLE ${s}.shipments DROP CONSTRAINT %I', v_name);
  END LOOP;
END
$do$;
UPDATE ${s}.shipments SET status = 'label_created' WHERE status = 'shipped';
UPDATE ${s}.tracking_events SET status = 'label_created' WHERE status = 'shipped';
ALTER TABLE ${s}.shipments ADD CONSTRAINT shipments_status_check CHECK (status IN (${SHIPMENT_STATUSES}));
ALTER TABLE ${s}.tracking_events ADD CONSTRAINT tracking_events_status_check
  CHECK (status IN (${SHIPMENT_STATUSES}));

${deliveryCheckoutBegin(s)}
`)
        .execute(db)
    },
  }
}
