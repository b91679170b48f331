import pg from 'pg'

/** What breaks SPEC.md's stock invariants, row by row; every list is empty when they hold. */
export interface StockInvariantViolations {
  /** Levels whose `reserved` differs from the sum of their active reservations. */
  readonly drift: unknown[]
  /** Levels of SKUs that are not backorderable with on hand below 0 or reserved above on hand. */
  readonly oversold: unknown[]
  /** Confirmed orders whose reservation is not committed. */
  readonly unheld: unknown[]
  /** Failed orders still holding stock, and cancelled ones still holding a live reservation. */
  readonly failedHolding: unknown[]
}

/** No violation at all: what `stockInvariantViolations` returns when the invariants hold. */
export const NO_STOCK_VIOLATIONS: StockInvariantViolations = {
  drift: [],
  oversold: [],
  unheld: [],
  failedHolding: [],
}

/**
 * Reads SPEC.md's stock invariants over a Souk database in plain SQL, bypassing Souk: no SKU
 * oversold, reserved equal to the live reservations, every confirmed order holding committed stock,
 * no failed order holding any. A paid order that was cancelled keeps its committed reservation (its
 * units went back on hand), so only a live one counts against it.
 */
export async function stockInvariantViolations(
  url: string,
  schema = 'souk',
): Promise<StockInvariantViolations> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a schema name: ${schema}`)
  const s = schema
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const rows = async (text: string) => (await client.query(text)).rows as unknown[]
    return {
      drift: await rows(`
        select l.sku, l.location_id from ${s}.stock_levels l
        left join ${s}.reservation_items i on i.sku = l.sku and i.location_id = l.location_id
        left join ${s}.reservations r on r.id = i.reservation_id
        group by l.sku, l.location_id, l.reserved
        having l.reserved <> coalesce(sum(i.quantity) filter (where r.status = 'active'), 0)`),
      oversold: await rows(`
        select l.sku, l.location_id from ${s}.stock_levels l join ${s}.inventory_items i on i.sku = l.sku
        where not i.allow_backorder and (l.on_hand < 0 or l.reserved > l.on_hand)`),
      unheld: await rows(`
        select o.id from ${s}.orders o left join ${s}.reservations r on r.id = o.reservation_id
        where o.status = 'confirmed' and (r.status is distinct from 'committed')`),
      failedHolding: await rows(`
        select o.id from ${s}.orders o join ${s}.reservations r on r.id = o.reservation_id
        where (o.status = 'payment_failed' and r.status in ('active', 'committed'))
           or (o.status = 'cancelled' and r.status = 'active')`),
    }
  } finally {
    await client.end()
  }
}
