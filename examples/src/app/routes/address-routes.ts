import type { Commerce } from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { HttpError } from '../http-error.js'
import { requireCustomer } from '../identity.js'
import { bodyObject } from '../request-input.js'

/** The members of `commerce.customers` (the address book) these routes call. */
interface AddressBook {
  addAddress(input: unknown): Promise<unknown>
  updateAddress(input: unknown): Promise<unknown>
  deleteAddress(input: unknown): Promise<void>
  listAddresses(input: unknown): Promise<unknown[]>
  setDefaultAddress(input: unknown): Promise<unknown[]>
}

/** `commerce.customers` when this build of createCommerce wires the address book, else undefined. */
function addressBookOf(commerce: Commerce): AddressBook | undefined {
  const customers = (commerce as { customers?: unknown }).customers
  return typeof customers === 'object' &&
    customers !== null &&
    typeof (customers as AddressBook).listAddresses === 'function'
    ? (customers as AddressBook)
    : undefined
}

/**
 * The signed-in customer's address book under /api/addresses. The service validates every input
 * with its own schemas and answers `not_found` for another customer's address.
 */
export function addressRoutes({ commerce }: RouteContext): Router {
  const router = Router()
  const book = () => {
    const found = addressBookOf(commerce)
    if (!found) throw new HttpError(404, 'route_not_found', 'This build of Souk has no address book')
    return found
  }

  router.get('/addresses', async (_req, res) => {
    res.json({ items: await book().listAddresses({ customerId: requireCustomer(res) }) })
  })
  router.post('/addresses', async (req, res) => {
    res.status(201).json(await book().addAddress({ ...bodyObject(req), customerId: requireCustomer(res) }))
  })
  router.put('/addresses/:addressId', async (req, res) => {
    const input = {
      address: bodyObject(req),
      addressId: req.params.addressId,
      customerId: requireCustomer(res),
    }
    res.json(await book().updateAddress(input))
  })
  router.delete('/addresses/:addressId', async (req, res) => {
    await book().deleteAddress({ addressId: req.params.addressId, customerId: requireCustomer(res) })
    res.status(204).end()
  })
  router.post('/addresses/:addressId/default', async (req, res) => {
    const input = { ...bodyObject(req), addressId: req.params.addressId, customerId: requireCustomer(res) }
    res.json({ items: await book().setDefaultAddress(input) })
  })
  return router
}
