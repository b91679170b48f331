import type { Clock } from '../clock/clock.js'
import { NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { IdGenerator } from '../ids/id-generator.js'
import type { AddressStore, StoredAddress } from '../ports/address-store.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type AddAddressInput,
  type AddressRef,
  addAddressSchema,
  addressRefSchema,
  type CustomerRef,
  customerRefSchema,
  MAX_ADDRESSES,
  type SetDefaultAddressInput,
  setDefaultAddressSchema,
  type UpdateAddressInput,
  updateAddressSchema,
} from './customer-schemas.js'

/**
 * `commerce.customers`: the address book. The host app authenticates; every call names the
 * customer, and another customer's address answers `not_found`.
 */
export interface CustomerService {
  addAddress(input: AddAddressInput): Promise<StoredAddress>
  updateAddress(input: UpdateAddressInput): Promise<StoredAddress>
  deleteAddress(input: AddressRef): Promise<void>
  listAddresses(input: CustomerRef): Promise<StoredAddress[]>
  setDefaultAddress(input: SetDefaultAddressInput): Promise<StoredAddress[]>
}

export interface CustomerServiceDeps {
  /** Where the address book lives: `storage.addresses`. */
  readonly store: AddressStore
  readonly clock: Clock
  readonly ids: IdGenerator
}

export function createCustomerService(deps: CustomerServiceDeps): CustomerService {
  const { store, clock, ids } = deps
  return {
    async addAddress(input) {
      const { customerId, address, defaultShipping, defaultBilling } = parseInput(
        addAddressSchema,
        input,
        'address',
      )
      const existing = await store.list(customerId)
      if (existing.length >= MAX_ADDRESSES) {
        throw new ValidationError(`At most ${MAX_ADDRESSES} addresses per customer`, [
          { path: 'address', message: 'address book is full' },
        ])
      }
      const first = existing.length === 0
      const stored = await store.insert({
        ...address,
        id: ids('adr'),
        customerId,
        isDefaultShipping: false,
        isDefaultBilling: false,
        createdAt: clock.now(),
      })
      if (defaultShipping ?? first)
        await store.setDefault({ customerId, addressId: stored.id, kind: 'shipping' })
      if (defaultBilling ?? first)
        await store.setDefault({ customerId, addressId: stored.id, kind: 'billing' })
      return (await store.list(customerId)).find((a) => a.id === stored.id)!
    },

    async updateAddress(input) {
      const { customerId, addressId, address } = parseInput(updateAddressSchema, input, 'address')
      const updated = await store.update({ customerId, addressId, address })
      if (!updated) throw new NotFoundError('address', addressId)
      return updated
    },

    async deleteAddress(input) {
      const { customerId, addressId } = parseInput(addressRefSchema, input, 'address reference')
      if (!(await store.delete({ customerId, addressId }))) throw new NotFoundError('address', addressId)
    },

    async listAddresses(input) {
      const { customerId } = parseInput(customerRefSchema, input, 'customer reference')
      return store.list(customerId)
    },

    async setDefaultAddress(input) {
      const { customerId, addressId, kind } = parseInput(setDefaultAddressSchema, input, 'default address')
      if (!(await store.setDefault({ customerId, addressId, kind })))
        throw new NotFoundError('address', addressId)
      return store.list(customerId)
    },
  }
}
