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
  /** Replaces the address fields of the customer's address; null when it is not theirs. */
  update(customerId: string, id: string, address: Address): Promise<StoredAddress | null>
  /** False when the address is not the customer's. */
  delete(customerId: string, id: string): Promise<boolean>
  /** Oldest first. */
  list(customerId: string): Promise<StoredAddress[]>
  /** Makes the address the default of that kind, clearing the previous one atomically; false when not theirs. */
  setDefault(customerId: string, id: string, kind: 'shipping' | 'billing'): Promise<boolean>
}
