import { type Commerce, createCommerce, silentLogger } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnDrivers } from './support.js'

const home = {
  name: 'Ada Lovelace',
  line1: '12 St James Sq',
  city: 'London',
  postalCode: 'SW1Y 4LB',
  country: 'GB',
}
const work = { name: 'Ada Lovelace', line1: '1 Analytical Way', city: 'Cambridge', country: 'GB' }

describeOnDrivers('customers', (fixture) => {
  let commerce: Commerce
  beforeAll(() => {
    commerce = createCommerce({ storage: fixture().storage, logger: silentLogger })
  })
  afterAll(() => commerce.close())

  describe('address book', () => {
    it('makes the first address the default and keeps one default of each kind', async () => {
      const first = await commerce.customers.addAddress({ customerId: 'cus_ada', address: home })
      expect(first).toMatchObject({ isDefaultShipping: true, isDefaultBilling: true, postalCode: 'SW1Y 4LB' })
      const second = await commerce.customers.addAddress({
        customerId: 'cus_ada',
        address: work,
        defaultShipping: true,
      })
      const list = await commerce.customers.listAddresses({ customerId: 'cus_ada' })
      expect(list.map((a) => [a.id, a.isDefaultShipping, a.isDefaultBilling])).toEqual([
        [first.id, false, true],
        [second.id, true, false],
      ])
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          commerce.customers.setDefaultAddress({
            customerId: 'cus_ada',
            addressId: i % 2 ? first.id : second.id,
            kind: 'billing',
          }),
        ),
      )
      const defaults = (await commerce.customers.listAddresses({ customerId: 'cus_ada' })).filter(
        (a) => a.isDefaultBilling,
      )
      expect(defaults).toHaveLength(1)
    })

    it("never shows or changes another customer's address", async () => {
      const mine = await commerce.customers.addAddress({ customerId: 'cus_bea', address: home })
      await expectCommerceError(
        commerce.customers.updateAddress({ customerId: 'cus_eve', addressId: mine.id, address: work }),
        'not_found',
      )
      await expectCommerceError(
        commerce.customers.deleteAddress({ customerId: 'cus_eve', addressId: mine.id }),
        'not_found',
      )
      await expectCommerceError(
        commerce.customers.setDefaultAddress({ customerId: 'cus_eve', addressId: mine.id, kind: 'shipping' }),
        'not_found',
      )
      expect(await commerce.customers.listAddresses({ customerId: 'cus_eve' })).toEqual([])
      await expectCommerceError(
        commerce.customers.addAddress({ customerId: 'cus_bea', address: { ...home, country: 'gb' } }),
        'validation.failed',
      )
      await expectCommerceError(
        commerce.customers.listAddresses({ customerId: 'bad id with spaces' }),
        'validation.failed',
      )
      const updated = await commerce.customers.updateAddress({
        customerId: 'cus_bea',
        addressId: mine.id,
        address: work,
      })
      expect(updated.line1).toBe('1 Analytical Way')
      await commerce.customers.deleteAddress({ customerId: 'cus_bea', addressId: mine.id })
      expect(await commerce.customers.listAddresses({ customerId: 'cus_bea' })).toEqual([])
    })
  })
})
