import { type CommerceEventType, cursorSchema, pageLimitSchema, text } from '@souk/core'
import { z } from 'zod'
import { type WebhookUrlPolicy, webhookUrlProblem } from './webhook-url-policy.js'

/**
 * Every event type an endpoint may ask for. A `Record` over the union, so an event type added to
 * core without a decision here fails the type check (like the error statuses in error-status.ts).
 * All are accepted; those not yet written to the outbox are delivered once they are (docs/events.md).
 */
const SUBSCRIBABLE: Readonly<Record<CommerceEventType, true>> = {
  'inventory.reserved': true,
  'inventory.committed': true,
  'inventory.released': true,
  'inventory.adjusted': true,
  'inventory.low_stock': true,
  'inventory.back_in_stock': true,
  'product.created': true,
  'product.updated': true,
  'product.archived': true,
  'product.stock_status_changed': true,
  'review.created': true,
  'cart.item_added': true,
  'cart.merged': true,
  'cart.abandoned': true,
  'order.created': true,
  'order.status_changed': true,
  'order.refunded': true,
}

export const WEBHOOK_EVENT_TYPES = Object.keys(SUBSCRIBABLE) as CommerceEventType[]

const isEventType = (type: string): type is CommerceEventType => Object.hasOwn(SUBSCRIBABLE, type)

/** `POST /api/admin/webhooks`: the URL is checked against the deployment's policy. */
export function createWebhookEndpointSchema(policy: WebhookUrlPolicy) {
  return z.strictObject({
    url: text({ min: 1, max: 2048, label: 'url' }).superRefine((url, ctx) => {
      const problem = webhookUrlProblem(url, policy)
      if (problem) ctx.addIssue({ code: 'custom', message: `url ${problem}` })
    }),
    // One union of two plain shapes, then the checks: a union would report a bad item of the
    // array as a bare "invalid input" on `events`, and this names the item.
    events: z
      .union([z.literal('*'), z.array(z.unknown())], {
        message: 'events must be "*" or an array of event types',
      })
      .superRefine((events, ctx) => {
        if (events === '*') return
        if (events.length === 0)
          ctx.addIssue({ code: 'custom', message: 'events must list at least one type, or be "*" for all' })
        if (events.length > WEBHOOK_EVENT_TYPES.length)
          ctx.addIssue({
            code: 'custom',
            message: `events lists more than the ${WEBHOOK_EVENT_TYPES.length} types`,
          })
        events.forEach((type, i) => {
          if (typeof type !== 'string' || !isEventType(type)) {
            const shown = typeof type === 'string' && type.length <= 100 ? ` "${type}"` : ''
            ctx.addIssue({ code: 'custom', path: [i], message: `unknown event type${shown}` })
          } else if (events.indexOf(type) !== i) {
            ctx.addIssue({ code: 'custom', path: [i], message: `"${type}" is listed twice` })
          }
        })
      })
      .transform((events) => events as '*' | CommerceEventType[]),
    description: text({ max: 500, label: 'description' }).optional(),
  })
}

/** `GET /api/admin/webhooks/:id/dead-letters?limit&after` */
export const webhookDeadLetterQuerySchema = z.strictObject({
  /** The previous page's `nextCursor`. */
  cursor: cursorSchema.optional(),
  /** Default 50, at most 100. */
  limit: pageLimitSchema(50, 100),
})

/** `POST /api/admin/webhooks/:id/replay`: the dead letters to deliver again; all of them without `eventIds`. */
export const webhookReplaySchema = z.strictObject({
  eventIds: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
})

/** `POST /api/admin/webhooks/:id/rotate-secret`: how long the old secret keeps signing (0: not at all). */
export const webhookSecretRotationSchema = z.strictObject({
  expiresInSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional(),
})
