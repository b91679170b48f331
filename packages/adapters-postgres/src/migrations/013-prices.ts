import { type Kysely, sql } from 'kysely'

/**
 * Prices: compare-at (was) prices, scheduled prices, and `checkout_read` pricing at the caller's
 * clock.
 *
 * - `product_variants.compare_at_amount` / `compare_at_currency`: the struck-through price, both
 *   set or both null (the service checks it is above the price in that currency).
 * - `price_schedules`: a price for one variant and currency from `starts_at` (inclusive) to
 *   `ends_at` (exclusive, null: open). The store refuses overlapping windows of one variant and
 *   currency under a lock on the variant row, so at most one is in force at any instant (GiST
 *   exclusion would need btree_gist, which PGlite does not ship). A variant's schedules go with it.
 * - `checkout_read` takes the instant to price at (`p_at`, the injected clock's time; null: the
 *   database's) and returns, per variant, the price in force, the regular price and the compare-at
 *   price in the cart's currency. Still one statement.
 */
export function pricesMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.product_variants
  ADD COLUMN compare_at_amount bigint CHECK (compare_at_amount >= 0),
  ADD COLUMN compare_at_currency char(3),
  ADD CONSTRAINT product_variants_compare_at_check
    CHECK ((compare_at_amount IS NULL) = (compare_at_currency IS NULL));

CREATE TABLE ${s}.price_schedules (
  id text PRIMARY KEY,
  variant_id text NOT NULL REFERENCES ${s}.product_variants (id) ON DELETE CASCADE,
  -- The variant's product, copied (a variant never moves): listings and product reads find a
  -- product's schedules without going through its variants.
  product_id text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  created_at timestamptz NOT NULL,
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX price_schedules_variant_idx ON ${s}.price_schedules (variant_id, currency, starts_at);
CREATE INDEX price_schedules_product_idx ON ${s}.price_schedules (product_id, starts_at, id);
CREATE INDEX price_schedules_starts_idx ON ${s}.price_schedules (starts_at, id);

DROP FUNCTION ${s}.checkout_read(text, text, text);
-- What placeOrder reads before it writes, in one round trip, priced at p_at.
CREATE FUNCTION ${s}.checkout_read(p_scope text, p_key text, p_cart_id text, p_at timestamptz)
RETURNS TABLE (key jsonb, cart jsonb, variants jsonb) LANGUAGE sql STABLE AS $fn$
  SELECT
    (SELECT jsonb_build_object('requestHash', k.request_hash, 'status', k.status, 'resourceId', k.resource_id,
        'response', k.response, 'lockedUntil', k.locked_until, 'updatedAt', k.updated_at, 'expiresAt', k.expires_at)
       FROM ${s}.idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key),
    (SELECT to_jsonb(c) FROM ${s}.carts c WHERE c.id = p_cart_id),
    (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', v.sku, 'variant_id', v.id, 'product_id', v.product_id,
        'slug', p.slug, 'name', p.name, 'options', v.options, 'status', p.status,
        'amount', coalesce(ps.amount, vp.amount), 'regular_amount', vp.amount,
        'compare_at_amount', CASE WHEN v.compare_at_currency = c.currency THEN v.compare_at_amount END,
        'weight_grams', v.weight_grams, 'seller_id', p.seller_id)), '[]')
       FROM ${s}.carts c
       CROSS JOIN LATERAL (SELECT DISTINCT l->>'sku' AS sku FROM jsonb_array_elements(c.lines) l) l
       JOIN ${s}.product_variants v ON v.sku = l.sku
       JOIN ${s}.products p ON p.id = v.product_id
       LEFT JOIN ${s}.variant_prices vp ON vp.variant_id = v.id AND vp.currency = c.currency
       LEFT JOIN LATERAL (SELECT x.amount FROM ${s}.price_schedules x
           WHERE x.variant_id = v.id AND x.currency = c.currency
             AND x.starts_at <= coalesce(p_at, now()) AND (x.ends_at IS NULL OR x.ends_at > coalesce(p_at, now()))
           ORDER BY x.starts_at DESC LIMIT 1) ps ON vp.amount IS NOT NULL
       WHERE c.id = p_cart_id)
$fn$;
`)
        .execute(db)
    },
  }
}
