import type { Address } from '../customers/address-schemas.js'

export interface StoredAddress extends Address {
  readonly id: string
  readonly customerId: string
  readonly isDefaultShipping: boolean
  readonly isDefaultBilling: boolean
  readonly createdAt: Date
}

/** A customer's address book. At most one default shipping and one default billing address each. */
export interface AddressStore {
  insert(address: StoredAddress): Promise<StoredAddress>
  /**
   * Replaces the fields of address `addressId` with `address` when it belongs to `customerId`;
   * null when it is not theirs.
   */
  update(input: { customerId: string; addressId: string; address: Address }): Promise<StoredAddress | null>
  /** Deletes address `addressId` of `customerId`; false when the address is not the customer's. */
  delete(input: { customerId: string; addressId: string }): Promise<boolean>
  /** Oldest first. */
  list(customerId: string): Promise<StoredAddress[]>
  /**
   * Makes address `addressId` the customer's default of `kind`, clearing the previous one
   * atomically; false when the address is not theirs.
   */
  setDefault(input: { customerId: string; addressId: string; kind: 'shipping' | 'billing' }): Promise<boolean>
}
