import { withPgClient } from './pg-client.js'
import { runPgbench } from './pgbench.js'
import type { ProgressLine } from './progress-line.js'
import type { Ceiling } from './stock-ceilings.js'
import { startWalMeter } from './wal-meter.js'

/** STACK.md, "Measured ceilings": the checkout-shaped transaction, 16 clients. */
const STACK_CHECKOUT_TPS = 3_760
/** Stock rows the script picks its three SKUs from, so clients rarely touch the same row. */
const STOCK_ROWS = 30_000

/**
 * STACK.md's checkout shape as one transaction: 3 conditional stock updates, 1 order insert,
 * 3 line inserts, 3 reservation inserts, 1 outbox insert.
 */
export const CHECKOUT_SCRIPT = `\\set s1 random(1, ${STOCK_ROWS})
\\set s2 random(1, ${STOCK_ROWS})
\\set s3 random(1, ${STOCK_ROWS})
BEGIN;
UPDATE ck_stock SET reserved = reserved + 1 WHERE sku = :s1 AND on_hand - reserved >= 1;
UPDATE ck_stock SET reserved = reserved + 1 WHERE sku = :s2 AND on_hand - reserved >= 1;
UPDATE ck_stock SET reserved = reserved + 1 WHERE sku = :s3 AND on_hand - reserved >= 1;
INSERT INTO ck_orders (status, total, created_at) VALUES ('pending_payment', 3000, now());
INSERT INTO ck_lines (order_id, sku, quantity, amount) VALUES (currval('ck_orders_id_seq'), :s1, 1, 1000);
INSERT INTO ck_lines (order_id, sku, quantity, amount) VALUES (currval('ck_orders_id_seq'), :s2, 1, 1000);
INSERT INTO ck_lines (order_id, sku, quantity, amount) VALUES (currval('ck_orders_id_seq'), :s3, 1, 1000);
INSERT INTO ck_reservations (order_id, sku, quantity) VALUES (currval('ck_orders_id_seq'), :s1, 1);
INSERT INTO ck_reservations (order_id, sku, quantity) VALUES (currval('ck_orders_id_seq'), :s2, 1);
INSERT INTO ck_reservations (order_id, sku, quantity) VALUES (currval('ck_orders_id_seq'), :s3, 1);
INSERT INTO ck_outbox (topic, key, payload, created_at) VALUES ('order.created', currval('ck_orders_id_seq')::text, '{}', now());
END;
`

export interface CheckoutCeilingOptions {
  /** pgbench's path; null falls back to STACK.md's figure. */
  readonly pgbench: string | null
  readonly url: string
  readonly clients: number
  readonly seconds: number
  readonly progress: ProgressLine
  readonly signal: AbortSignal
}

/** The checkout-shaped ceiling, measured live with pgbench in the bench database when it can be. */
export async function measureCheckoutCeiling(
  options: CheckoutCeilingOptions,
): Promise<Ceiling & { readonly description: string; readonly walBytesPerTransaction: number | null }> {
  const { pgbench, url, clients, progress, signal } = options
  if (pgbench === null) {
    return {
      tps: STACK_CHECKOUT_TPS,
      source: 'STACK.md',
      description: `STACK.md's figure (pgbench is not on PATH): ${STACK_CHECKOUT_TPS.toLocaleString('en-US')} tps with 16 clients`,
      walBytesPerTransaction: null,
    }
  }
  await withPgClient(url, (client) =>
    client.query(`
      DROP TABLE IF EXISTS ck_stock, ck_orders, ck_lines, ck_reservations, ck_outbox;
      CREATE TABLE ck_stock (sku int PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL);
      INSERT INTO ck_stock SELECT g, 1000000000, 0 FROM generate_series(1, ${STOCK_ROWS}) AS g;
      CREATE TABLE ck_orders (id bigserial PRIMARY KEY, status text NOT NULL, total bigint NOT NULL, created_at timestamptz NOT NULL);
      CREATE TABLE ck_lines (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES ck_orders (id), sku int NOT NULL, quantity int NOT NULL, amount bigint NOT NULL);
      CREATE TABLE ck_reservations (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES ck_orders (id), sku int NOT NULL, quantity int NOT NULL);
      CREATE TABLE ck_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, key text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
      ANALYZE ck_stock;`),
  )
  const seconds = Math.max(1, Math.round(options.seconds))
  const startedAt = performance.now()
  const timer = setInterval(() => {
    progress.update(
      `ceiling · pgbench checkout-shaped ×${clients} · ${((performance.now() - startedAt) / 1000).toFixed(1)}/${seconds} s`,
    )
  }, 250)
  const wal = await startWalMeter(url)
  try {
    const result = await runPgbench({
      binary: pgbench,
      url,
      script: CHECKOUT_SCRIPT,
      clients,
      seconds,
      signal,
    })
    const walBytes = await wal.stop()
    return {
      tps: result.tps,
      source: 'pgbench',
      walBytesPerTransaction: walBytes / Math.max(1, result.tps * result.seconds),
      description:
        `measured live with \`pgbench -n -M prepared -T ${seconds} -c ${clients}\` (${pgbench}): one transaction of ` +
        `3 conditional stock updates (random of ${STOCK_ROWS.toLocaleString('en-US')} rows), 1 order insert, 3 line inserts, ` +
        '3 reservation inserts, 1 outbox insert (bench/lib/checkout-ceiling.ts)',
    }
  } finally {
    clearInterval(timer)
    progress.clear()
    await withPgClient(url, (client) =>
      client.query('DROP TABLE IF EXISTS ck_lines, ck_reservations, ck_outbox, ck_orders, ck_stock'),
    )
  }
}
