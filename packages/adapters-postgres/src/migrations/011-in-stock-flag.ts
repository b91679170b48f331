import { type Kysely, sql } from 'kysely'

/**
 * A maintained in-stock flag per product, so the in-stock filter is an index predicate instead of
 * a per-product look at variants, items and levels (an in-stock listing of the 100k bench catalog:
 * p95 1.4 s before, 4 ms after), and so a product crossing zero is announced once, through the
 * outbox.
 *
 * - `products.in_stock`: some variant can be bought now, i.e. its SKU is untracked, backorderable,
 *   or not 'out' (`inventory_items.stock_state`, kept by 010 from the counters after every change).
 *   A variant whose SKU inventory has never heard of is not in stock. Needs 010 (`stock_state`,
 *   `event_id`).
 * - `refresh_in_stock(product ids)` recomputes it. Triggers call it when a SKU's state or settings
 *   move (one row per transition: 010 writes `stock_state` only when it changes, so the hot path of
 *   reservations never gets here), when an item is created, and when variants are added, removed or
 *   re-pointed. It takes the products' row locks in id order first and judges from what it reads
 *   after them, so two transactions selling the last two in-stock variants of one product cannot
 *   both leave it in stock (each would miss the other's uncommitted change without the lock).
 * - Only a flip writes anything: the flag, and in the same transaction three outbox rows for the
 *   product: `search.product` (the search indexer refreshes the document's inStock; active products
 *   only, others have no document), `catalog.stock_status` `{ inStock }` (the catalog's stock-status
 *   applier invalidates cached listings) and the domain event `product.stock_status_changed` on
 *   `commerce.event`. The rows carry the database's clock, as the applier-written rows of units sold
 *   do: a trigger cannot see the application's injected clock.
 * - Nothing is announced for a product created by the same transaction (`created_tx`): its first
 *   flag is not a change anyone saw (`product.created` covers it), and bulk loads stay quiet.
 * - A product left with no variants (a variant rewrite between its delete and its insert) keeps its
 *   flag until the rewrite inserts the new ones.
 * - Listings in stock are served by partial indexes, one per products-ordered sort, and their totals
 *   by a small (status, in_stock) index. Price sorts walk `product_prices` and check the flag on the
 *   product row each page row needs anyway.
 */
export function inStockFlagMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.products ADD COLUMN in_stock boolean NOT NULL DEFAULT false;
-- The transaction that inserted the row; existing rows have none.
ALTER TABLE ${s}.products ADD COLUMN created_tx xid8;
ALTER TABLE ${s}.products ALTER COLUMN created_tx SET DEFAULT pg_current_xact_id();

-- Whether a SKU lets its variant be sold now; also what decides which item updates matter.
CREATE FUNCTION ${s}.sku_sellable(p_tracked boolean, p_allow_backorder boolean, p_state text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $fn$
  SELECT NOT p_tracked OR p_allow_backorder OR p_state <> 'out'
$fn$;

UPDATE ${s}.products p SET in_stock = true
  WHERE EXISTS (SELECT 1 FROM ${s}.product_variants v JOIN ${s}.inventory_items i ON i.sku = v.sku
                WHERE v.product_id = p.id AND ${s}.sku_sellable(i.tracked, i.allow_backorder, i.stock_state));

-- Generic plans: a custom plan for each call would be re-planned every time (an id array's
-- generic estimate never looks as cheap as one id's), which cost more than the statements.
CREATE FUNCTION ${s}.refresh_in_stock(p_product_ids text[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
DECLARE
  v_flipped text[];
  -- The injected clock's time of the stock change that set this off (010 passes it), else the
  -- database's (a catalog write: variants added or removed).
  v_at timestamptz := coalesce(nullif(current_setting('souk.event_at', true), '')::timestamptz, now());
BEGIN
  IF p_product_ids IS NULL OR cardinality(p_product_ids) = 0 THEN
    RETURN;
  END IF;
  -- Locked first, in id order; the statement below then reads under a snapshot taken after the
  -- locks, which includes every competing change committed before they were granted.
  PERFORM 1 FROM ${s}.products p WHERE p.id = ANY (p_product_ids) ORDER BY p.id FOR NO KEY UPDATE OF p;
  -- Nearly always nothing flips, and this read is all it costs. Written as per-product lookups
  -- (a lateral aggregate, a scalar subquery per variant) so that the plan walks indexes whatever
  -- the statistics say: a fresh table's plan would otherwise hash every variant on every call.
  v_flipped := ARRAY(
    SELECT p.id FROM ${s}.products p
    CROSS JOIN LATERAL (
      SELECT count(*) AS variants,
             coalesce(bool_or((SELECT ${s}.sku_sellable(i.tracked, i.allow_backorder, i.stock_state)
                               FROM ${s}.inventory_items i WHERE i.sku = v.sku)), false) AS sellable
      FROM ${s}.product_variants v WHERE v.product_id = p.id) j
    WHERE p.id = ANY (p_product_ids) AND j.variants > 0 AND p.in_stock <> j.sellable);
  IF cardinality(v_flipped) = 0 THEN
    RETURN;
  END IF;
  WITH flipped AS (
    UPDATE ${s}.products p SET in_stock = NOT p.in_stock
    WHERE p.id = ANY (v_flipped)
    RETURNING p.id, p.in_stock, p.status, p.created_tx IS NOT DISTINCT FROM pg_current_xact_id() AS created_here
  ), announced AS (
    SELECT f.id, f.in_stock, f.status,
           to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
    FROM flipped f WHERE NOT f.created_here
  )
  INSERT INTO ${s}.outbox (topic, key, payload, created_at, available_at)
  SELECT m.topic, a.id, m.payload, v_at, v_at
  FROM announced a
  CROSS JOIN LATERAL (VALUES
    (1, 'search.product', '{}'::jsonb, a.status = 'active'),
    (2, 'catalog.stock_status', jsonb_build_object('inStock', a.in_stock), true),
    (3, 'commerce.event', jsonb_build_object(
       'id', ${s}.event_id(v_at), 'type', 'product.stock_status_changed', 'aggregateId', a.id,
       'schemaVersion', 1, 'occurredAt', a.at,
       'data', jsonb_build_object('type', 'product.stock_status_changed', 'productId', a.id,
         'inStock', a.in_stock, 'occurredAt', a.at)), true)
  ) AS m(n, topic, payload, wanted)
  WHERE m.wanted
  ORDER BY a.id, m.n;
END
$fn$;

-- A transition table needs one trigger per event.
CREATE FUNCTION ${s}.in_stock_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- One index lookup per new item: the plan is cached for the session, whatever the batch size.
  PERFORM ${s}.refresh_in_stock(ARRAY(
    SELECT DISTINCT x.product_id
    FROM (SELECT (SELECT v.product_id FROM ${s}.product_variants v WHERE v.sku = n.sku) AS product_id
          FROM new_items n) x
    WHERE x.product_id IS NOT NULL));
  RETURN NULL;
END
$fn$;
CREATE TRIGGER inventory_items_in_stock_inserted AFTER INSERT ON ${s}.inventory_items
  REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION ${s}.in_stock_items_inserted();

CREATE FUNCTION ${s}.in_stock_item_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${s}.refresh_in_stock(ARRAY(
    SELECT v.product_id FROM ${s}.product_variants v WHERE v.sku = NEW.sku));
  RETURN NULL;
END
$fn$;
-- Only a change of sellability matters: 'in' ↔ 'low' and threshold edits never get here. The
-- condition spells sku_sellable out: it is compiled for every UPDATE statement, and inlining a SQL
-- function means parsing its body each time.
CREATE TRIGGER inventory_items_in_stock_changed
  AFTER UPDATE OF stock_state, tracked, allow_backorder ON ${s}.inventory_items
  FOR EACH ROW WHEN ((NOT OLD.tracked OR OLD.allow_backorder OR OLD.stock_state <> 'out')
    IS DISTINCT FROM (NOT NEW.tracked OR NEW.allow_backorder OR NEW.stock_state <> 'out'))
  EXECUTE FUNCTION ${s}.in_stock_item_changed();

CREATE FUNCTION ${s}.in_stock_variants_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${s}.refresh_in_stock(ARRAY(SELECT DISTINCT n.product_id FROM new_variants n));
  RETURN NULL;
END
$fn$;
CREATE TRIGGER product_variants_in_stock_inserted AFTER INSERT ON ${s}.product_variants
  REFERENCING NEW TABLE AS new_variants FOR EACH STATEMENT EXECUTE FUNCTION ${s}.in_stock_variants_inserted();

CREATE FUNCTION ${s}.in_stock_variants_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${s}.refresh_in_stock(ARRAY(SELECT DISTINCT o.product_id FROM old_variants o));
  RETURN NULL;
END
$fn$;
CREATE TRIGGER product_variants_in_stock_deleted AFTER DELETE ON ${s}.product_variants
  REFERENCING OLD TABLE AS old_variants FOR EACH STATEMENT EXECUTE FUNCTION ${s}.in_stock_variants_deleted();

CREATE FUNCTION ${s}.in_stock_variant_moved() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${s}.refresh_in_stock(ARRAY[OLD.product_id, NEW.product_id]);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER product_variants_in_stock_moved AFTER UPDATE OF sku, product_id ON ${s}.product_variants
  FOR EACH ROW WHEN (OLD.sku IS DISTINCT FROM NEW.sku OR OLD.product_id IS DISTINCT FROM NEW.product_id)
  EXECUTE FUNCTION ${s}.in_stock_variant_moved();

-- In-stock listings, one per products-ordered sort (003's indexes, restricted to the flag).
CREATE INDEX products_in_stock_newest_idx ON ${s}.products (status, created_at DESC, id DESC) WHERE in_stock;
CREATE INDEX products_in_stock_popular_idx ON ${s}.products (status, units_sold DESC, id DESC) WHERE in_stock;
CREATE INDEX products_in_stock_rating_idx ON ${s}.products (status, rating_avg DESC, id DESC) WHERE in_stock;
-- The listing's total: counted index-only from a deduplicated index a sixth the size of the ones
-- above (7 ms instead of 18 for 90k products in stock), for in stock and out of stock alike.
CREATE INDEX products_status_in_stock_idx ON ${s}.products (status, in_stock);
`)
        .execute(db)
    },
  }
}
