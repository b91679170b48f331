import { type Kysely, sql } from 'kysely'

/**
 * The stock triggers of migrations 010 and 011 that a bulk load holds back. Row by row they are
 * what keeps a live shop right: a SKU whose stock arrives moves from 'out' to 'in', which writes
 * an `inventory.back_in_stock` event to the outbox and re-judges its product's in-stock flag, one
 * trigger call per SKU. For a catalog loaded in one transaction that is millions of calls and as
 * many events nobody is waiting for (the seed of 20,000 products spent most of its time there and
 * left 45,000 events for the relay). The seed writes the states and flags the triggers would
 * have set, and {@link settleStock} checks them with the migrations' own SQL functions, in two
 * statements that rewrite only the rows it finds wrong (a rewrite of a million products would cost
 * minutes and leave their old versions behind).
 */
const HELD: readonly (readonly [table: string, trigger: string])[] = [
  ['stock_levels', 'stock_levels_inserted_signal'],
  ['inventory_items', 'inventory_items_added_state'],
  ['inventory_items', 'inventory_items_in_stock_inserted'],
  ['inventory_items', 'inventory_items_in_stock_changed'],
  ['product_variants', 'product_variants_in_stock_inserted'],
]

async function setTriggers(
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only, over Souk's schema.
  trx: Kysely<any>,
  schema: string,
  state: 'enable' | 'disable',
): Promise<void> {
  for (const [table, trigger] of HELD) {
    await sql`alter table ${sql.id(schema, table)} ${sql.raw(state)} trigger ${sql.id(trigger)}`.execute(trx)
  }
}

/**
 * Disables the stock triggers until {@link settleStock}, inside `trx`: only that transaction's own
 * writes go untriggered (ALTER TABLE locks the tables until it ends), and a rollback undoes it.
 * Needs the role that owns Souk's tables (the one that migrated).
 */
export function holdStockTriggers(
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only, over Souk's schema.
  trx: Kysely<any>,
  schema: string,
): Promise<void> {
  return setTriggers(trx, schema, 'disable')
}

/**
 * Makes every SKU's stock state agree with its levels (`stock_state_of`, migration 010) and every
 * product's in-stock flag with its variants' SKUs (`sku_sellable`, migration 011), as the held
 * triggers would have, without events: the products are new in this transaction, which is when
 * the triggers write none either. Then turns the triggers back on.
 */
export async function settleStock(
  // biome-ignore lint/suspicious/noExplicitAny: raw SQL only, over Souk's schema.
  trx: Kysely<any>,
  schema: string,
): Promise<void> {
  const t = (name: string) => sql.id(schema, name)
  const fn = (name: string) => sql.id(schema, name)
  // Migration 010's own backfill, restricted to the rows that change.
  await sql`update ${t('inventory_items')} i set stock_state = n.state
    from (select x.sku, ${fn('stock_state_of')}(x.tracked, coalesce(a.available, 0), x.low_stock_threshold) as state
          from ${t('inventory_items')} x
          left join (select l.sku, sum(l.on_hand - l.reserved)::bigint as available
                     from ${t('stock_levels')} l group by l.sku) a on a.sku = x.sku) n
    where i.sku = n.sku and i.stock_state <> n.state`.execute(trx)
  await sql`update ${t('products')} p set in_stock = s.sellable
    from (select v.product_id,
            bool_or(${fn('sku_sellable')}(i.tracked, i.allow_backorder, i.stock_state)) as sellable
          from ${t('product_variants')} v join ${t('inventory_items')} i on i.sku = v.sku
          group by v.product_id) s
    where p.id = s.product_id and p.in_stock <> s.sellable`.execute(trx)
  await setTriggers(trx, schema, 'enable')
}
