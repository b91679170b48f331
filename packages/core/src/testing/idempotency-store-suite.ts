import assert from 'node:assert/strict'
import { isCommerceError } from '../errors/commerce-error.js'
import { createIdGenerator } from '../ids/id-generator.js'
import type { IdempotencyStore } from '../ports/idempotency-store.js'
import type { SuiteApi, SuiteOptions } from './suite-api.js'

/** The idempotency store contract. Keys are random per test. */
export function idempotencyStoreSuite(
  api: SuiteApi,
  makeStore: () => Promise<IdempotencyStore>,
  options: SuiteOptions = {},
): void {
  const { describe, it } = api
  const concurrency = options.concurrency ?? 20
  const ids = createIdGenerator()
  const later = (ms: number) => new Date(Date.now() + ms)

  describe('idempotency store contract', () => {
    it(`lets exactly one of ${concurrency} racing claims win; the others see it in progress`, async () => {
      const store = await makeStore()
      const key = ids('key')
      const claims = await Promise.all(
        Array.from({ length: concurrency }, () =>
          store.claim({
            scope: 'checkout',
            key,
            requestHash: 'h1',
            at: new Date(),
            expiresAt: later(60_000),
          }),
        ),
      )
      assert.equal(claims.filter((c) => c.outcome === 'claimed').length, 1)
      assert.equal(claims.filter((c) => c.outcome === 'in_progress').length, concurrency - 1)
    })

    it('replays the stored response and refuses another payload with idempotency.conflict', async () => {
      const store = await makeStore()
      const key = ids('key')
      const claim = () =>
        store.claim({ scope: 'checkout', key, requestHash: 'h1', at: new Date(), expiresAt: later(60_000) })
      assert.deepEqual(await claim(), { outcome: 'claimed' })
      await store.attach({ scope: 'checkout', key, resourceId: 'ord_1', at: new Date() })
      const running = await claim()
      assert.equal(running.outcome, 'in_progress')
      assert.equal(running.outcome === 'in_progress' && running.resourceId, 'ord_1')
      await store.complete({
        scope: 'checkout',
        key,
        response: { orderId: 'ord_1', status: 'confirmed' },
        resourceId: 'ord_1',
        at: new Date(),
      })
      assert.deepEqual(await claim(), {
        outcome: 'completed',
        response: { orderId: 'ord_1', status: 'confirmed' },
        resourceId: 'ord_1',
      })
      await assert.rejects(
        store.claim({
          scope: 'checkout',
          key,
          requestHash: 'other',
          at: new Date(),
          expiresAt: later(60_000),
        }),
        (e: unknown) => isCommerceError(e, 'idempotency.conflict'),
      )
      // Scopes are separate namespaces.
      assert.deepEqual(
        await store.claim({
          scope: 'refund',
          key,
          requestHash: 'other',
          at: new Date(),
          expiresAt: later(60_000),
        }),
        {
          outcome: 'claimed',
        },
      )
    })

    it('frees an abandoned claim and reclaims an expired key', async () => {
      const store = await makeStore()
      const key = ids('key')
      await store.claim({ scope: 's', key, requestHash: 'h', at: new Date(), expiresAt: later(60_000) })
      await store.abandon({ scope: 's', key })
      assert.deepEqual(
        await store.claim({ scope: 's', key, requestHash: 'h2', at: new Date(), expiresAt: later(1000) }),
        { outcome: 'claimed' },
      )
      const afterExpiry = later(5000)
      assert.deepEqual(
        await store.claim({ scope: 's', key, requestHash: 'h3', at: afterExpiry, expiresAt: later(60_000) }),
        {
          outcome: 'claimed',
        },
      )
      const purged = await store.purgeExpired(later(120_000))
      assert.ok(purged >= 1)
    })
  })
}
