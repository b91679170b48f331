import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors/error-classes.js'

/** Turns zod issues into Souk's path/message pairs. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
}

/** `Invalid <what>: <path>: <message>; ...`, the one message shape of input and config errors. */
export function describeIssues(what: string, issues: readonly ValidationIssue[]): string {
  return `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`
}

/**
 * Validates `input` against `schema` at a public entry point. Throws {@link ValidationError}
 * (code `validation.failed`) naming every bad field; returns the parsed, typed value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = toValidationIssues(result.error)
  throw new ValidationError(describeIssues(what, issues), issues)
}
