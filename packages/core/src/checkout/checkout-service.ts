import type { CartPricer } from '../cart/cart-pricer.js'
import type { SellableVariant } from '../cart/cart-types.js'
import { toSellableVariant } from '../cart/catalog-variant-lookup.js'
import type { Clock } from '../clock/clock.js'
import { CommerceError, isCommerceError } from '../errors/commerce-error.js'
import {
  ConfigError,
  ConflictError,
  FraudRejectedError,
  InsufficientStockError,
  NotFoundError,
  ValidationError,
} from '../errors/error-classes.js'
import type { CommerceEvent } from '../events/commerce-event.js'
import type { EventBus } from '../events/event-bus.js'
import { DOMAIN_EVENT_TOPIC, outboxEvent } from '../events/outbox-event.js'
import { createFraudAssessor } from '../fraud/fraud-assessor.js'
import { MAX_VELOCITY_WINDOW_MS } from '../fraud/fraud-schemas.js'
import { normalizeIp } from '../fraud/fraud-subjects.js'
import { createOrderReviews } from '../fraud/order-reviews.js'
import type { IdGenerator } from '../ids/id-generator.js'
import { defaultAllocationStrategy } from '../inventory/default-allocation-strategy.js'
import type { Allocation } from '../inventory/inventory-types.js'
import { neverStocked, unknownSkuOf } from '../inventory/never-stocked.js'
import { assertPlanCovers, sumLines } from '../inventory/plan-reservation.js'
import type { Logger } from '../logger/logger.js'
import { createPaymentLedger } from '../payments/payment-ledger.js'
import type { AllocationStrategy } from '../ports/allocation-strategy.js'
import type { CartRecord } from '../ports/cart-store.js'
import type { CheckoutKey, CheckoutSnapshot } from '../ports/checkout-store.js'
import type { ClaimedFlashSaleTicket, FlashSalePrices } from '../ports/flash-sale-prices.js'
import type { FraudCheck, FraudCheckInput } from '../ports/fraud-check.js'
import type { NewOrder, OrderRecord, OrderStatus } from '../ports/order-store.js'
import type { PaymentProvider, PaymentState } from '../ports/payment-provider.js'
import type { Storage } from '../ports/storage.js'
import { wasPriceOf } from '../pricing/price-in-force.js'
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
/** Default lease of the request holding a key: after it, a retry with the key takes its order over. */
export const DEFAULT_CHECKOUT_KEY_LEASE_MS = 5000
/** Default retention of acked outbox messages and domain events. */
export const DEFAULT_OUTBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000
/** How often a host strategy's plan is made again when it went stale (as `planAndReserve`). */
const MAX_PLAN_ATTEMPTS = 4

type ParsedPlaceOrder = ReturnType<typeof placeOrderSchema.parse>
/** Where an order ends when its payment did not go through. */
const FAILED: readonly OrderStatus[] = ['payment_failed', 'cancelled']

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
  /**
   * How long the request that claimed an idempotency key is trusted to finish its order; a retry
   * with the same key after that resumes the order itself. Default 5 s.
   */
  readonly keyLeaseMs?: number
  /**
   * How long the outbox keeps acked messages and domain events before `recover()` deletes them.
   * Default 7 days.
   */
  readonly outboxRetentionMs?: number
  /** Called after checkout changed a cart in storage, so a layered cart store can catch up. */
  readonly cartChanged?: (cartId: string) => Promise<unknown>
  /**
   * Verifies and claims flash-sale tickets (`placeOrder({ flashSaleTickets })`) server-side and
   * says their sale price. Without it, an order with tickets throws `ConfigError`.
   */
  readonly flashSales?: FlashSalePrices
  /**
   * Fraud checks run before anything is created or charged (see `FraudCheck`), and how long a
   * held order keeps its stock while staff decide. Without it, checkout runs no check.
   */
  readonly fraud?: { readonly checks: readonly FraudCheck[]; readonly reviewHoldMs: number }
}

/** `commerce.checkout`: turns a cart into an order, exactly once per idempotency key. */
export interface CheckoutService {
  /**
   * Validates the cart, snapshots prices, reserves stock, creates the order, authorizes payment,
   * then commits the stock and confirms the order, or compensates (releases stock, fails the
   * order) on a decline. The same key returns the same result, also when two requests race; the
   * same key with another payload throws `idempotency.conflict`. A key whose request died is never
   * stuck: after a short lease a retry resumes its order, and a failure before the order was
   * created leaves no claim at all.
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
   * reservations are released. Counts only the moves this call made. Run it on a timer.
   */
  recover(input?: RecoverInput): Promise<RecoveryReport>
}

function toStored(error: CommerceError): StoredCheckoutResponse {
  return { kind: 'error', code: error.code, message: error.message, details: { ...error.details } }
}

function replayError(stored: Extract<StoredCheckoutResponse, { kind: 'error' }>): CommerceError {
  return reviveError(stored.code as CommerceError['code'], stored.message, stored.details)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createCheckoutService(deps: CheckoutServiceDeps): CheckoutService {
  const { storage, clock, ids, events, logger } = deps
  const providers = new Map(deps.providers.map((p) => [p.id, p]))
  const ledger = createPaymentLedger({ storage, providers, clock, ids, events, logger })
  const finalizer = createOrderFinalizer({
    storage,
    ledger,
    clock,
    ids,
    events,
    ...(deps.cartChanged ? { cartChanged: deps.cartChanged } : {}),
  })

  const keyLeaseMs = deps.keyLeaseMs ?? DEFAULT_CHECKOUT_KEY_LEASE_MS
  const fraud = deps.fraud && deps.fraud.checks.length > 0 ? deps.fraud : null
  const assessFraud = fraud
    ? createFraudAssessor({ checks: fraud.checks, store: storage.fraud, clock, logger })
    : null
  const reviews = createOrderReviews({ storage, ledger, clock, ids, events, logger })
  const outboxRetentionMs = deps.outboxRetentionMs ?? DEFAULT_OUTBOX_RETENTION_MS

  /** The cart as read with the key: it must exist, be open, be this customer's and hold items. */
  function openCart(cart: CartRecord | null, cartId: string, customerId: string | undefined): CartRecord {
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

  /**
   * The variants with the sale price of the claimed tickets: one ticket per unit, so a line of a
   * ticketed SKU must hold exactly as many units as there are tickets for it.
   */
  function withSalePrices(
    variants: readonly SellableVariant[],
    claimed: readonly ClaimedFlashSaleTicket[],
    bought: CartRecord,
  ): SellableVariant[] {
    if (claimed.length === 0) return [...variants]
    const bySku = new Map<string, { price: ClaimedFlashSaleTicket['price']; count: number }>()
    claimed.forEach((t, i) => {
      const refuse = (message: string) =>
        new ValidationError(`Flash-sale ticket ${t.ticketId} cannot be used: ${message}`, [
          { path: `flashSaleTickets.${i}`, message },
        ])
      if (t.price.currency !== bought.currency)
        throw refuse(`the sale is priced in ${t.price.currency}, the cart in ${bought.currency}`)
      const seen = bySku.get(t.sku)
      if (seen && seen.price.amount !== t.price.amount)
        throw refuse(`another ticket prices ${t.sku} differently`)
      bySku.set(t.sku, { price: t.price, count: (seen?.count ?? 0) + 1 })
    })
    for (const [sku, { count }] of bySku) {
      const quantity = bought.lines.find((l) => l.sku === sku)?.quantity ?? 0
      if (quantity !== count) {
        throw new ValidationError(
          `The flash-sale tickets cover ${count} unit(s) of ${sku}; the cart holds ${quantity}`,
          [
            {
              path: 'flashSaleTickets',
              message: `one ticket per unit of ${sku}: ${count} ticket(s), ${quantity} unit(s)`,
            },
          ],
        )
      }
    }
    return variants.map((v) => {
      const sale = bySku.get(v.sku)
      if (!sale) return v
      const price = { amount: sale.price.amount, currency: sale.price.currency }
      return { ...v, price, wasPrice: wasPriceOf({ price, regular: v.price, compareAt: v.wasPrice ?? null }) }
    })
  }

  /** Claims the request's flash-sale tickets for this checkout (none: nothing to claim). */
  async function claimTickets(
    cart: CartRecord,
    input: ParsedPlaceOrder,
  ): Promise<{ claimed: readonly ClaimedFlashSaleTicket[]; release: () => Promise<void> }> {
    const tickets = input.flashSaleTickets ?? []
    const none = { claimed: [], release: async () => {} }
    if (tickets.length === 0) return none
    const source = deps.flashSales
    if (!source) {
      throw new ConfigError('No flash-sale gate is configured: pass createCommerce({ flashSales })', [
        { path: 'flashSales', message: 'required to honour flash-sale tickets' },
      ])
    }
    const customerId = input.customerId ?? cart.customerId
    if (!customerId) {
      throw new ValidationError('Flash-sale tickets need a signed-in customer', [
        { path: 'customerId', message: 'required with flashSaleTickets' },
      ])
    }
    const claim = { tickets, customerId, claimKey: `${SCOPE}:${input.idempotencyKey}` }
    const claimed = await source.claimTickets(claim)
    return {
      claimed,
      release: async () => {
        try {
          await source.unclaimTickets(claim)
        } catch (error) {
          logger.error('could not give flash-sale tickets back', {
            claimKey: claim.claimKey,
            error: String(error),
          })
        }
      },
    }
  }

  /** The cart as this request buys it: request fields override the cart's, and nothing is lenient. */
  async function price(
    cart: CartRecord,
    input: ParsedPlaceOrder,
    snapshot: CheckoutSnapshot,
    claimed: readonly ClaimedFlashSaleTicket[] = [],
  ) {
    const bought: CartRecord = {
      ...cart,
      customerId: input.customerId ?? cart.customerId,
      shippingAddress: input.shippingAddress ?? cart.shippingAddress,
      shippingMethodId: input.shippingMethodId ?? cart.shippingMethodId,
      promoCode: input.promoCode?.toUpperCase() ?? cart.promoCode,
    }
    const variants = withSalePrices(snapshot.variants.map(toSellableVariant), claimed, bought)
    return { bought, ...(await deps.pricer.price({ cart: bought, strict: true, variants })) }
  }

  function newOrder(
    cart: CartRecord,
    input: ParsedPlaceOrder,
    priced: Awaited<ReturnType<typeof price>>,
    provider: PaymentProvider | null,
    email: string,
    now: Date,
  ): NewOrder {
    const { totals, bought } = priced
    const byId = new Map(totals.lines.map((l) => [l.id, l]))
    return {
      id: ids('ord'),
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
      reservationId: ids('res'),
      paymentProvider: provider?.id ?? null,
      createdAt: now,
      // The dates the customer was quoted with the price: kept on the order, in the same insert.
      estimatedDelivery: priced.shippingQuote?.estimatedDelivery ?? null,
    }
  }

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

  /**
   * A host allocation strategy plans from a snapshot (one read more); the default one is made by
   * the store itself from locked counters, so it is never stale and costs nothing extra.
   */
  async function plan(
    lines: readonly { sku: string; quantity: number }[],
  ): Promise<{ allocations: Allocation[]; split: boolean } | null> {
    if (deps.allocation === defaultAllocationStrategy) return null
    const snapshot = await storage.inventory.getAllocationSnapshot(lines.map((l) => l.sku))
    const items = new Map(snapshot.items.map((i) => [i.sku, i]))
    // The lines were priced from the catalog: a SKU inventory does not know was never stocked.
    const unstocked = lines.filter((l) => !items.has(l.sku))
    if (unstocked.length > 0) throw neverStocked(unstocked)
    const tracked = lines.filter((l) => items.get(l.sku)!.tracked)
    const allocations = deps.allocation({
      lines: tracked,
      levels: snapshot.levels,
      items,
      locations: snapshot.locations,
    })
    // Host code: a plan that holds less (or other) than the order would sell stock nobody held.
    // The store only re-checks each level, so refuse it here, as inventory.reserve does.
    assertPlanCovers(tracked, allocations)
    return { allocations, split: snapshot.locations.length > 1 }
  }

  /**
   * Claims the flash-sale tickets, then creates the order; the tickets go back when no order came
   * of it (a refusal before or by `begin`). Once `begin` ran they stay spent by this checkout's key.
   */
  async function create(
    input: ParsedPlaceOrder,
    hash: string,
    ref: IdempotencyRef,
    snapshot: CheckoutSnapshot,
  ): Promise<PlaceOrderResult> {
    if (!input.flashSaleTickets) return createOrder(input, hash, ref, snapshot, [], () => {})
    const tickets = await claimTickets(openCart(snapshot.cart, input.cartId, input.customerId), input)
    let begun = false
    try {
      return await createOrder(input, hash, ref, snapshot, tickets.claimed, () => {
        begun = true
      })
    } catch (error) {
      if (!begun) await tickets.release()
      throw error
    }
  }

  /** Validate, price, then one atomic `begin`: key, cart, order, promotion, outbox and stock. */
  async function createOrder(
    input: ParsedPlaceOrder,
    hash: string,
    ref: IdempotencyRef,
    snapshot: CheckoutSnapshot,
    claimed: readonly ClaimedFlashSaleTicket[],
    onBegun: () => void,
  ): Promise<PlaceOrderResult> {
    const cart = openCart(snapshot.cart, input.cartId, input.customerId)
    const email = input.email ?? cart.email
    if (!email)
      throw new ValidationError('An email address is required', [
        { path: 'email', message: 'required (on the cart or here)' },
      ])
    const priced = await price(cart, input, snapshot, claimed)
    // A free order (a 100% promotion) needs no provider; anything else must have one.
    const charged = priced.totals.total.amount > 0 ? pickProvider(input.payment.provider) : null
    // One instant for the order, its hold and its key: begin stores it as the order's created_at.
    const now = clock.now()
    const order = newOrder(cart, input, priced, charged, email, now)
    if (assessFraud) {
      const assessment = await assessFraud(fraudInput(order, input, ref))
      if (assessment.decision === 'reject') return refuseForFraud(input, hash, ref, assessment.reasons)
      if (assessment.decision === 'review') {
        // Flagged before the order exists, so every path that would confirm it holds it instead.
        await storage.fraud!.flag({
          orderId: order.id,
          reasons: assessment.reasons,
          holdUntil: new Date(now.getTime() + fraud!.reviewHoldMs),
          at: now,
        })
      }
    }
    const lines = sumLines(order.lines)
    const expiresAt = new Date(now.getTime() + deps.reservationTtlMs)
    const reserved: CommerceEvent = {
      type: 'inventory.reserved',
      reservationId: order.reservationId!,
      reference: order.id,
      lines,
      expiresAt,
      occurredAt: now,
    }
    // The display number comes from the database: checkout_begin writes it into the durable
    // order.created as it draws it; the in-process event below gets it from begin's result.
    const createdEvent: Extract<CommerceEvent, { type: 'order.created' }> = {
      type: 'order.created',
      orderId: order.id,
      displayNumber: '',
      customerId: order.customerId,
      total: order.totals.total,
      occurredAt: now,
    }
    const outbox = [
      outboxEvent(reserved, ids('evt'), order.id),
      outboxEvent(createdEvent, ids('evt'), order.id),
    ]
    let begun: Awaited<ReturnType<typeof storage.checkout.begin>>
    for (let attempt = 1; ; attempt++) {
      const planned = await plan(lines)
      try {
        begun = await storage.checkout.begin({
          key: {
            ...ref,
            requestHash: hash,
            lockedUntil: new Date(now.getTime() + keyLeaseMs),
            expiresAt: new Date(now.getTime() + KEY_TTL_MS),
          },
          order,
          cartVersion: cart.version,
          reservation: {
            id: order.reservationId!,
            lines,
            allocations: planned?.allocations ?? null,
            expiresAt,
          },
          promotion: priced.totals.promotion ? { id: priced.totals.promotion.promotionId } : null,
          outbox,
          at: now,
        })
        break
      } catch (error) {
        // A host plan split over locations is made from a snapshot and can go stale under
        // contention (its location sold out while another still has stock). begin refused it and
        // wrote nothing, so plan again from a fresh snapshot, as inventory.reserve does.
        const stale = error instanceof InsufficientStockError && planned?.split === true
        const unstocked = unknownSkuOf(error)
        if (unstocked !== null) throw neverStocked(lines.filter((l) => l.sku === unstocked))
        if (!stale || attempt >= MAX_PLAN_ATTEMPTS) throw error
      }
    }
    onBegun()
    if (begun.outcome === 'key_taken') return existing(input, hash, ref, begun.key)
    await deps.cartChanged?.(cart.id)
    events.emit(reserved)
    const created: OrderRecord = {
      ...order,
      displayNumber: begun.displayNumber,
      updatedAt: now,
      estimatedDelivery: order.estimatedDelivery ?? null,
    }
    events.emit({ ...createdEvent, displayNumber: created.displayNumber })
    return payAndFinish(created, input, ref)
  }

  /** Authorizes and finishes an order awaiting payment. Safe to run twice for one order. */
  async function payAndFinish(
    order: OrderRecord,
    input: ParsedPlaceOrder,
    ref: IdempotencyRef,
  ): Promise<PlaceOrderResult> {
    const provider = ledger.providerOf(order)
    if (!provider) return settled(await finalizer.confirm(order, null, ref))
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
        await finalizer.fail(order, failedState, ref, toStored(error))
      }
      // Anything else leaves the outcome unknown: the order waits, a retry with the same key or
      // recovery finds out from the provider.
      throw error
    }
    if (state.status === 'requires_action' || state.status === 'pending') {
      const action = state.action ?? null
      const finished = await storage.checkout.finish({
        orderId: order.id,
        to: null,
        note: null,
        payment: { id: ids('pay'), provider: provider.id, state },
        key: ref,
        response: {
          kind: 'result',
          orderId: order.id,
          outcome: 'requires_action',
          action,
        } satisfies StoredCheckoutResponse,
        outbox: [],
        at: clock.now(),
      })
      // The customer may have finished the action, and its webhook ended the order (completing
      // this key with that end), before this answer was recorded: answer what the key answers.
      if (finished.status !== 'pending_payment') {
        const again = await storage.checkout.read({ ...ref, cartId: input.cartId, at: clock.now() })
        if (again.key?.status === 'completed') return replay(again.key.response as StoredCheckoutResponse)
      }
      return { order, outcome: 'requires_action', action }
    }
    return settled(await finalizer.confirm(order, state, ref))
  }

  /** What a fraud check sees of this checkout. */
  function fraudInput(order: NewOrder, input: ParsedPlaceOrder, ref: IdempotencyRef): FraudCheckInput {
    return {
      cartId: input.cartId,
      orderId: order.id,
      attemptKey: `${ref.scope}:${ref.key}`,
      email: order.email,
      customerId: order.customerId,
      ip: input.client?.ip === undefined ? null : normalizeIp(input.client.ip),
      userAgent: input.client?.userAgent ?? null,
      paymentProvider: order.paymentProvider,
      paymentMethod: input.payment.method ?? null,
      paymentFingerprint: input.payment.fingerprint ?? null,
      total: order.totals.total,
      lines: order.lines.map((l) => ({
        sku: l.sku,
        productId: l.productId,
        sellerId: l.sellerId,
        name: l.name,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        total: l.total,
      })),
      shippingAddress: order.shippingAddress,
      billingAddress: order.billingAddress,
      shippingMethodId: order.shippingMethodId,
      promoCode: order.promoCode,
    }
  }

  /**
   * A rejected checkout created nothing; its key is completed with the refusal, so a retry with
   * the same key gets the same answer (whatever the counts say by then) and the key is never stuck.
   */
  async function refuseForFraud(
    input: ParsedPlaceOrder,
    hash: string,
    ref: IdempotencyRef,
    reasons: readonly { code: string; check: string }[],
  ): Promise<PlaceOrderResult> {
    const refused = new FraudRejectedError(input.cartId)
    logger.warn('checkout refused by fraud checks', {
      cartId: input.cartId,
      reasons: reasons.map((r) => `${r.check}:${r.code}`),
    })
    const now = clock.now()
    const claim = await storage.idempotency.claim({
      ...ref,
      requestHash: hash,
      at: now,
      expiresAt: new Date(now.getTime() + KEY_TTL_MS),
    })
    if (claim.outcome === 'claimed')
      await storage.idempotency.complete({ ...ref, response: toStored(refused), resourceId: null, at: now })
    else if (claim.outcome === 'completed') return replay(claim.response as StoredCheckoutResponse)
    throw refused
  }

  function settled(outcome: Awaited<ReturnType<typeof finalizer.confirm>>): PlaceOrderResult {
    if (outcome.status === 'held') return { order: outcome.order, outcome: 'held_for_review', action: null }
    if (outcome.status !== 'confirmed') {
      throw new CommerceError(
        'inventory.reservation_expired',
        `Order ${outcome.order.id} could not be confirmed: its stock hold ended`,
        { orderId: outcome.order.id },
      )
    }
    return { order: outcome.order, outcome: 'confirmed', action: null }
  }

  async function replay(stored: StoredCheckoutResponse): Promise<PlaceOrderResult> {
    if (stored.kind === 'error') throw replayError(stored)
    const order = await storage.orders.get(stored.orderId)
    if (!order) throw new NotFoundError('order', stored.orderId)
    // A payment that waited for the customer and was confirmed since (by its webhook) is confirmed.
    const waited = stored.outcome === 'requires_action'
    if (waited && order.status === 'held_for_review')
      return { order, outcome: 'held_for_review', action: null }
    if (waited && order.status !== 'pending_payment' && !FAILED.includes(order.status))
      return { order, outcome: 'confirmed', action: null }
    return { order, outcome: stored.outcome, action: stored.action }
  }

  /**
   * The key was claimed before. Completed: replay its answer. In progress: it is bound to an order
   * (begin claims it with the order, atomically). While its holder's lease runs, wait for it to
   * answer; after that, resume the order here: authorize again under the same provider key (the
   * provider answers with the same payment) and finish it, or report how it ended.
   */
  async function existing(
    input: ParsedPlaceOrder,
    hash: string,
    ref: IdempotencyRef,
    found: CheckoutKey,
  ): Promise<PlaceOrderResult> {
    let key = found
    // The lease is judged on the injected clock; the wait is also bounded in real time, so a clock
    // that does not move (a test's manual clock) cannot keep a retry waiting for a dead holder.
    const waitUntil = Date.now() + keyLeaseMs
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if (key.requestHash !== hash) {
        throw new ConflictError(
          `Idempotency key ${ref.key} was already used with a different request`,
          { scope: ref.scope, key: ref.key },
          { code: 'idempotency.conflict' },
        )
      }
      if (key.status === 'completed') return replay(key.response as StoredCheckoutResponse)
      const leaseEnds = key.lockedUntil?.getTime() ?? 0
      if (key.resourceId !== null && (leaseEnds <= clock.now().getTime() || Date.now() >= waitUntil)) break
      if (key.resourceId === null && leaseEnds <= clock.now().getTime()) {
        // A claim from before keys were bound to orders, whose holder went quiet: start afresh.
        return create(
          input,
          hash,
          ref,
          await storage.checkout.read({ ...ref, cartId: input.cartId, at: clock.now() }),
        )
      }
      await sleep(delay)
      const again = await storage.checkout.read({ ...ref, cartId: input.cartId, at: clock.now() })
      if (!again.key || again.key.expiresAt <= clock.now()) return create(input, hash, ref, again)
      key = again.key
    }
    const order = await storage.orders.get(key.resourceId!)
    if (!order) throw new NotFoundError('order', key.resourceId!)
    if (order.status === 'pending_payment') return payAndFinish(order, input, ref)
    // Ended by a webhook or recovery while its request was gone: record the answer and give it.
    const failed = order.status === 'payment_failed' || order.status === 'cancelled'
    const response: StoredCheckoutResponse = failed
      ? {
          kind: 'error',
          code: 'payment.failed',
          message: `Order ${order.id} was not paid`,
          details: { orderId: order.id },
        }
      : {
          kind: 'result',
          orderId: order.id,
          outcome: order.status === 'held_for_review' ? 'held_for_review' : 'confirmed',
          action: null,
        }
    await storage.checkout.finish({
      orderId: order.id,
      to: null,
      note: null,
      payment: null,
      key: ref,
      response,
      outbox: [],
      at: clock.now(),
    })
    return replay(response)
  }

  return {
    async placeOrder(raw) {
      const input = parseInput(placeOrderSchema, raw, 'order')
      // Where the request came from is not what it buys: a retry from another network is the same.
      const { idempotencyKey, client: _client, ...payload } = input
      const hash = requestHash(payload)
      const ref = { scope: SCOPE, key: idempotencyKey }
      const snapshot = await storage.checkout.read({ ...ref, cartId: input.cartId, at: clock.now() })
      if (snapshot.key && snapshot.key.expiresAt > clock.now())
        return existing(input, hash, ref, snapshot.key)
      return create(input, hash, ref, snapshot)
    },

    async handlePaymentWebhook({ provider: providerId, rawBody, headers }) {
      const provider = providers.get(providerId)
      if (!provider) throw new NotFoundError('payment provider', providerId)
      const event = await provider.parseWebhook({ rawBody, headers })
      if (event.kind === 'ignored') return { applied: false }
      const record = await storage.payments.findByProviderId({
        provider: provider.id,
        paymentId: event.state.paymentId,
      })
      const orderId = record?.orderId ?? event.orderId
      const order = orderId ? await storage.orders.get(orderId) : null
      // Early webhook: the order is not there yet. Refusing makes the provider deliver it again.
      if (!order) throw new NotFoundError('order', orderId ?? event.state.paymentId)
      // Applying is idempotent, so the event is marked seen only after it was applied: a crash in
      // between means a redelivery applies it again, never that it is lost.
      await ledger.record(order, event.state)
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
        await ledger.voidUnconfirmed(order, event.state)
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
      const report = {
        confirmed: 0,
        failed: 0,
        stillWaiting: 0,
        heldForReview: 0,
        reviewsExpired: 0,
        reservationsExpired: 0,
        outboxPurged: 0,
      }
      const stale = await storage.orders.listStale({
        status: 'pending_payment',
        updatedBefore: new Date(clock.now().getTime() - staleAfterMs),
        limit,
      })
      for (const order of stale) {
        try {
          const outcome = await finalizer.reconcile(order)
          // Another recoverer, a webhook or a retried request may have ended it first.
          if (outcome.status === 'waiting') report.stillWaiting++
          else if (outcome.moved && outcome.status === 'confirmed') report.confirmed++
          else if (outcome.moved && outcome.status === 'held') report.heldForReview++
          else if (outcome.moved) report.failed++
        } catch (error) {
          logger.error('recovery could not reconcile an order; will retry', {
            orderId: order.id,
            error: String(error),
          })
          report.stillWaiting++
        }
      }
      await storage.idempotency.purgeExpired(clock.now())
      // Held orders staff never decided give their stock back before the sweeper would take it
      // (also where this process runs no checks: another may have held them).
      if (storage.fraud) report.reviewsExpired += await reviews.rejectOverdue(limit)
      if (fraud && storage.fraud) {
        const attemptsBefore = new Date(clock.now().getTime() - MAX_VELOCITY_WINDOW_MS)
        for (;;) {
          if ((await storage.fraud.purge({ before: attemptsBefore, limit: 1000 })) < 1000) break
        }
      }
      for (;;) {
        const expired = await storage.inventory.expireReservations({ at: clock.now(), limit: 500 })
        report.reservationsExpired += expired.length
        if (expired.length < 500) break
      }
      // Retention: the outbox keeps acked work and domain events for `outboxRetentionMs`.
      const before = new Date(clock.now().getTime() - outboxRetentionMs)
      // Domain events stay until every durable subscriber's cursor has passed them as well.
      const eventLog = storage.eventLog
      const logTopics = eventLog ? [] : [DOMAIN_EVENT_TOPIC]
      for (;;) {
        const purged = await storage.outbox.purge({ before, logTopics, limit: 1000 })
        report.outboxPurged += purged
        if (purged < 1000) break
      }
      for (;;) {
        const purged = eventLog ? await eventLog.purge({ before, limit: 1000 }) : 0
        report.outboxPurged += purged
        if (purged < 1000) break
      }
      return report
    },
  }
}
