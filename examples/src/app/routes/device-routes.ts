import { createHmac, timingSafeEqual } from 'node:crypto'
import {
  type CartView,
  customerIdSchema,
  entityIdSchema,
  findCustomerCartSchema,
  isCommerceError,
} from '@souk/core'
import { Router } from 'express'
import { z } from 'zod'
import type { RouteContext } from '../create-app.js'
import { HttpError } from '../http-error.js'
import { customerOf, requireCustomer, setSessionCookie } from '../identity.js'
import { bodyObject, validated } from '../request-input.js'
import { servedOverHttps } from '../security/served-over-https.js'

/** How long a device sign-in link works. */
const LINK_TTL_MS = 10 * 60_000

const signInSchema = z.strictObject({
  token: z.string().min(1).max(300),
  /** The cart this device had before signing in: merged into the customer's. */
  cartId: entityIdSchema.optional(),
})

/**
 * A link token: `<customerId>.<expiry ms>.<HMAC>`. The HMAC covers a purpose prefix, so a session
 * cookie's signature can never pass as a link and a link never as a cookie.
 */
function sign(secret: string, customerId: string, expires: number): string {
  return createHmac('sha256', secret)
    .update(`device-link\n${customerId}\n${expires}`, 'utf8')
    .digest('base64url')
}

function verify(secret: string, token: string, now: number): string | null {
  const [customerId = '', expiresText = '', signature = '', ...rest] = token.split('.')
  const expires = Number(expiresText)
  if (rest.length > 0 || !/^\d{1,15}$/.test(expiresText) || expires <= now) return null
  if (!customerIdSchema.safeParse(customerId).success) return null
  const expected = Buffer.from(sign(secret, customerId, expires), 'utf8')
  const given = Buffer.from(signature, 'utf8')
  return given.length === expected.length && timingSafeEqual(given, expected) ? customerId : null
}

/**
 * Carts across devices. A signed-in customer's open cart is found wherever it was made
 * (`commerce.cart.findForCustomer`), and the demo's stand-in for signing in on a second device is a
 * short-lived link the first device shows: opening it signs the second device in as the same
 * customer and merges the cart that device had into theirs (`commerce.cart.merge`). A real shop
 * signs customers in with its own authentication and calls the same two methods after it.
 */
export function deviceRoutes({ commerce, options, security }: RouteContext): Router {
  const router = Router()

  // The signed-in customer's open cart, or null: what a device without a cart of its own shows.
  router.get('/customer/cart', async (_req, res) => {
    const customerId = requireCustomer(res)
    res.json({
      cart: await commerce.cart.findForCustomer(
        validated(findCustomerCartSchema, { customerId }, 'customer'),
      ),
    })
  })

  router.post('/session/device-links', security.limits.session, (_req, res) => {
    const customerId = requireCustomer(res)
    const expires = Date.now() + LINK_TTL_MS
    res.status(201).json({
      token: `${customerId}.${expires}.${sign(options.sessionSecret, customerId, expires)}`,
      expiresAt: new Date(expires).toISOString(),
    })
  })

  router.post('/session/device-sign-in', security.limits.session, async (req, res) => {
    const { token, cartId } = validated(signInSchema, bodyObject(req), 'device sign-in')
    const customerId = verify(options.sessionSecret, token, Date.now())
    if (!customerId) throw new HttpError(401, 'unauthorized', 'This sign-in link is not valid or has expired')
    // Who this device was before: its cart was made under that id (or as a guest).
    const before = customerOf(res)
    setSessionCookie(
      res,
      options.sessionSecret,
      customerId,
      servedOverHttps(req, options.secureCookies ?? false),
    )
    let cart: CartView | null = null
    if (cartId) {
      try {
        cart = await commerce.cart.merge({
          guestCartId: cartId,
          customerId,
          ...(before && before !== customerId ? { guestCustomerId: before } : {}),
        })
      } catch (error) {
        // The device's cart is gone, was checked out, or is somebody else's: nothing to bring along.
        if (!isCommerceError(error, 'not_found') && !isCommerceError(error, 'cart.checked_out')) throw error
      }
    }
    cart ??= await commerce.cart.findForCustomer({ customerId })
    res.json({ customerId, cart })
  })

  return router
}
