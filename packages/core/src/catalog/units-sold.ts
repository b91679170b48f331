import { z } from 'zod'
import type { NewOutboxMessage } from '../ports/outbox-store.js'

/**
 * The outbox topic that changes products' units sold (popularity). Checkout writes one message per
 * confirmed order, and cancellations and returns one per reversal, in the transaction that makes
 * the change; the units-sold applier sums them in batches. Units sold thereby stay off checkout's
 * hot rows: rewriting product rows on every order cost a third of its WAL and serialised hot products.
 */
export const UNITS_SOLD_TOPIC = 'catalog.units_sold'

/** Most lines one units-sold message may carry. */
export const MAX_UNITS_SOLD_LINES = 1000

/**
 * Payload of a `catalog.units_sold` message: quantities by SKU, positive for a sale and negative
 * for a reversal (cancel, return). Zero is refused: it means nothing and hides producer bugs.
 */
export const unitsSoldPayloadSchema = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        // Any non-empty string, not today's SKU rules: a message written before a rule tightened
        // must still count, and the store ignores SKUs it does not know.
        sku: z.string().min(1).max(255),
        // Whole units within safe-integer range (zod's int()); not bounded by one order line's
        // maximum, so a message summing several lines is never refused.
        quantity: z
          .number()
          .int()
          .refine((q) => q !== 0, 'quantity must not be 0'),
      }),
    )
    .min(1)
    .max(MAX_UNITS_SOLD_LINES),
})

/** See {@link unitsSoldPayloadSchema}. */
export interface UnitsSoldPayload {
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[]
}

/**
 * The outbox message that moves units sold by `lines`, keyed by the order it comes from.
 * Lines for one SKU are summed and zero totals dropped; null when nothing is left to send.
 */
export function unitsSoldMessage(
  orderId: string,
  lines: Iterable<{ readonly sku: string; readonly quantity: number }>,
): NewOutboxMessage | null {
  const bySku = new Map<string, number>()
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity)
  const payload: UnitsSoldPayload = {
    lines: [...bySku].filter(([, quantity]) => quantity !== 0).map(([sku, quantity]) => ({ sku, quantity })),
  }
  return payload.lines.length === 0 ? null : { topic: UNITS_SOLD_TOPIC, key: orderId, payload }
}
