import { type Kysely, sql } from 'kysely'

/**
 * Pricing: rules that keep promotions and shipping methods well-formed in the database itself,
 * the index that releasing an order's redemptions needs, and the index that finds the zones of a
 * country. The tables are 002's.
 */
export function pricingMigration(schema: string) {
  const s = schema
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql
        .raw(`
ALTER TABLE ${s}.promotions
  ADD CONSTRAINT promotions_code_upper_check CHECK (code = upper(code)),
  ADD CONSTRAINT promotions_times_used_check CHECK (times_used >= 0),
  ADD CONSTRAINT promotions_kind_fields_check CHECK (
    (kind = 'percentage' AND percent IS NOT NULL AND amount IS NULL)
    OR (kind = 'fixed' AND percent IS NULL AND amount > 0 AND currency IS NOT NULL)
    OR (kind = 'free_shipping' AND percent IS NULL AND amount IS NULL)),
  -- A minimum is an amount of the promotion's currency; 0 means none.
  ADD CONSTRAINT promotions_min_subtotal_check CHECK (min_subtotal >= 0 AND (min_subtotal = 0 OR currency IS NOT NULL)),
  ADD CONSTRAINT promotions_window_check CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at);

-- releaseRedemption(orderId) looks redemptions up by order; the primary key leads with the promotion.
CREATE INDEX promotion_redemptions_order_idx ON ${s}.promotion_redemptions (order_id);

-- "Zones listing this country or '*'" is an array overlap, which GIN answers.
CREATE INDEX shipping_zones_countries_idx ON ${s}.shipping_zones USING gin (countries);

ALTER TABLE ${s}.shipping_methods
  ADD CONSTRAINT shipping_methods_days_check CHECK (min_days >= 0);
`)
        .execute(db)
    },
  }
}
