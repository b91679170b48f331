import type { NextFunction, Request, Response } from 'express'
import { HttpError } from './http-error.js'

/** Deeper JSON than any Souk input has; bounds the walk below and whatever parses the body next. */
const MAX_DEPTH = 32

/**
 * True for C0 controls other than tab, line feed and carriage return, for DEL, and for a UTF-16
 * surrogate without its pair. PostgreSQL cannot store NUL in text or jsonb at all (it fails the
 * statement), an unpaired surrogate has no UTF-8 form (the driver would silently replace it), and
 * the other controls have no business in an id, a query or a form field.
 */
function unstorable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1)
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true
      i++
    }
  }
  return false
}

function refuse(where: string, message: string): HttpError {
  return new HttpError(400, 'validation.failed', `The ${where} ${message}`, {
    issues: [{ path: where, message }],
  })
}

/** The first problem in a parsed JSON value or query object, walked without recursion. */
function problemIn(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }]
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!
    if (typeof v === 'string') {
      if (unstorable(v)) return 'holds a control character or an unpaired surrogate'
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`
      for (const [key, item] of Object.entries(v)) {
        if (unstorable(key)) return 'holds a control character or an unpaired surrogate'
        stack.push({ value: item, depth: depth + 1 })
      }
    }
  }
  return undefined
}

/**
 * Refuses, with a 400, a request whose path, query or JSON body holds text no Souk field accepts:
 * NUL and other control characters, unpaired surrogates, absurd nesting. Core's schemas check the
 * fields they know; this edge check also covers free-form ones (address lines, jsonb metadata),
 * where the database would otherwise fail the statement with a 500.
 */
export function rejectUnstorableText(req: Request, _res: Response, next: NextFunction): void {
  // A bad percent-escape throws URIError, which the error handler answers with 400.
  const path = req.path.split('/').map((segment) => decodeURIComponent(segment))
  if (path.some(unstorable)) throw refuse('path', 'holds a control character or an unpaired surrogate')
  const queryProblem = problemIn(req.query)
  if (queryProblem) throw refuse('query', queryProblem)
  const bodyProblem = problemIn(req.body)
  if (bodyProblem) throw refuse('body', bodyProblem)
  next()
}
