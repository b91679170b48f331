import { z } from 'zod'
import { textProblem } from './text-schema.js'

/**
 * An e-mail address as carts, checkout and orders take it: zod's e-mail shape, at most 254
 * characters (RFC 5321), and, said explicitly rather than left to the shape's pattern, free of
 * control characters and unpaired surrogates.
 */
export const emailSchema = z
  .email('must be an e-mail address')
  .max(254, 'email must be at most 254 characters')
  .refine((value) => textProblem(value) === null, 'email must not contain control characters')
