import { CompiledQuery, type Kysely } from 'kysely'

/**
 * Sends one statement of the money path (checkout, reservations) and returns its rows. `name` lets
 * node-postgres prepare it once per connection (a named statement), which Kysely cannot do; the
 * Kysely form serves PGlite, an injected Kysely, and poolers that cannot keep prepared statements.
 */
export type HotPath = <Row>(name: string, text: string, values: readonly unknown[]) => Promise<Row[]>

interface QueryableClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>
  release(error?: Error | boolean): void
}

interface ConnectablePool {
  connect(): Promise<unknown>
}

/**
 * SQLSTATEs of a named statement the server connection does not hold (26000) or already holds
 * (42P05). node-postgres remembers which names it prepared on its connection; behind a pooler in
 * transaction mode without prepared-statement support (pgbouncer before 1.21) the connection is
 * not the same server session from one statement to the next, so these come back. Either error
 * is raised before the statement runs, so sending it again unnamed is safe.
 */
const LOST_STATEMENT_SQLSTATES = new Set(['26000', '42P05'])

function isLostStatement(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && LOST_STATEMENT_SQLSTATES.has(code)
}

/** FNV-1a of the text, base 36: tells apart two texts sent under one name (another schema). */
function textHash(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}

/**
 * The hot path over a node-postgres pool. With `prepared`, statements are named, so Postgres plans
 * them once per connection instead of parsing every call. A name carries a hash of its text, so
 * storages of two schemas sharing a pool (or a pooler's server connections) never run each other's
 * statement. The first statement found missing or duplicated on its server session (a pooler in
 * transaction mode, see LOST_STATEMENT_SQLSTATES) is sent again unnamed, and so is every statement
 * after it. Clients go back to the pool after an error too; the guarded pool (see guarded-pool.ts)
 * discards those whose connection was lost.
 */
export function poolHotPath(pool: ConnectablePool, prepared: boolean): HotPath {
  let named = prepared
  const names = new Map<string, string>()
  const nameOf = (name: string, text: string): string => {
    let full = names.get(text)
    if (full === undefined) {
      full = `${name}_${textHash(text)}`
      names.set(text, full)
    }
    return full
  }
  return async <Row>(name: string, text: string, values: readonly unknown[]) => {
    const client = (await pool.connect()) as QueryableClient
    try {
      const query = { text, values: [...values] }
      let result: { rows: unknown[] }
      if (!named) result = await client.query(query)
      else {
        try {
          result = await client.query({ ...query, name: nameOf(name, text) })
        } catch (error) {
          if (!isLostStatement(error)) throw error
          named = false
          result = await client.query(query)
        }
      }
      client.release()
      return result.rows as Row[]
    } catch (error) {
      // A refusal (insufficient stock, a stale cart) leaves a healthy connection with its
      // prepared statements: keep it. The guarded pool destroys clients whose connection was lost.
      client.release()
      throw error
    }
  }
}

/** The hot path through Kysely (PGlite, an injected Kysely): unnamed statements, any table types. */
export function kyselyHotPath<DB>(db: Kysely<DB>): HotPath {
  return async <Row>(_name: string, text: string, values: readonly unknown[]) => {
    const result = await db.executeQuery<Row>(CompiledQuery.raw(text, [...values]))
    return [...result.rows]
  }
}
