import type { z } from 'zod'
import { ConfigError } from '../errors/error-classes.js'
import { describeIssues, toValidationIssues } from './parse-input.js'

/**
 * Validates a factory's configuration at construction, as `parseInput` validates a call's input:
 * throws {@link ConfigError} (code `config.invalid`) naming every bad field, in the same message
 * shape (`Invalid postgresStorage config: schema: must be ...`); returns the parsed value, defaults
 * applied, which the factory must use rather than its raw argument. `what` names the factory's
 * config, e.g. `'redisCache config'`.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = toValidationIssues(result.error)
  throw new ConfigError(describeIssues(what, issues), issues)
}
