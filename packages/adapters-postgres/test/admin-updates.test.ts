import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

let n = 0
const code = () => `UPD${++n}${Math.random().toString(36).slice(2, 8).toUpperCase()}`

describeOnDrivers('admin_updates', (fixture) => {
  let commerce: Commerce
  beforeAll(() => {
    commerce = createCommerce({ storage: fixture().storage, logger: silentLogger })
  })
  afterAll(() => commerce.close())

  describe('shipping.updateZone and updateMethod', () => {
    it('changes a zone, validated as a whole, and quotes follow', async () => {
      const zone = await commerce.shipping.createZone({ name: 'Benelux', countries: ['BE', 'NL'] })
      const updated = await commerce.shipping.updateZone({
        zoneId: zone.id,
        countries: ['be', 'NL', 'LU'],
        regions: ['NL-NH'],
      })
      expect(updated).toEqual({
        id: zone.id,
        name: 'Benelux',
        countries: ['BE', 'NL', 'LU'],
        regions: ['NL-NH'],
      })
      expect(await commerce.shipping.getZone({ zoneId: zone.id })).toEqual(updated)
      // The merged zone must still hold: NL-NH needs NL.
      await expectCommerceError(
        commerce.shipping.updateZone({ zoneId: zone.id, countries: ['BE'] }),
        'validation.failed',
      )
      await expectCommerceError(commerce.shipping.updateZone({ zoneId: zone.id }), 'validation.failed')
      await expectCommerceError(
        commerce.shipping.updateZone({ zoneId: 'shz_missing', name: 'x' }),
        'not_found',
      )

      const method = await commerce.shipping.createMethod({
        zoneId: zone.id,
        kind: 'flat',
        name: 'Post',
        price: { amount: 495, currency: 'EUR' },
        estimatedDays: { min: 2, max: 3 },
      })
      const parcel = {
        destination: { country: 'LU' },
        items: [{ sku: 'X', quantity: 1, weightGrams: 800 }],
        subtotal: { amount: 3000, currency: 'EUR' },
      }
      expect((await commerce.shipping.quoteMethod({ ...parcel, methodId: method.id })).price.amount).toBe(495)
      const repriced = await commerce.shipping.updateMethod({
        methodId: method.id,
        kind: 'free_over',
        price: { amount: 595, currency: 'EUR' },
        threshold: { amount: 2500, currency: 'EUR' },
        carrier: 'PostNL',
      })
      expect(repriced).toMatchObject({
        kind: 'free_over',
        carrier: 'PostNL',
        name: 'Post',
        estimatedDays: { min: 2, max: 3 },
      })
      expect((await commerce.shipping.quoteMethod({ ...parcel, methodId: method.id })).price.amount).toBe(0)

      // A new kind needs its own prices; a price in another currency than the threshold is refused.
      await expectCommerceError(
        commerce.shipping.updateMethod({ methodId: method.id, kind: 'weight_table' }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.shipping.updateMethod({ methodId: method.id, price: { amount: 1, currency: 'USD' } }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.shipping.updateMethod({ methodId: method.id, estimatedDays: { min: 5, max: 1 } }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.shipping.updateMethod({ methodId: method.id, zoneId: 'shz_missing' }),
        'not_found',
        { entity: 'shipping zone' },
      )
      await expectCommerceError(
        commerce.shipping.updateMethod({ methodId: 'shm_missing', name: 'x' }),
        'not_found',
        {
          entity: 'shipping method',
        },
      )
      const retired = await commerce.shipping.updateMethod({ methodId: method.id, active: false })
      expect(retired.kind).toBe('free_over')
      await expectCommerceError(
        commerce.shipping.quoteMethod({ ...parcel, methodId: method.id }),
        'shipping.method_unavailable',
      )
    })
  })

  describe('promotions.update', () => {
    it('edits a code, its amount and limits, validated like create; never the counter', async () => {
      const promo = await commerce.promotions.create({
        code: code(),
        kind: 'fixed',
        amount: { amount: 500, currency: 'EUR' },
      })
      const newCode = code()
      const updated = await commerce.promotions.update({
        promotionId: promo.id,
        code: newCode.toLowerCase(),
        amount: { amount: 800, currency: 'EUR' },
        minSubtotal: { amount: 4000, currency: 'EUR' },
        endsAt: '2040-01-01T00:00:00Z',
        usageLimit: 50,
      })
      expect(updated).toMatchObject({
        id: promo.id,
        code: newCode,
        kind: 'fixed',
        amount: { amount: 800, currency: 'EUR' },
        minSubtotal: { amount: 4000, currency: 'EUR' },
        usageLimit: 50,
        timesUsed: 0,
      })
      expect((await commerce.promotions.getByCode({ code: newCode })).id).toBe(promo.id)
      await expectCommerceError(commerce.promotions.getByCode({ code: promo.code }), 'promotion.invalid')
      // null clears.
      expect(
        (await commerce.promotions.update({ promotionId: promo.id, minSubtotal: null })).minSubtotal,
      ).toBeNull()

      const other = await commerce.promotions.create({ code: code(), kind: 'percentage', percent: '10' })
      await expectCommerceError(
        commerce.promotions.update({ promotionId: other.id, code: newCode }),
        'conflict',
        {
          field: 'code',
        },
      )
      await expectCommerceError(
        commerce.promotions.update({ promotionId: other.id, amount: { amount: 1, currency: 'EUR' } }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.promotions.update({ promotionId: promo.id, startsAt: '2041-01-01T00:00:00Z' }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.promotions.update({
          promotionId: promo.id,
          amount: { amount: 800, currency: 'USD' },
          minSubtotal: { amount: 1, currency: 'EUR' },
        }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.promotions.update({ promotionId: promo.id, timesUsed: 0 } as never),
        'validation.failed',
      )
      await expectCommerceError(commerce.promotions.update({ promotionId: promo.id }), 'validation.failed')
      await expectCommerceError(
        commerce.promotions.update({ promotionId: 'promo_missing', percent: '5' }),
        'not_found',
      )
      expect((await commerce.promotions.update({ promotionId: other.id, percent: '12.5' })).kind).toBe(
        'percentage',
      )
    })
  })
})
