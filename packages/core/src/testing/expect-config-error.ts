import assert from 'node:assert/strict'
import { type CommerceError, isCommerceError } from '../errors/commerce-error.js'
import type { ValidationIssue } from '../errors/error-classes.js'

/**
 * Calls `build`, which must throw `config.invalid` the way `parseConfig` words it: `Invalid <what>: `
 * followed by every issue of `details.issues` (`path: message`, or the message alone at the root),
 * and, when given, an issue on `path`. Returns the error. Runner-agnostic (node:assert), like
 * `expectCommerceError`, so adapters check their factories' config errors in one line.
 */
export function expectConfigError(build: () => unknown, what: string, path?: string): CommerceError {
  let thrown: unknown
  try {
    build()
  } catch (error) {
    thrown = error
  }
  assert.ok(isCommerceError(thrown, 'config.invalid'), `expected config.invalid, got ${String(thrown)}`)
  const issues = thrown.details.issues as readonly ValidationIssue[]
  assert.ok(issues.length > 0, 'config.invalid names no issue')
  const listed = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
  assert.equal(thrown.message, `Invalid ${what}: ${listed}`)
  if (path !== undefined)
    assert.ok(
      issues.some((i) => i.path === path),
      `no issue on ${path}: ${listed}`,
    )
  return thrown
}
