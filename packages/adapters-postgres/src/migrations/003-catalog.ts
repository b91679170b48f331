import { type Kysely, sql } from 'kysely'

/**
 * Catalog listings on top of 002's tables: a per-currency lowest price per product (so price
 * filters and sorts are index scans rather than aggregates over variants), an exact rating average
 * to sort by, and one btree per listing order, each ending in `id` so keyset pagination
 * (`(key, id) < (cursor key, cursor id)`) walks the index and stops after a page.
 */
export function catalogMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
-- The lowest variant price of a product in each currency it is sold in, rewritten in the
-- transaction of every product write. status is copied so price-sorted listings filter inside
-- the index instead of visiting products they will not show.
CREATE TABLE ${s}.product_prices (
  product_id text NOT NULL REFERENCES ${s}.products (id) ON DELETE CASCADE,
  currency char(3) NOT NULL,
  min_amount bigint NOT NULL CHECK (min_amount >= 0),
  status text NOT NULL,
  PRIMARY KEY (product_id, currency)
);
CREATE INDEX product_prices_sort_idx ON ${s}.product_prices (currency, status, min_amount, product_id);

-- The currency of the first variant's first price: the basis of "similar price".
ALTER TABLE ${s}.products ADD COLUMN primary_currency char(3);

-- Exact (numeric, not float) average for the rating sort; unrated products sort as 0, last.
ALTER TABLE ${s}.products ADD COLUMN rating_avg numeric NOT NULL
  GENERATED ALWAYS AS (CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 6) ELSE 0 END) STORED;
CREATE INDEX products_rating_idx ON ${s}.products (status, rating_avg DESC, id DESC);

-- 002's seller index lacks status and the id tie-breaker that keyset pages need.
DROP INDEX ${s}.products_seller_idx;
CREATE INDEX products_seller_idx ON ${s}.products (seller_id, status, created_at DESC, id DESC);

-- Similar products: same category, most popular first.
CREATE INDEX products_category_popular_idx ON ${s}.products (category_id, status, units_sold DESC, id DESC);

-- Reviews newest first with a tie-breaker.
DROP INDEX ${s}.reviews_product_idx;
CREATE INDEX reviews_product_idx ON ${s}.reviews (product_id, created_at DESC, id DESC);

-- Bought-together reads a product's most recent orders; the old (product_id) index is a prefix.
DROP INDEX ${s}.order_lines_product_idx;
CREATE INDEX order_lines_product_idx ON ${s}.order_lines (product_id, order_id);
`)
        .execute(db)
    },
  }
}
