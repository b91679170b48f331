import { ConfigError, toValidationIssues } from '@souk/core'
import type { z } from 'zod'

/** Validates an adapter's options at construction; throws `ConfigError` naming every bad field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, adapter: string): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issues = toValidationIssues(parsed.error)
  throw new ConfigError(
    `Invalid ${adapter} options: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    issues,
  )
}
