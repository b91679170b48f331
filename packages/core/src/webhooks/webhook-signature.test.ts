import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import { ValidationError } from '../errors/error-classes.js'
import {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  SOUK_SIGNATURE_HEADER,
  signWebhook,
  verifyWebhook,
} from './webhook-signature.js'

const SECRET = 'whsec_test_0123456789abcdef'
const SIGNED_AT = new Date('2031-03-01T12:00:00.750Z')
const SECONDS = Math.floor(SIGNED_AT.getTime() / 1000)
const EVENT = {
  id: 'evt_01J0000000000000000000000A',
  type: 'order.created',
  aggregateId: 'ord_01J0000000000000000000000B',
  schemaVersion: 1,
  occurredAt: '2031-03-01T12:00:00.000Z',
  data: {
    type: 'order.created',
    orderId: 'ord_01J0000000000000000000000B',
    total: { amount: 4900, currency: 'EUR' },
  },
}
const BODY = JSON.stringify(EVENT)

/** What failed, read from the one issue of the refusal. */
function refusal(run: () => unknown): { path: string; message: string } {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    expect(isCommerceError(error, 'validation.failed')).toBe(true)
    const issues = (error as ValidationError).details.issues
    expect(issues.length).toBeGreaterThan(0)
    return issues[0]!
  }
  throw new Error('expected a refusal')
}

describe('signWebhook', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in hex, with t in whole unix seconds, as Stripe signs', () => {
    const header = signWebhook({ secret: SECRET, timestamp: SIGNED_AT, body: BODY })
    const expected = createHmac('sha256', SECRET).update(`${SECONDS}.${BODY}`).digest('hex')
    expect(header).toBe(`t=${SECONDS},v1=${expected}`)
    expect(SOUK_SIGNATURE_HEADER).toBe('souk-signature')
  })

  it('signs bytes and the same text alike, and one v1 per secret while a secret is rotated', () => {
    const fromText = signWebhook({ secret: SECRET, timestamp: SIGNED_AT, body: BODY })
    expect(signWebhook({ secret: SECRET, timestamp: SIGNED_AT, body: Buffer.from(BODY) })).toBe(fromText)
    const both = signWebhook({ secret: ['whsec_new_0123456789', SECRET], timestamp: SIGNED_AT, body: BODY })
    expect(both.split(',')).toHaveLength(3)
    expect(both.endsWith(fromText.split(',')[1]!)).toBe(true)
  })

  it('refuses an empty secret and a body that is not text or bytes', () => {
    expect(refusal(() => signWebhook({ secret: '', body: BODY })).path).toBe('secret')
    expect(refusal(() => signWebhook({ secret: SECRET, body: { a: 1 } as unknown as string })).path).toBe(
      'body',
    )
  })
})

describe('verifyWebhook', () => {
  const header = signWebhook({ secret: SECRET, timestamp: SIGNED_AT, body: BODY })
  const at = (secondsLater: number) => new Date(SIGNED_AT.getTime() + secondsLater * 1000)

  it('returns the parsed event for a fresh, untouched body, given as text or as bytes', () => {
    expect(verifyWebhook({ secret: SECRET, header, body: BODY, now: at(1) })).toEqual(EVENT)
    expect(verifyWebhook({ secret: SECRET, header, body: Buffer.from(BODY), now: at(1) })).toEqual(EVENT)
    const event = verifyWebhook({ secret: SECRET, header, body: new TextEncoder().encode(BODY), now: at(1) })
    if (event.type === 'order.created') expect(event.data.total.amount).toBe(4900)
  })

  it('refuses a tampered body', () => {
    const tampered = BODY.replace('4900', '1')
    expect(refusal(() => verifyWebhook({ secret: SECRET, header, body: tampered, now: at(1) }))).toEqual({
      path: 'souk-signature.v1',
      message: 'no signature matches the body under this secret',
    })
    expect(refusal(() => verifyWebhook({ secret: SECRET, header, body: `${BODY} `, now: at(1) })).path).toBe(
      'souk-signature.v1',
    )
  })

  it('refuses another secret', () => {
    expect(refusal(() => verifyWebhook({ secret: `${SECRET}x`, header, body: BODY, now: at(1) })).path).toBe(
      'souk-signature.v1',
    )
  })

  it('refuses a timestamp older (or newer) than the tolerance: a captured request cannot be replayed', () => {
    const limit = DEFAULT_WEBHOOK_TOLERANCE_SECONDS
    expect(verifyWebhook({ secret: SECRET, header, body: BODY, now: at(limit) })).toEqual(EVENT)
    expect(refusal(() => verifyWebhook({ secret: SECRET, header, body: BODY, now: at(limit + 1) }))).toEqual({
      path: 'souk-signature.t',
      message: 'timestamp is more than 300 s from now',
    })
    expect(
      refusal(() => verifyWebhook({ secret: SECRET, header, body: BODY, now: at(-(limit + 1)) })).path,
    ).toBe('souk-signature.t')
    expect(
      refusal(() => verifyWebhook({ secret: SECRET, header, body: BODY, now: at(61), toleranceSeconds: 60 }))
        .path,
    ).toBe('souk-signature.t')
  })

  it('refuses an old timestamp even when the rest of the header was re-signed by someone without the secret', () => {
    // Moving t forward invalidates the signature, which covers it.
    const forged = header.replace(`t=${SECONDS}`, `t=${SECONDS + 3600}`)
    expect(
      refusal(() => verifyWebhook({ secret: SECRET, header: forged, body: BODY, now: at(3600) })).path,
    ).toBe('souk-signature.v1')
  })

  it('refuses a missing or malformed header', () => {
    const v1 = header.split(',')[1]!
    const malformed: (string | string[] | null | undefined)[] = [
      undefined,
      null,
      '',
      'garbage',
      `t=${SECONDS}`,
      v1,
      `t=soon,${v1}`,
      `t=${SECONDS},v1=abc`,
      `t=${SECONDS},v1=${'z'.repeat(64)}`,
      `t=${SECONDS},t=${SECONDS},${v1}`,
      `t=${SECONDS},,${v1}`,
      `t=${SECONDS},${v1},${'v1=0'.padEnd(4000, '0')}`,
      [header, header],
      `t=${SECONDS},${Array.from({ length: 9 }, () => v1).join(',')}`,
    ]
    for (const bad of malformed) {
      expect(refusal(() => verifyWebhook({ secret: SECRET, header: bad, body: BODY, now: at(1) }))).toEqual({
        path: 'souk-signature',
        message: 'malformed souk-signature header',
      })
    }
  })

  it('accepts a header with several v1 entries when any matches (secret rotation), and ignores other schemes', () => {
    const rotated = signWebhook({
      secret: ['whsec_new_0123456789', SECRET],
      timestamp: SIGNED_AT,
      body: BODY,
    })
    expect(verifyWebhook({ secret: SECRET, header: rotated, body: BODY, now: at(1) })).toEqual(EVENT)
    expect(
      verifyWebhook({ secret: 'whsec_new_0123456789', header: rotated, body: BODY, now: at(1) }),
    ).toEqual(EVENT)
    const withV0 = `${header},v0=legacy`
    expect(verifyWebhook({ secret: SECRET, header: withV0, body: BODY, now: at(1) })).toEqual(EVENT)
    expect(
      verifyWebhook({
        secret: SECRET,
        header: header.toUpperCase().replace('T=', 't=').replace('V1=', 'v1='),
        body: BODY,
        now: at(1),
      }),
    ).toEqual(EVENT)
  })

  it('refuses a signed body that is not a JSON object', () => {
    for (const body of ['not json', '[1,2]', 'null']) {
      const signed = signWebhook({ secret: SECRET, timestamp: SIGNED_AT, body })
      expect(refusal(() => verifyWebhook({ secret: SECRET, header: signed, body, now: at(1) })).path).toBe(
        'body',
      )
    }
  })

  it('refuses bad arguments with their own paths', () => {
    expect(refusal(() => verifyWebhook({ secret: '', header, body: BODY })).path).toBe('secret')
    expect(
      refusal(() => verifyWebhook({ secret: SECRET, header, body: BODY, toleranceSeconds: -1 })).path,
    ).toBe('toleranceSeconds')
    expect(
      refusal(() => verifyWebhook({ secret: SECRET, header, body: BODY, now: new Date('nope') })).path,
    ).toBe('now')
  })
})
