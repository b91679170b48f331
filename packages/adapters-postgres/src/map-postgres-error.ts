import { CommerceError, ConflictError, StorageError, ValidationError } from '@souk/core'

interface DriverError {
  code?: string
  message?: string
  constraint?: string
  table?: string
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])

/**
 * Maps a node-postgres or PGlite error to a Souk error at the adapter edge. Domain rules the store
 * checks itself are thrown as CommerceErrors already and pass through unchanged.
 */
export function mapPostgresError(error: unknown): unknown {
  if (error instanceof CommerceError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError
  const code = e.code ?? ''
  // Only driver errors carry a SQLSTATE or a Node network code; anything else (a host's own error
  // thrown inside a transaction, a bug) passes through untouched.
  if (typeof e.code !== 'string' || !(/^[0-9A-Z]{5}$/.test(code) || UNAVAILABLE_NODE_CODES.has(code)))
    return error
  const details = { sqlState: code, constraint: e.constraint, table: e.table }
  if (code === '23505')
    return new ConflictError(`Duplicate value (${e.constraint ?? 'unique constraint'})`, details, {
      cause: error,
    })
  if (code === '40P01' || code === '40001' || code === '55P03') {
    return new ConflictError('Concurrent update, retry the call', details, { cause: error })
  }
  if (
    code === '23503' ||
    code === '23502' ||
    code === '23514' ||
    code === '22003' ||
    code === '22P02' ||
    code === '22001'
  ) {
    return new ValidationError(
      `Rejected by the database: ${e.message ?? code}`,
      [{ path: e.constraint ?? '', message: e.message ?? code }],
      {
        cause: error,
      },
    )
  }
  if (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    UNAVAILABLE_NODE_CODES.has(code)
  ) {
    return new StorageError('storage.unavailable', `Database unavailable: ${e.message ?? code}`, details, {
      cause: error,
    })
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
