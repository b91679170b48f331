import type { CartPricer } from '../cart/cart-pricer.js'
import type { Clock } from '../clock/clock.js'
import { CommerceError, isCommerceError } from '../errors/commerce-error.js'
import { ConfigError, ConflictError, NotFoundError, ValidationError } from '../errors/error-classes.js'
import type { EventBus } from '../events/event-bus.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { planAndReserve } from '../inventory/plan-reservation.js'
import type { Logger } from '../logger/logger.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { CartRecord } from '../ports/cart-store.js'
import type { NewOrder, OrderRecord } from '../ports/order-store.js'
import type { PaymentProvider, PaymentState } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'
import type { Totals } from '../pricing/totals-types.js'
import { parseInput } from '../validation/parse-input.js'
import {
  type PlaceOrderInput,
  placeOrderSchema,
  type RecoverInput,
  recoverSchema,
} from './checkout-schemas.js'
import type { PlaceOrderResult, RecoveryReport, StoredCheckoutResponse } from './checkout-types.js'
import { createOrderFinalizer, type IdempotencyRef } from './order-finalizer.js'
import { requestHash } from './request-hash.js'
import { reviveError } from './revive-error.js'

const SCOPE = 'checkout'
/** How long a key is remembered. */
const KEY_TTL_MS = 24 * 60 * 60 * 1000
/** How long a request waits for a twin with the same key before taking over its order. */
const TWIN_WAIT_MS = 3000

export interface CheckoutServiceDeps {
  readonly storage: Storage
  readonly allocation: AllocationStrategy
  /** Prices the cart exactly as the cart service shows it, strictly. */
  readonly pricer: CartPricer
  /** Configured providers, the first is the default. */
  readonly providers: readonly PaymentProvider[]
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly events: EventBus
  readonly logger: Logger
  /** How long checkout holds stock for a payment that needs customer action. Default 15 minutes. */
  readonly reservationTtlMs: number
  /** Called after checkout changed a cart in storage, so a layered cart store can catch up. */
  readonly cartChanged?: (cartId: string) => Promise<unknown>
}

/** `commerce.checkout`: turns a cart into an order, exactly once per idempotency key. */
export interface CheckoutService {
  /**
   * Validates the cart, snapshots prices, reserves stock, creates the order, authorizes payment,
   * then commits the stock and confirms the order, or compensates (releases stock, fails the
   * order) on a decline. The same key returns the same result, also when two requests race; the
   * same key with another payload throws `idempotency.conflict`.
   */
  placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult>
  /**
   * Applies a payment provider webhook: dedupes by event id, records the payment's newest state,
   * and confirms or fails the order it belongs to. Throws `NotFoundError` when neither the payment
   * nor its order exists yet, so the provider delivers it again later.
   */
  handlePaymentWebhook(input: {
    provider: string
    rawBody: string | Uint8Array
    headers: Readonly<Record<string, string | readonly string[] | undefined>>
  }): Promise<{ applied: boolean }>
  /**
   * Finishes what crashes left: orders awaiting payment longer than `staleAfterMs` are reconciled
   * with their provider (confirmed when paid, failed and released when not), and expired
   * reservations are released. Run it on a timer.
   */
  recover(input?: RecoverInput): Promise<RecoveryReport>
}

function toStored(error: CommerceError): StoredCheckoutResponse {
  return { kind: 'error', code: error.code, message: error.message, details: { ...error.details } }
}

/** Business outcomes are remembered under the key; infrastructure failures are not. */
function isBusinessError(error: unknown): error is CommerceError {
  return (
    isCommerceError(error) &&
    !error.code.startsWith('storage.') &&
    error.code !== 'payment.provider_unavailable' &&
    error.code !== 'conflict'
  )
}

function replayError(stored: Extract<StoredCheckoutResponse, { kind: 'error' }>): CommerceError {
  return reviveError(stored.code as CommerceError['code'], stored.message, stored.details)
}

export function createCheckoutService(deps: CheckoutServiceDeps): CheckoutService {
  const { storage, clock, ids, events, logger } = deps
  const providers = new Map(deps.providers.map((p) => [p.id, p]))
  const finalizer = createOrderFinalizer({
    storage,
    providers,
    clock,
    ids,
    events,
    logger,
    ...(deps.cartChanged ? { cartChanged: deps.cartChanged } : {}),
  })

  function pickProvider(name: string | undefined): PaymentProvider {
    if (deps.providers.length === 0) {
      throw new ConfigError('No payment provider is configured: pass createCommerce({ payments: [...] })', [
        { path: 'payments', message: 'required to charge for orders' },
      ])
    }
    const chosen = name === undefined ? deps.providers[0] : providers.get(name)
    if (!chosen) {
      throw new ValidationError(`Unknown payment provider ${name}`, [
        { path: 'payment.provider', message: 'not configured' },
      ])
    }
    return chosen
  }

  async function loadCart(cartId: string, customerId: string | undefined): Promise<CartRecord> {
    const cart = await storage.carts.get(cartId)
    if (
      !cart ||
      cart.expiresAt <= clock.now() ||
      (cart.customerId !== null && cart.customerId !== customerId)
    ) {
      throw new NotFoundError('cart', cartId)
    }
    if (cart.orderId !== null) {
      throw new ConflictError(
        `Cart ${cartId} was already checked out as order ${cart.orderId}`,
        { cartId, orderId: cart.orderId },
        { code: 'cart.checked_out' },
      )
    }
    if (cart.lines.length === 0)
      throw new ValidationError('The cart is empty', [{ path: 'cartId', message: 'cart has no items' }])
    return cart
  }

  /** The cart as this request buys it: request fields override the cart's, and nothing is lenient. */
  async function price(cart: CartRecord, input: ReturnType<typeof placeOrderSchema.parse>) {
    const bought: CartRecord = {
      ...cart,
      customerId: input.customerId ?? cart.customerId,
      shippingAddress: input.shippingAddress ?? cart.shippingAddress,
      shippingMethodId: input.shippingMethodId ?? cart.shippingMethodId,
      promoCode: input.promoCode?.toUpperCase() ?? cart.promoCode,
    }
    return { bought, ...(await deps.pricer.price(bought, { strict: true })) }
  }

  function newOrder(
    cart: CartRecord,
    input: ReturnType<typeof placeOrderSchema.parse>,
    priced: Awaited<ReturnType<typeof price>>,
    provider: PaymentProvider | null,
    orderId: string,
    reservationId: string,
    email: string,
  ): NewOrder {
    const { totals, bought } = priced
    const byId = new Map(totals.lines.map((l) => [l.id, l]))
    return {
      id: orderId,
      customerId: bought.customerId,
      email,
      status: 'pending_payment',
      currency: cart.currency,
      totals: {
        subtotal: totals.subtotal,
        discountTotal: totals.discountTotal,
        shippingTotal: totals.shippingTotal,
        taxTotal: totals.taxTotal,
        total: totals.total,
      },
      lines: priced.lines.map(({ line, variant }) => {
        const t = byId.get(line.sku)!
        return {
          id: ids('oli'),
          sku: line.sku,
          productId: variant.productId,
          variantId: variant.variantId,
          sellerId: variant.sellerId,
          name: variant.name,
          quantity: line.quantity,
          unitPrice: t.unitPrice,
          discount: t.discount,
          tax: t.tax,
          total: t.total,
          returnedQuantity: 0,
        }
      }),
      shippingAddress: bought.shippingAddress,
      billingAddress: input.billingAddress ?? null,
      shippingMethodId: bought.shippingMethodId,
      promoCode: priced.promotion?.code ?? null,
      cartId: cart.id,
      reservationId,
      paymentProvider: provider?.id ?? null,
      createdAt: clock.now(),
    }
  }

  /** Reserve, create the order, redeem the promotion, close the cart: one transaction. */
  async function createPendingOrder(
    cart: CartRecord,
    order: NewOrder,
    totals: Totals,
    idempotency: IdempotencyRef,
  ): Promise<OrderRecord> {
    const now = clock.now()
    const expiresAt = new Date(now.getTime() + deps.reservationTtlMs)
    const { created, reserved } = await storage.transaction(async (stores) => {
      const planned = await planAndReserve(stores.inventory, deps.allocation, {
        id: order.reservationId!,
        reference: order.id,
        lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        expiresAt,
        createdAt: now,
      })
      const record = await stores.orders.insert(order)
      if (totals.promotion)
        await stores.promotions.redeem({
          promotionId: totals.promotion.promotionId,
          orderId: order.id,
          customerId: order.customerId,
          at: now,
        })
      await stores.carts.save({ ...cart, orderId: order.id, updatedAt: now }, cart.version)
      await stores.idempotency.attach({ ...idempotency, resourceId: order.id, at: now })
      return { created: record, reserved: planned }
    })
    await deps.cartChanged?.(cart.id)
    events.emit({
      type: 'inventory.reserved',
      reservationId: reserved.reservation.id,
      reference: order.id,
      lines: reserved.reservation.lines,
      expiresAt,
      occurredAt: now,
    })
    events.emit({
      type: 'order.created',
      orderId: created.id,
      displayNumber: created.displayNumber,
      customerId: created.customerId,
      total: created.totals.total,
      occurredAt: now,
    })
    return created
  }

  /** Authorizes and finishes an order awaiting payment. Safe to run twice for one order. */
  async function payAndFinish(
    order: OrderRecord,
    input: ReturnType<typeof placeOrderSchema.parse>,
    idempotency: IdempotencyRef,
  ): Promise<PlaceOrderResult> {
    const provider = finalizer.provider(order)
    if (!provider) {
      await finalizer.confirm(order, null, idempotency)
      return { order: (await storage.orders.get(order.id))!, outcome: 'confirmed', action: null }
    }
    let state: PaymentState
    try {
      state = await provider.authorize({
        amount: order.totals.total,
        orderId: order.id,
        idempotencyKey: `${order.id}:authorize`,
        ...(input.payment.method ? { paymentMethod: input.payment.method } : {}),
        ...(order.customerId ? { customerId: order.customerId } : {}),
        ...(input.payment.returnUrl ? { returnUrl: input.payment.returnUrl } : {}),
      })
    } catch (error) {
      if (isCommerceError(error, 'payment.declined')) {
        const paymentId = typeof error.details.paymentId === 'string' ? error.details.paymentId : null
        const failedState = paymentId ? await provider.status(paymentId).catch(() => null) : null
        await finalizer.fail(order, failedState, idempotency, toStored(error))
      }
      // Anything else leaves the outcome unknown: the order waits, a retry with the same key or
      // recovery finds out from the provider.
      throw error
    }
    if (state.status === 'requires_action' || state.status === 'pending') {
      await storage.transaction(async (stores) => {
        await stores.payments.save({
          id: ids('pay'),
          orderId: order.id,
          provider: provider.id,
          state,
          at: clock.now(),
        })
        await stores.idempotency.complete({
          ...idempotency,
          response: {
            kind: 'result',
            orderId: order.id,
            outcome: 'requires_action',
            action: state.action ?? null,
          } satisfies StoredCheckoutResponse,
          resourceId: order.id,
          at: clock.now(),
        })
      })
      return { order, outcome: 'requires_action', action: state.action ?? null }
    }
    const outcome = await finalizer.confirm(order, state, idempotency)
    const final = (await storage.orders.get(order.id))!
    if (outcome === 'failed') {
      throw new CommerceError(
        'inventory.reservation_expired',
        `Order ${order.id} could not be confirmed: its stock hold ended`,
        { orderId: order.id },
      )
    }
    return { order: final, outcome: 'confirmed', action: null }
  }

  async function replay(stored: StoredCheckoutResponse): Promise<PlaceOrderResult> {
    if (stored.kind === 'error') throw replayError(stored)
    const order = await storage.orders.get(stored.orderId)
    if (!order) throw new NotFoundError('order', stored.orderId)
    return { order, outcome: stored.outcome, action: stored.action }
  }

  /** A twin request holds the key: wait for its answer, then take over its order if it went quiet. */
  async function awaitTwin(
    input: ReturnType<typeof placeOrderSchema.parse>,
    hash: string,
    idempotency: IdempotencyRef,
  ): Promise<PlaceOrderResult> {
    const started = Date.now()
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      await new Promise((resolve) => setTimeout(resolve, delay))
      const claim = await storage.idempotency.claim({
        ...idempotency,
        requestHash: hash,
        at: clock.now(),
        expiresAt: new Date(clock.now().getTime() + KEY_TTL_MS),
      })
      if (claim.outcome === 'completed') return replay(claim.response as StoredCheckoutResponse)
      if (claim.outcome === 'claimed') return run(input, idempotency)
      const settled =
        claim.resourceId !== null &&
        (await storage.orders.get(claim.resourceId))?.status !== 'pending_payment'
      if (!settled && Date.now() - started < TWIN_WAIT_MS) continue
      if (claim.resourceId === null) {
        throw new ConflictError(
          'A request with this idempotency key is still being processed; retry shortly',
          { key: idempotency.key },
        )
      }
      const order = await storage.orders.get(claim.resourceId)
      if (!order) throw new NotFoundError('order', claim.resourceId)
      if (order.status === 'pending_payment') return payAndFinish(order, input, idempotency)
      // The twin's process finished the order (or recovery did) but never recorded the answer.
      const ended = order.status === 'payment_failed' || order.status === 'cancelled'
      const response: StoredCheckoutResponse = ended
        ? {
            kind: 'error',
            code: 'payment.failed',
            message: `Order ${order.id} was not paid`,
            details: { orderId: order.id },
          }
        : { kind: 'result', orderId: order.id, outcome: 'confirmed', action: null }
      await storage.idempotency.complete({ ...idempotency, response, resourceId: order.id, at: clock.now() })
      return replay(response)
    }
  }

  async function run(
    input: ReturnType<typeof placeOrderSchema.parse>,
    idempotency: IdempotencyRef,
  ): Promise<PlaceOrderResult> {
    let created: OrderRecord | null = null
    try {
      const cart = await loadCart(input.cartId, input.customerId)
      const email = input.email ?? cart.email
      if (!email)
        throw new ValidationError('An email address is required', [
          { path: 'email', message: 'required (on the cart or here)' },
        ])
      const priced = await price(cart, input)
      // A free order (a 100% promotion) needs no provider; anything else must have one.
      const charged = priced.totals.total.amount > 0 ? pickProvider(input.payment.provider) : null
      const order = newOrder(cart, input, priced, charged, ids('ord'), ids('res'), email)
      created = await createPendingOrder(cart, order, priced.totals, idempotency)
      return await payAndFinish(created, input, idempotency)
    } catch (error) {
      if (created === null) {
        if (isBusinessError(error)) {
          await storage.idempotency.complete({
            ...idempotency,
            response: toStored(error),
            resourceId: null,
            at: clock.now(),
          })
        } else {
          await storage.idempotency.abandon(idempotency).catch(() => undefined)
        }
      }
      throw error
    }
  }

  return {
    async placeOrder(raw) {
      const input = parseInput(placeOrderSchema, raw, 'order')
      const { idempotencyKey, ...payload } = input
      const hash = requestHash(payload)
      const idempotency = { scope: SCOPE, key: idempotencyKey }
      const now = clock.now()
      const claim = await storage.idempotency.claim({
        ...idempotency,
        requestHash: hash,
        at: now,
        expiresAt: new Date(now.getTime() + KEY_TTL_MS),
      })
      if (claim.outcome === 'completed') return replay(claim.response as StoredCheckoutResponse)
      if (claim.outcome === 'in_progress') return awaitTwin(input, hash, idempotency)
      return run(input, idempotency)
    },

    async handlePaymentWebhook({ provider: providerId, rawBody, headers }) {
      const provider = providers.get(providerId)
      if (!provider) throw new NotFoundError('payment provider', providerId)
      const event = await provider.parseWebhook({ rawBody, headers })
      if (event.kind === 'ignored') return { applied: false }
      const record = await storage.payments.findByProviderId(provider.id, event.state.paymentId)
      const orderId = record?.orderId ?? event.orderId
      const order = orderId ? await storage.orders.get(orderId) : null
      // Early webhook: the order is not there yet. Refusing makes the provider deliver it again.
      if (!order) throw new NotFoundError('order', orderId ?? event.state.paymentId)
      // Applying is idempotent, so the event is marked seen only after it was applied: a crash in
      // between means a redelivery applies it again, never that it is lost.
      await storage.payments.save({
        id: ids('pay'),
        orderId: order.id,
        provider: provider.id,
        state: event.state,
        at: clock.now(),
      })
      const { status } = event.state
      const paid = status === 'authorized' || status === 'captured'
      if (order.status === 'pending_payment') {
        if (paid) await finalizer.confirm(order, event.state)
        else if (status === 'failed' || status === 'voided') {
          await finalizer.fail(order, event.state, undefined, {
            kind: 'error',
            code: 'payment.declined',
            message: `Payment for order ${order.id} failed`,
            details: { orderId: order.id, failureCode: event.state.failureCode ?? null },
          })
        }
      } else if (paid && (order.status === 'payment_failed' || order.status === 'cancelled')) {
        // The customer finished paying after the order was given up: no charge without an order.
        await finalizer.voidQuietly(order, event.state)
      }
      const fresh = await storage.payments.markWebhookEvent({
        provider: provider.id,
        eventId: event.eventId,
        at: clock.now(),
      })
      return { applied: fresh }
    },

    async recover(raw = {}) {
      const { staleAfterMs, limit } = parseInput(recoverSchema, raw, 'recovery options')
      const report = { confirmed: 0, failed: 0, stillWaiting: 0, reservationsExpired: 0 }
      const stale = await storage.orders.listStale(
        'pending_payment',
        new Date(clock.now().getTime() - staleAfterMs),
        limit,
      )
      for (const order of stale) {
        try {
          const outcome = await finalizer.reconcile(order)
          if (outcome === 'confirmed') report.confirmed++
          else if (outcome === 'failed') report.failed++
          else report.stillWaiting++
        } catch (error) {
          logger.error('recovery could not reconcile an order; will retry', {
            orderId: order.id,
            error: String(error),
          })
          report.stillWaiting++
        }
      }
      await storage.idempotency.purgeExpired(clock.now())
      for (;;) {
        const expired = await storage.inventory.expireReservations(clock.now(), 500)
        report.reservationsExpired += expired.length
        if (expired.length < 500) break
      }
      return report
    },
  }
}
