import { type Kysely, sql } from 'kysely'

/**
 * The rest of the commerce schema: catalog, reviews, carts, promotions, orders, payments,
 * shipping, addresses, the transactional outbox and idempotency keys. Money is bigint minor units
 * beside a char(3) currency; every time is timestamptz. Ids are text `prefix_<ulid>`.
 */
export function commerceMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
CREATE TABLE ${s}.sellers (
  id text PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE ${s}.categories (
  id text PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  parent_id text REFERENCES ${s}.categories (id),
  -- Ids from the root down to this category, so "category including descendants" is one lookup.
  path text[] NOT NULL,
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL
);
CREATE INDEX categories_parent_idx ON ${s}.categories (parent_id);

CREATE TABLE ${s}.products (
  id text PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
  category_id text REFERENCES ${s}.categories (id),
  -- The category's path, copied here so listings filter by any ancestor with the GIN index.
  category_path text[] NOT NULL DEFAULT '{}',
  seller_id text REFERENCES ${s}.sellers (id),
  tags text[] NOT NULL DEFAULT '{}',
  attributes jsonb NOT NULL DEFAULT '{}',
  units_sold bigint NOT NULL DEFAULT 0,
  rating_count integer NOT NULL DEFAULT 0,
  rating_sum integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX products_category_path_idx ON ${s}.products USING gin (category_path);
CREATE INDEX products_tags_idx ON ${s}.products USING gin (tags);
CREATE INDEX products_seller_idx ON ${s}.products (seller_id, created_at DESC);
CREATE INDEX products_newest_idx ON ${s}.products (status, created_at DESC, id DESC);
CREATE INDEX products_popular_idx ON ${s}.products (status, units_sold DESC, id DESC);

CREATE TABLE ${s}.product_variants (
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES ${s}.products (id) ON DELETE CASCADE,
  sku text NOT NULL UNIQUE,
  options jsonb NOT NULL DEFAULT '{}',
  weight_grams integer NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
  position integer NOT NULL DEFAULT 0
);
CREATE INDEX product_variants_product_idx ON ${s}.product_variants (product_id, position);

CREATE TABLE ${s}.variant_prices (
  variant_id text NOT NULL REFERENCES ${s}.product_variants (id) ON DELETE CASCADE,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (variant_id, currency)
);

CREATE TABLE ${s}.product_images (
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES ${s}.products (id) ON DELETE CASCADE,
  url text NOT NULL,
  alt text NOT NULL DEFAULT '',
  position integer NOT NULL DEFAULT 0,
  is_primary boolean NOT NULL DEFAULT false
);
CREATE INDEX product_images_product_idx ON ${s}.product_images (product_id, position);

CREATE TABLE ${s}.reviews (
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES ${s}.products (id) ON DELETE CASCADE,
  customer_id text NOT NULL,
  rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  verified_purchase boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  UNIQUE (product_id, customer_id)
);
CREATE INDEX reviews_product_idx ON ${s}.reviews (product_id, created_at DESC);

CREATE TABLE ${s}.addresses (
  id text PRIMARY KEY,
  customer_id text NOT NULL,
  name text NOT NULL,
  line1 text NOT NULL,
  line2 text,
  city text NOT NULL,
  region text,
  postal_code text,
  country char(2) NOT NULL,
  phone text,
  is_default_shipping boolean NOT NULL DEFAULT false,
  is_default_billing boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX addresses_customer_idx ON ${s}.addresses (customer_id);
CREATE UNIQUE INDEX addresses_default_shipping_idx ON ${s}.addresses (customer_id) WHERE is_default_shipping;
CREATE UNIQUE INDEX addresses_default_billing_idx ON ${s}.addresses (customer_id) WHERE is_default_billing;

CREATE TABLE ${s}.promotions (
  id text PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('percentage', 'fixed', 'free_shipping')),
  -- Percentage as an exact decimal string ('12.5'); fixed amounts in minor units of currency.
  percent text,
  amount bigint CHECK (amount >= 0),
  currency char(3),
  min_subtotal bigint NOT NULL DEFAULT 0,
  starts_at timestamptz,
  ends_at timestamptz,
  usage_limit integer CHECK (usage_limit > 0),
  per_customer_limit integer CHECK (per_customer_limit > 0),
  times_used integer NOT NULL DEFAULT 0 CHECK (usage_limit IS NULL OR times_used <= usage_limit),
  created_at timestamptz NOT NULL
);

-- A cart is one row: its lines are a small jsonb array, so an edit is one compare-and-set UPDATE.
CREATE TABLE ${s}.carts (
  id text PRIMARY KEY,
  customer_id text,
  currency char(3) NOT NULL,
  lines jsonb NOT NULL DEFAULT '[]',
  email text,
  promo_code text,
  shipping_address jsonb,
  shipping_method_id text,
  -- Set when checkout turns the cart into an order; such a cart is read-only.
  order_id text,
  -- When the abandoned-cart event was last raised; a later edit starts a new idle spell.
  abandoned_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX carts_customer_idx ON ${s}.carts (customer_id, updated_at DESC) WHERE customer_id IS NOT NULL AND order_id IS NULL;
CREATE INDEX carts_idle_idx ON ${s}.carts (updated_at) WHERE order_id IS NULL;
CREATE INDEX carts_expiry_idx ON ${s}.carts (expires_at);

CREATE SEQUENCE ${s}.order_display_number_seq START 100001;

CREATE TABLE ${s}.orders (
  id text PRIMARY KEY,
  display_number bigint NOT NULL UNIQUE DEFAULT nextval('${s}.order_display_number_seq'),
  customer_id text,
  email text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending_payment', 'confirmed', 'processing', 'partially_shipped',
    'shipped', 'delivered', 'cancelled', 'payment_failed', 'refunded', 'partially_refunded',
    'return_requested', 'returned')),
  currency char(3) NOT NULL,
  subtotal bigint NOT NULL,
  discount_total bigint NOT NULL DEFAULT 0,
  shipping_total bigint NOT NULL DEFAULT 0,
  tax_total bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL CHECK (total >= 0),
  shipping_address jsonb,
  billing_address jsonb,
  shipping_method_id text,
  promo_code text,
  cart_id text,
  reservation_id text REFERENCES ${s}.reservations (id),
  payment_provider text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX orders_customer_idx ON ${s}.orders (customer_id, created_at DESC, id DESC) WHERE customer_id IS NOT NULL;
CREATE INDEX orders_status_idx ON ${s}.orders (status, updated_at);

CREATE TABLE ${s}.order_lines (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES ${s}.orders (id) ON DELETE CASCADE,
  sku text NOT NULL,
  product_id text,
  variant_id text,
  seller_id text,
  name text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price bigint NOT NULL,
  discount bigint NOT NULL DEFAULT 0,
  tax bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL,
  returned_quantity integer NOT NULL DEFAULT 0 CHECK (returned_quantity <= quantity)
);
CREATE INDEX order_lines_order_idx ON ${s}.order_lines (order_id);
CREATE INDEX order_lines_seller_idx ON ${s}.order_lines (seller_id, order_id);
CREATE INDEX order_lines_product_idx ON ${s}.order_lines (product_id);

CREATE TABLE ${s}.order_status_history (
  order_id text NOT NULL REFERENCES ${s}.orders (id) ON DELETE CASCADE,
  from_status text,
  to_status text NOT NULL,
  note text,
  at timestamptz NOT NULL
);
CREATE INDEX order_status_history_order_idx ON ${s}.order_status_history (order_id, at);

CREATE TABLE ${s}.promotion_redemptions (
  promotion_id text NOT NULL REFERENCES ${s}.promotions (id),
  order_id text NOT NULL REFERENCES ${s}.orders (id),
  customer_id text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (promotion_id, order_id)
);
CREATE INDEX promotion_redemptions_customer_idx ON ${s}.promotion_redemptions (promotion_id, customer_id);

CREATE TABLE ${s}.payments (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES ${s}.orders (id),
  provider text NOT NULL,
  provider_payment_id text,
  status text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  captured_amount bigint NOT NULL DEFAULT 0,
  refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount <= captured_amount),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payments_order_idx ON ${s}.payments (order_id);

CREATE TABLE ${s}.refunds (
  id text PRIMARY KEY,
  payment_id text NOT NULL REFERENCES ${s}.payments (id),
  amount bigint NOT NULL CHECK (amount > 0),
  reason text,
  provider_refund_id text,
  created_at timestamptz NOT NULL
);

-- Webhook events already applied, so a redelivered event is a no-op.
CREATE TABLE ${s}.payment_webhook_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);

CREATE TABLE ${s}.shipping_zones (
  id text PRIMARY KEY,
  name text NOT NULL,
  countries text[] NOT NULL,
  regions text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE ${s}.shipping_methods (
  id text PRIMARY KEY,
  zone_id text NOT NULL REFERENCES ${s}.shipping_zones (id),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('flat', 'free_over', 'weight_table')),
  currency char(3) NOT NULL,
  -- flat: { amount }; free_over: { amount, threshold }; weight_table: { brackets: [{ upToGrams, amount }] }
  config jsonb NOT NULL,
  carrier text,
  min_days integer NOT NULL,
  max_days integer NOT NULL CHECK (max_days >= min_days),
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX shipping_methods_zone_idx ON ${s}.shipping_methods (zone_id) WHERE active;

CREATE TABLE ${s}.shipments (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES ${s}.orders (id),
  carrier text NOT NULL,
  tracking_number text NOT NULL,
  status text NOT NULL CHECK (status IN ('shipped', 'in_transit', 'delivered', 'exception')),
  shipped_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX shipments_order_idx ON ${s}.shipments (order_id);

CREATE TABLE ${s}.shipment_lines (
  shipment_id text NOT NULL REFERENCES ${s}.shipments (id) ON DELETE CASCADE,
  order_line_id text NOT NULL REFERENCES ${s}.order_lines (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (shipment_id, order_line_id)
);

CREATE TABLE ${s}.tracking_events (
  id text PRIMARY KEY,
  shipment_id text NOT NULL REFERENCES ${s}.shipments (id) ON DELETE CASCADE,
  status text NOT NULL,
  description text NOT NULL DEFAULT '',
  location text,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX tracking_events_shipment_idx ON ${s}.tracking_events (shipment_id, occurred_at);

-- Transactional outbox: written in the same transaction as the change it announces, delivered at
-- least once by workers that claim rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE ${s}.outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  processed_at timestamptz
);
CREATE INDEX outbox_pending_idx ON ${s}.outbox (topic, available_at, id) WHERE processed_at IS NULL;

-- One row per (scope, key): the first request claims it, later ones replay its stored result.
CREATE TABLE ${s}.idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_progress', 'completed', 'failed')),
  resource_id text,
  response jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON ${s}.idempotency_keys (expires_at);
`)
        .execute(db)
    },
  }
}
