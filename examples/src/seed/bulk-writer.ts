import { type Kysely, sql } from 'kysely'

/** A table the seeder fills, with its columns as `jsonb_to_recordset` should type them. */
export interface BulkTable {
  readonly name: string
  /** Column name → SQL type, in insert order. */
  readonly columns: Readonly<Record<string, string>>
}

/** Rows per INSERT: one JSON parameter each, small enough for PGlite's single connection. */
const DEFAULT_BATCH_ROWS = 2000

/**
 * Buffers rows per table and writes them with one `INSERT ... SELECT FROM jsonb_to_recordset($1)`
 * per batch: a single round trip for thousands of rows, the same statement on node-postgres and
 * PGlite. Tables are flushed in the order given, so foreign keys (variants after products) hold at
 * every flush.
 */
export interface BulkWriter {
  add(table: string, row: Record<string, unknown>): Promise<void>
  /** Writes every buffered row, tables in dependency order. */
  flush(): Promise<void>
  /** Rows written so far per table. */
  readonly written: ReadonlyMap<string, number>
  /** Milliseconds spent in each table's INSERTs so far (its triggers included). */
  readonly elapsedMs: ReadonlyMap<string, number>
}

export function createBulkWriter(
  // biome-ignore lint/suspicious/noExplicitAny: writes raw SQL only; any Kysely instance or transaction will do.
  db: Kysely<any>,
  schema: string,
  tables: readonly BulkTable[],
  batchRows = DEFAULT_BATCH_ROWS,
): BulkWriter {
  const buffers = new Map<string, Record<string, unknown>[]>(tables.map((t) => [t.name, []]))
  const written = new Map<string, number>(tables.map((t) => [t.name, 0]))
  const elapsedMs = new Map<string, number>(tables.map((t) => [t.name, 0]))

  async function write(table: BulkTable, rows: Record<string, unknown>[]) {
    if (rows.length === 0) return
    const names = Object.keys(table.columns)
    const definition = names.map((n) => `${n} ${table.columns[n]}`).join(', ')
    const columns = sql.join(names.map((n) => sql.id(n)))
    const startedAt = performance.now()
    await sql`insert into ${sql.id(schema, table.name)} (${columns})
      select ${columns} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(definition)})`.execute(
      db,
    )
    written.set(table.name, (written.get(table.name) ?? 0) + rows.length)
    elapsedMs.set(table.name, (elapsedMs.get(table.name) ?? 0) + performance.now() - startedAt)
  }

  async function flush() {
    for (const table of tables) {
      const rows = buffers.get(table.name)!
      buffers.set(table.name, [])
      await write(table, rows)
    }
  }

  return {
    written,
    elapsedMs,
    async add(table, row) {
      const buffer = buffers.get(table)
      if (!buffer) throw new TypeError(`bulk writer: unknown table ${table}`)
      buffer.push(row)
      if (buffer.length >= batchRows) await flush()
    },
    flush,
  }
}
