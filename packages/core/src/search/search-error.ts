import { CommerceError, type CommerceErrorCode } from '../errors/commerce-error.js'

export type SearchErrorCode = Extract<CommerceErrorCode, 'search.unavailable' | 'search.failed'>

/**
 * A search engine failed: `search.unavailable` when it could not be reached (retry later),
 * `search.failed` when it answered with an error. Adapters over a database use `StorageError`.
 */
export class SearchError extends CommerceError {
  constructor(
    code: SearchErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options)
  }
}
