import type { Timestamp } from '../database.js'

export interface AddressesTable {
  id: string
  customer_id: string
  name: string
  line1: string
  line2: string | null
  city: string
  region: string | null
  postal_code: string | null
  country: string
  phone: string | null
  is_default_shipping: boolean
  is_default_billing: boolean
  created_at: Timestamp
}

export interface AddressTables {
  addresses: AddressesTable
}
