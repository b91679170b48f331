import { CommerceError, ConflictError, StorageError, ValidationError } from '@souk/core'
import { mapSoukRefusal } from './map-souk-refusal.js'

interface DriverError {
  code?: string
  message?: string
  constraint?: string
  table?: string
  /** Node's AggregateError when every address of a host refused (happy eyeballs). */
  errors?: unknown[]
}

const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/**
 * SQLSTATEs that mean the server went away or would not take the session: class 08 (connection
 * exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 57P05 (idle session timeout)
 * and 53300 (too many connections). A retry on a fresh connection can succeed.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300'])

/**
 * node-postgres and pg-pool report a lost or refused connection with a bare `Error` and no code:
 * its message is the only signal. Matched by prefix ('Connection terminated' also covers '...
 * unexpectedly' and '... due to connection timeout'); these are stable across pg 8.x.
 */
const CONNECTION_LOSS_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
]

/**
 * SQLSTATEs of a database Souk's migrations have not reached: undefined table (42P01), column
 * (42703) or function (42883), schema missing (3F000). Souk's statements only name its own
 * objects, so these mean `migrate()` was never run, or not since an upgrade.
 */
const NOT_MIGRATED_SQLSTATES = new Set(['42P01', '42703', '42883', '3F000'])

function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code)
}

/**
 * True when `error` says the connection to the server is gone or could not be made (as opposed to
 * the server rejecting a statement): the pool must not hand that client out again, and the caller
 * may retry. Exported for the pool guard.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as DriverError
  const code = typeof e.code === 'string' ? e.code : ''
  if (code !== '') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true
    if (isSqlState(code)) return code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code)
  }
  if (Array.isArray(e.errors) && e.errors.some(isConnectionLoss)) return true
  if (!(error instanceof Error) || code !== '') return false
  return CONNECTION_LOSS_MESSAGES.some((m) => error.message.startsWith(m))
}

/**
 * Maps a node-postgres or PGlite error to a Souk error at the adapter edge. Domain rules the store
 * checks itself are thrown as CommerceErrors already and pass through unchanged.
 */
export function mapPostgresError(error: unknown): unknown {
  if (error instanceof CommerceError) return error
  // Souk's own functions raise business refusals with SQLSTATE class SK: typed errors, not faults.
  const refusal = mapSoukRefusal(error)
  if (refusal !== error) return refusal
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError
  // A lost connection is retryable whatever shape it came in (SQLSTATE, Node code, bare message).
  // The message keeps the driver's words for logs; details carry no driver text beyond the
  // SQLSTATE, so an API that shows details leaks no host or socket.
  if (isConnectionLoss(error)) {
    const sqlState = typeof e.code === 'string' && isSqlState(e.code) ? e.code : undefined
    return new StorageError(
      'storage.unavailable',
      `Database unavailable: ${e.message || e.code || 'connection lost'}`,
      sqlState ? { sqlState } : {},
      { cause: error },
    )
  }
  const code = e.code ?? ''
  // Only driver errors carry a SQLSTATE; anything else (a host's own error thrown inside a
  // transaction, a bug) passes through untouched.
  if (typeof e.code !== 'string' || !isSqlState(code)) return error
  if (NOT_MIGRATED_SQLSTATES.has(code)) {
    // The driver's message names the schema and relation; the fix is the same whatever it is.
    return new StorageError(
      'storage.not_migrated',
      "Souk's tables are missing or out of date in this database: call commerce.migrate() (or storage.migrate()) once at start-up or in a deploy step, and again after upgrading Souk",
      { sqlState: code },
      { cause: error },
    )
  }
  const details = { sqlState: code, constraint: e.constraint, table: e.table }
  if (code === '23505')
    return new ConflictError(`Duplicate value (${e.constraint ?? 'unique constraint'})`, details, {
      cause: error,
    })
  if (code === '40P01' || code === '40001' || code === '55P03') {
    return new ConflictError('Concurrent update, retry the call', details, { cause: error })
  }
  // Class 22 is "data exception": a value the database cannot store (NUL bytes, bad encoding,
  // out-of-range numbers, malformed JSON). Like a broken constraint, it is bad input, not an outage.
  if (code.startsWith('22') || code === '23503' || code === '23502' || code === '23514') {
    return new ValidationError(
      `Rejected by the database: ${e.message ?? code}`,
      [{ path: e.constraint ?? '', message: e.message ?? code }],
      {
        cause: error,
      },
    )
  }
  return new StorageError('storage.failed', `Database error: ${e.message ?? String(error)}`, details, {
    cause: error,
  })
}

/** Runs `work`, rethrowing driver errors as Souk errors. */
export async function withMappedErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw mapPostgresError(error)
  }
}
