import { withPgClient } from './pg-client.js'

/** postgresStorage's default schema. */
const SCHEMA = 'souk'

export interface TableSize {
  readonly name: string
  /** Estimated rows (pg_class.reltuples, exact right after VACUUM/ANALYZE). */
  readonly rows: number
  /** The table itself. */
  readonly heapBytes: number
  /** TOAST and free-space/visibility maps: what the table takes beyond its heap and indexes. */
  readonly otherBytes: number
  readonly indexBytes: number
}

export interface IndexSize {
  readonly name: string
  readonly table: string
  readonly bytes: number
}

export interface RelationSizes {
  readonly tables: readonly TableSize[]
  readonly indexes: readonly IndexSize[]
  readonly databaseBytes: number
}

/** Sizes of Souk's tables and of every index on them (pg_relation_size), largest first. */
export function relationSizes(url: string): Promise<RelationSizes> {
  return withPgClient(url, async (client) => {
    const tables = await client.query<{
      name: string
      rows: number
      heap: string
      total: string
      indexes: string
    }>(
      `SELECT c.relname AS name, greatest(c.reltuples, 0)::float8 AS rows, pg_relation_size(c.oid) AS heap,
              pg_total_relation_size(c.oid) AS total, pg_indexes_size(c.oid) AS indexes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r'
       ORDER BY pg_total_relation_size(c.oid) DESC`,
      [SCHEMA],
    )
    const indexes = await client.query<{ name: string; table: string; bytes: string }>(
      `SELECT c.relname AS name, t.relname AS table, pg_relation_size(c.oid) AS bytes
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = $1
       ORDER BY pg_relation_size(c.oid) DESC, c.relname`,
      [SCHEMA],
    )
    const database = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    )
    return {
      tables: tables.rows.map((r) => ({
        name: r.name,
        rows: Math.round(Number(r.rows)),
        heapBytes: Number(r.heap),
        otherBytes: Number(r.total) - Number(r.heap) - Number(r.indexes),
        indexBytes: Number(r.indexes),
      })),
      indexes: indexes.rows.map((r) => ({ name: r.name, table: r.table, bytes: Number(r.bytes) })),
      databaseBytes: Number(database.rows[0]?.bytes ?? 0),
    }
  })
}

/** `1536` → `1.5 KB`; binary units, as Postgres' pg_size_pretty. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/** The sizes as note lines: the tables a catalog and its search index fill, then their indexes. */
export function describeSizes(sizes: RelationSizes, tableNames: readonly string[]): string[] {
  const tables = sizes.tables.filter((t) => tableNames.includes(t.name))
  const indexes = sizes.indexes.filter((i) => tableNames.includes(i.table))
  const rows = (n: number) => n.toLocaleString('en-US')
  return [
    `Database ${formatBytes(sizes.databaseBytes)}. Tables (rows; heap + TOAST; indexes): ${tables
      .map(
        (t) =>
          `${t.name} (${rows(t.rows)}; ${formatBytes(t.heapBytes + t.otherBytes)}; ${formatBytes(t.indexBytes)})`,
      )
      .join(', ')}.`,
    `Indexes (pg_relation_size), largest first: ${indexes.map((i) => `${i.name} ${formatBytes(i.bytes)}`).join(', ')}.`,
  ]
}
