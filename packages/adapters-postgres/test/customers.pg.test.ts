import { type Commerce, createCommerce, isCommerceError, silentLogger } from '@souk/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresFixture, type StorageFixture } from './support.js'

let fixture: StorageFixture
let commerce: Commerce
beforeAll(async () => {
  fixture = await postgresFixture('customers', 20)
  commerce = createCommerce({ storage: fixture.storage, logger: silentLogger })
})
afterAll(async () => {
  await commerce.close()
  await fixture.close()
})

const home = {
  name: 'Ada Lovelace',
  line1: '12 St James Sq',
  city: 'London',
  postalCode: 'SW1Y 4LB',
  country: 'GB',
}
const work = { name: 'Ada Lovelace', line1: '1 Analytical Way', city: 'Cambridge', country: 'GB' }

async function codeOf(promise: Promise<unknown>) {
  return promise.then(
    () => 'resolved',
    (e: unknown) => (isCommerceError(e) ? e.code : String(e)),
  )
}

describe('address book', () => {
  it('makes the first address the default and keeps one default of each kind', async () => {
    const first = await commerce.customers.addAddress({ customerId: 'cus_ada', address: home })
    expect(first).toMatchObject({ isDefaultShipping: true, isDefaultBilling: true, postalCode: 'SW1Y 4LB' })
    const second = await commerce.customers.addAddress({
      customerId: 'cus_ada',
      address: work,
      defaultShipping: true,
    })
    const list = await commerce.customers.listAddresses('cus_ada')
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
    const defaults = (await commerce.customers.listAddresses('cus_ada')).filter((a) => a.isDefaultBilling)
    expect(defaults).toHaveLength(1)
  })

  it("never shows or changes another customer's address", async () => {
    const mine = await commerce.customers.addAddress({ customerId: 'cus_bea', address: home })
    expect(
      await codeOf(
        commerce.customers.updateAddress({ customerId: 'cus_eve', addressId: mine.id, address: work }),
      ),
    ).toBe('not_found')
    expect(
      await codeOf(commerce.customers.deleteAddress({ customerId: 'cus_eve', addressId: mine.id })),
    ).toBe('not_found')
    expect(
      await codeOf(
        commerce.customers.setDefaultAddress({ customerId: 'cus_eve', addressId: mine.id, kind: 'shipping' }),
      ),
    ).toBe('not_found')
    expect(await commerce.customers.listAddresses('cus_eve')).toEqual([])
    expect(
      await codeOf(
        commerce.customers.addAddress({ customerId: 'cus_bea', address: { ...home, country: 'gb' } }),
      ),
    ).toBe('validation.failed')
    expect(await codeOf(commerce.customers.listAddresses('bad id with spaces'))).toBe('validation.failed')
    const updated = await commerce.customers.updateAddress({
      customerId: 'cus_bea',
      addressId: mine.id,
      address: work,
    })
    expect(updated.line1).toBe('1 Analytical Way')
    await commerce.customers.deleteAddress({ customerId: 'cus_bea', addressId: mine.id })
    expect(await commerce.customers.listAddresses('cus_bea')).toEqual([])
  })
})
