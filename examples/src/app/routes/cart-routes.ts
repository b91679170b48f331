import {
  addItemSchema,
  applyPromoSchema,
  cartRefSchema,
  createCartSchema,
  listShippingMethodsSchema,
  mergeCartsSchema,
  removeItemSchema,
  setEmailSchema,
  setShippingAddressSchema,
  setShippingMethodSchema,
  shippingQuoteSchema,
  updateItemSchema,
} from '@souk/core'
import { Router } from 'express'
import type { RouteContext } from '../create-app.js'
import { customerOf, requireCustomer } from '../identity.js'
import { bodyObject, queryNumber, queryText, validated } from '../request-input.js'

/**
 * Carts and shipping quotes. The signed-in customer (if any) is passed on every call: core answers
 * `not_found` for another customer's cart, so cart ids cannot be probed.
 */
export function cartRoutes({ commerce, security }: RouteContext): Router {
  const router = Router()
  // Reads pass; every write under /carts counts against the cart-write limits.
  router.use('/carts', security.limits.cartWrites)
  const { cart, shipping } = commerce
  const ref = (cartId: string, customerId: string | undefined) => ({ cartId, customerId })

  router.post('/carts', async (req, res) => {
    const input = validated(createCartSchema, { ...bodyObject(req), customerId: customerOf(res) }, 'cart')
    res.status(201).json(await cart.create(input))
  })

  router.get('/carts/:cartId', async (req, res) => {
    res.json(
      await cart.get(validated(cartRefSchema, ref(req.params.cartId, customerOf(res)), 'cart reference')),
    )
  })

  router.post('/carts/:cartId/items', async (req, res) => {
    const input = validated(
      addItemSchema,
      { ...bodyObject(req), ...ref(req.params.cartId, customerOf(res)) },
      'cart item',
    )
    res.json(await cart.addItem(input))
  })

  router.patch('/carts/:cartId/items/:sku', async (req, res) => {
    const input = validated(
      updateItemSchema,
      { ...bodyObject(req), sku: req.params.sku, ...ref(req.params.cartId, customerOf(res)) },
      'cart item',
    )
    res.json(await cart.updateItem(input))
  })

  router.delete('/carts/:cartId/items/:sku', async (req, res) => {
    const input = validated(
      removeItemSchema,
      { sku: req.params.sku, ...ref(req.params.cartId, customerOf(res)) },
      'cart item',
    )
    res.json(await cart.removeItem(input))
  })

  router.delete('/carts/:cartId/items', async (req, res) => {
    res.json(
      await cart.clear(validated(cartRefSchema, ref(req.params.cartId, customerOf(res)), 'cart reference')),
    )
  })

  router.put('/carts/:cartId/email', async (req, res) => {
    const input = validated(
      setEmailSchema,
      { ...bodyObject(req), ...ref(req.params.cartId, customerOf(res)) },
      'cart email',
    )
    res.json(await cart.setEmail(input))
  })

  router.put('/carts/:cartId/shipping-address', async (req, res) => {
    const input = validated(
      setShippingAddressSchema,
      { address: bodyObject(req), ...ref(req.params.cartId, customerOf(res)) },
      'shipping address',
    )
    res.json(await cart.setShippingAddress(input))
  })

  router.put('/carts/:cartId/shipping-method', async (req, res) => {
    const input = validated(
      setShippingMethodSchema,
      { ...bodyObject(req), ...ref(req.params.cartId, customerOf(res)) },
      'shipping method',
    )
    res.json(await cart.setShippingMethod(input))
  })

  router.post('/carts/:cartId/promo', async (req, res) => {
    const input = validated(
      applyPromoSchema,
      { ...bodyObject(req), ...ref(req.params.cartId, customerOf(res)) },
      'promo code',
    )
    res.json(await cart.applyPromoCode(input))
  })

  router.delete('/carts/:cartId/promo', async (req, res) => {
    res.json(
      await cart.removePromoCode(
        validated(cartRefSchema, ref(req.params.cartId, customerOf(res)), 'cart reference'),
      ),
    )
  })

  // On sign-in: the guest cart's lines move into the customer's open cart.
  router.post('/carts/:cartId/merge', async (req, res) => {
    const customerId = requireCustomer(res)
    res.json(
      await cart.merge(
        validated(mergeCartsSchema, { guestCartId: req.params.cartId, customerId }, 'cart merge'),
      ),
    )
  })

  // Rates for the cart's parcel to a destination: the query's country/region/postalCode, else the
  // cart's shipping address.
  router.get('/carts/:cartId/shipping-quotes', async (req, res) => {
    const view = await cart.get(
      validated(cartRefSchema, ref(req.params.cartId, customerOf(res)), 'cart reference'),
    )
    const country = queryText(req.query, 'country')
    const destination = country
      ? { country, region: queryText(req.query, 'region'), postalCode: queryText(req.query, 'postalCode') }
      : view.shippingAddress
    if (!destination) {
      res.json({
        items: [],
        reason: 'Give a country (or set the cart\u2019s shipping address) to get shipping quotes',
      })
      return
    }
    const input = validated(
      shippingQuoteSchema,
      {
        destination: {
          country: destination.country,
          ...(destination.region ? { region: destination.region } : {}),
          ...(destination.postalCode ? { postalCode: destination.postalCode } : {}),
        },
        items: view.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, weightGrams: l.weightGrams })),
        subtotal: view.totals.subtotal,
      },
      'shipping quote',
    )
    res.json({ items: await shipping.quote(input) })
  })

  // Quotes for any parcel, as `commerce.shipping.quote` takes it.
  router.post('/shipping/quotes', async (req, res) => {
    res.json({
      items: await shipping.quote(validated(shippingQuoteSchema, bodyObject(req), 'shipping quote')),
    })
  })

  router.get('/shipping/methods', async (req, res) => {
    const page = { cursor: queryText(req.query, 'cursor'), limit: queryNumber(req.query, 'limit') }
    res.json(await shipping.listMethods(validated(listShippingMethodsSchema, page, 'shipping method query')))
  })

  return router
}
