import assert from 'node:assert/strict'
import { type CommerceError, type CommerceErrorCode, isCommerceError } from '../errors/commerce-error.js'

/**
 * Awaits `promise`, which must reject with a `CommerceError` of `code` (and, when given, these
 * `details` entries), and returns that error for further checks. Runner-agnostic (node:assert), so
 * contract suites, adapter tests and apps' own tests share one helper.
 */
export async function expectCommerceError(
  promise: Promise<unknown>,
  code: CommerceErrorCode,
  details?: Readonly<Record<string, unknown>>,
): Promise<CommerceError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  )
  if (outcome.resolved)
    assert.fail(`expected a CommerceError ${code}, but it resolved with ${String(outcome.value)}`)
  const { error } = outcome
  assert.ok(isCommerceError(error), `expected a CommerceError ${code}, got ${String(error)}`)
  assert.equal(error.code, code, `${error.code}: ${error.message}`)
  if (details)
    for (const [key, value] of Object.entries(details)) assert.deepEqual(error.details[key], value, key)
  return error
}
