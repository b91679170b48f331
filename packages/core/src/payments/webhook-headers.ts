import type { WebhookInput } from '../ports/payment-provider.js'

/**
 * Reads one header from a webhook's headers, ignoring the name's case (Node lower-cases names,
 * other frameworks keep them as sent). A repeated header yields its first value.
 */
export function webhookHeader(headers: WebhookInput['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue
    return typeof value === 'string' ? value : value[0]
  }
  return undefined
}
