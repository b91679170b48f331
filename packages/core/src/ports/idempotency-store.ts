/** What a claim on an idempotency key found. */
export type IdempotencyClaim =
  /** This request owns the key now and must finish with `complete`. */
  | { readonly outcome: 'claimed' }
  /** An earlier request with the same payload finished; replay its stored response. */
  | { readonly outcome: 'completed'; readonly response: unknown; readonly resourceId: string | null }
  /** An earlier request with the same payload is still running (or died; recovery decides). */
  | { readonly outcome: 'in_progress'; readonly resourceId: string | null; readonly updatedAt: Date }

/**
 * Idempotency keys: the first request with a key claims it, later ones with the same payload see
 * its state; the same key with another payload is refused with `ConflictError`
 * (`idempotency.conflict`). Claims are atomic, so two racing requests never both win.
 */
export interface IdempotencyStore {
  claim(input: {
    scope: string
    key: string
    requestHash: string
    at: Date
    expiresAt: Date
  }): Promise<IdempotencyClaim>
  /** Links a claimed key to the resource it created (e.g. the order), so recovery can find it. */
  attach(input: { scope: string; key: string; resourceId: string; at: Date }): Promise<void>
  /** Stores the final response that later requests with this key replay. */
  complete(input: {
    scope: string
    key: string
    response: unknown
    resourceId: string | null
    at: Date
  }): Promise<void>
  /** Forgets a claim whose request changed nothing durable, so the key can be used again. */
  abandon(input: { scope: string; key: string }): Promise<void>
  /** Deletes keys past their expiry. Returns how many. */
  purgeExpired(at: Date): Promise<number>
}
