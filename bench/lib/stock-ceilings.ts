import { withPgClient } from './pg-client.js'
import { runPgbench } from './pgbench.js'
import type { ProgressLine } from './progress-line.js'

/** Which rows a stock workload touches and whether it also sells what it reserved. */
export interface StockWorkload {
  /** `hot`: every call on one row; `spread`: a random row of `spreadRows`. */
  readonly shape: 'hot' | 'spread'
  /** Reserve, then commit in a second transaction (the sold path). */
  readonly sold: boolean
  readonly clients: number
}

/** The physical limit a Souk case is compared with: the same row shape as bare SQL. */
export interface Ceiling {
  /** Null when it was neither measured nor documented. */
  readonly tps: number | null
  readonly source: 'pgbench' | 'redis-benchmark' | 'STACK.md' | 'none'
}

export interface StockCeilings {
  /** How the ceilings were obtained, for the report header. */
  readonly description: string
  ceiling(workload: StockWorkload): Promise<Ceiling>
}

export interface StockCeilingOptions {
  /** pgbench's path; null falls back to the figures measured in STACK.md. */
  readonly pgbench: string | null
  readonly url: string
  readonly seconds: number
  /** Rows the spread workload picks from; match the Souk case's SKU count. */
  readonly spreadRows: number
  readonly progress: ProgressLine
  readonly signal: AbortSignal
}

/** STACK.md, "Measured ceilings": one hot row on a 2-core machine with synchronous_commit on. */
const STACK_FIGURES: ReadonlyMap<string, number> = new Map([
  ['hot/reserve/1', 5000],
  ['hot/reserve/16', 3500],
])

const RESERVE_SQL = 'UPDATE inv SET reserved = reserved + 1 WHERE sku = :sku AND on_hand - reserved >= 1;'
const COMMIT_SQL = 'UPDATE inv SET on_hand = on_hand - 1, reserved = reserved - 1 WHERE sku = :sku;'

const key = (w: StockWorkload) => `${w.shape}/${w.sold ? 'sold' : 'reserve'}/${w.clients}`

/** The pgbench script: one conditional UPDATE per reserve, each statement its own transaction. */
export function stockScript(workload: StockWorkload, spreadRows: number): string {
  const statements = [RESERVE_SQL, ...(workload.sold ? [COMMIT_SQL] : [])]
  if (workload.shape === 'hot') return statements.map((s) => s.replace(':sku', '1')).join('\n') + '\n'
  return [`\\set sku random(1, ${spreadRows})`, ...statements].join('\n') + '\n'
}

/**
 * Ceilings for stock workloads, measured with pgbench on `inv(sku int primary key, on_hand int,
 * reserved int)` in the bench database when pgbench is available, each once, when first asked for.
 */
export function createStockCeilings(options: StockCeilingOptions): StockCeilings {
  const { pgbench, url, spreadRows, progress, signal } = options
  // pgbench's -T takes whole seconds.
  const seconds = Math.max(1, Math.round(options.seconds))
  if (pgbench === null) {
    return {
      description:
        'STACK.md figures (pgbench is not on PATH): hot row 5,000 tps with 1 client, 3,500 with 16; other shapes have none',
      async ceiling(workload) {
        const tps = STACK_FIGURES.get(key(workload))
        return tps === undefined ? { tps: null, source: 'none' } : { tps, source: 'STACK.md' }
      },
    }
  }

  let table: Promise<unknown> | undefined
  const measured = new Map<string, Promise<Ceiling>>()
  const measure = async (workload: StockWorkload): Promise<Ceiling> => {
    table ??= withPgClient(url, (client) =>
      client.query(`
        DROP TABLE IF EXISTS inv;
        CREATE TABLE inv (sku int PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL);
        INSERT INTO inv SELECT g, 1000000000, 0 FROM generate_series(1, ${spreadRows}) AS g;
        ANALYZE inv;`),
    )
    await table
    const label = `ceiling · pgbench ${workload.shape}${workload.sold ? ' reserve+commit' : ''} ×${workload.clients}`
    const startedAt = performance.now()
    const timer = setInterval(() => {
      progress.update(`${label} · ${((performance.now() - startedAt) / 1000).toFixed(1)}/${seconds} s`)
    }, 250)
    try {
      const result = await runPgbench({
        binary: pgbench,
        url,
        script: stockScript(workload, spreadRows),
        clients: workload.clients,
        seconds,
        signal,
      })
      return { tps: result.tps, source: 'pgbench' }
    } finally {
      clearInterval(timer)
      progress.clear()
    }
  }

  return {
    description: `measured live with \`pgbench -n -M prepared -T ${seconds}\` (${pgbench}) on \`inv(sku int primary key, on_hand int, reserved int)\` in the bench database: \`${RESERVE_SQL.replace(':sku', '1')}\` per reserve, \`\\set sku random(1, ${spreadRows})\` for spread, plus \`${COMMIT_SQL}\` for the sold path`,
    ceiling(workload) {
      const k = key(workload)
      let ceiling = measured.get(k)
      if (!ceiling) {
        ceiling = measure(workload)
        measured.set(k, ceiling)
      }
      return ceiling
    },
  }
}
