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
 * The hot path over a node-postgres pool. With `prepared`, statements are named, so Postgres plans
 * them once per connection instead of parsing every call. Clients go back to the pool after an
 * error too; the guarded pool (see guarded-pool.ts) discards those whose connection was lost.
 */
export function poolHotPath(pool: ConnectablePool, prepared: boolean): HotPath {
  return async <Row>(name: string, text: string, values: readonly unknown[]) => {
    const client = (await pool.connect()) as QueryableClient
    try {
      const result = await client.query({ ...(prepared ? { name } : {}), text, values: [...values] })
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
