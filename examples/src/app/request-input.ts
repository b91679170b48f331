import { parseInput } from '@souk/core'
import type { Request } from 'express'
import type { z } from 'zod'
import { HttpError } from './http-error.js'

type Query = Request['query']

function first(query: Query, name: string): string | undefined {
  const value = query[name]
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined
  return typeof value === 'string' ? value : undefined
}

/** A query parameter as text, or undefined when absent or empty. */
export function queryText(query: Query, name: string): string | undefined {
  const value = first(query, name)
  return value === undefined || value === '' ? undefined : value
}

/**
 * A numeric query parameter. Text that is not a number is passed on as text, so the service's
 * schema rejects it with a precise message instead of this layer guessing.
 */
export function queryNumber(query: Query, name: string): number | string | undefined {
  const value = queryText(query, name)
  if (value === undefined) return undefined
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
}

/** `true`/`false` (also `1`/`0`); anything else is passed on for the schema to reject. */
export function queryBoolean(query: Query, name: string): boolean | string | undefined {
  const value = queryText(query, name)
  if (value === undefined) return undefined
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  return value
}

/** A comma-separated list (`tags=a,b`), or repeated parameters (`tags=a&tags=b`). */
export function queryList(query: Query, name: string): string[] | undefined {
  const raw = query[name]
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
  const items = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
  return items.length === 0 ? undefined : items
}

/** The JSON body as an object; a missing body is `{}`, an array or a scalar is a 400. */
export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new HttpError(400, 'validation.failed', 'The request body must be a JSON object', {
      issues: [{ path: '', message: 'expected a JSON object' }],
    })
  }
  return body as Record<string, unknown>
}

/**
 * Parses an assembled service input with the service's own exported schema before the call, so the
 * HTTP API accepts exactly what the SDK accepts, and returns what it parsed (defaults applied,
 * unknown keys gone) for the route to pass on. Throws core's `ValidationError` (400).
 */
export function validated<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseInput(schema, input, what)
}
