import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header the test provider signs its webhooks in: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const TEST_SIGNATURE_HEADER = 'souk-test-signature'

/**
 * Signs `rawBody` the way Stripe does (HMAC-SHA256 over `"<timestamp>.<body>"`), so the test
 * provider's webhooks exercise the same verify-before-parse path as a real provider's.
 */
export function signTestWebhook(secret: string, rawBody: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmac(secret, timestampSeconds, rawBody)}`
}

/** Why a signature was refused, or null when it is valid and fresh. */
export function checkTestWebhookSignature(
  secret: string,
  rawBody: string,
  header: string,
  nowMs: number,
  toleranceMs: number,
): string | null {
  const parts = new Map<string, string[]>()
  for (const item of header.split(',')) {
    const at = item.indexOf('=')
    if (at <= 0) continue
    const key = item.slice(0, at).trim()
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()])
  }
  const timestamp = Number(parts.get('t')?.[0])
  const signatures = parts.get('v1') ?? []
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) return 'malformed signature header'
  if (Math.abs(nowMs - timestamp * 1000) > toleranceMs) return 'signature timestamp outside the tolerance'
  const expected = Buffer.from(hmac(secret, timestamp, rawBody), 'hex')
  const matches = signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return matches ? null : 'signature does not match the body'
}

function hmac(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')
}
