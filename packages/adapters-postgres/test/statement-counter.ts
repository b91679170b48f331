import pg from 'pg'

/** Souk's functions that only read: calling one is not a write. */
const READ_ONLY_FUNCTIONS = new Set(['available_json', 'reservation_json', 'checkout_read', 'cart_read'])

export interface StatementTrace {
  /** Every statement sent, in order (BEGIN and COMMIT included), with its text shortened. */
  readonly statements: string[]
  /** Statements sent, BEGIN/COMMIT/ROLLBACK included. */
  readonly count: number
  /**
   * Transactions that committed a write: each COMMIT, plus each statement outside a transaction
   * that writes (an autocommit write is its own commit).
   */
  readonly commits: number
}

function textOf(query: unknown): string {
  if (typeof query === 'string') return query
  if (query && typeof query === 'object' && 'text' in query) return String((query as { text: unknown }).text)
  return String(query)
}

function writes(text: string): boolean {
  const sql = text.trim().toLowerCase()
  if (/^(insert|update|delete|merge|with)\b/.test(sql)) return true
  if (!sql.startsWith('select')) return false
  const called = [...sql.matchAll(/"?[a-z_][a-z0-9_]*"?\."?([a-z_][a-z0-9_]*)"?\s*\(/g)].map((m) => m[1]!)
  return called.some((name) => !READ_ONLY_FUNCTIONS.has(name))
}

/**
 * A node-postgres pool whose clients record what they send, for tests that hold Souk to its
 * statement budget through the public `postgresStorage({ pool })` option.
 */
export function countingPool(config: pg.PoolConfig) {
  let statements: string[] = []
  let commits = 0
  const inTransaction = new WeakSet<pg.Client>()

  class CountingClient extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query has many overloads; this forwards them all.
    override query(...args: any[]): any {
      const text = textOf(args[0])
      const sql = text.trim().toLowerCase()
      statements.push(text.replace(/\s+/g, ' ').trim().slice(0, 160))
      if (sql === 'begin' || sql.startsWith('begin ') || sql.startsWith('start transaction'))
        inTransaction.add(this)
      else if (sql === 'commit') {
        commits++
        inTransaction.delete(this)
      } else if (sql === 'rollback') inTransaction.delete(this)
      else if (!inTransaction.has(this) && writes(text)) commits++
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      return (super.query as any)(...args)
    }
  }

  const pool = new pg.Pool({ ...config, Client: CountingClient })
  pool.on('error', () => undefined)
  return {
    pool,
    /** Forgets what was recorded so far. */
    reset() {
      statements = []
      commits = 0
    },
    /** What was recorded since the last reset. */
    trace(): StatementTrace {
      return { statements: [...statements], count: statements.length, commits }
    },
  }
}
