import { add, type Money, PaymentError, type PaymentState, type PaymentStatus } from '@souk/core'
import { fromPaypalMoney, none } from './paypal-amounts.js'

/**
 * The parts of an Orders v2 order (as `@paypal/paypal-server-sdk` models it, camelCase) that Souk
 * reads. Typed structurally so any SDK copy's `Order` fits.
 */
export interface OrderSnapshot {
  readonly id?: string
  readonly status?: string
  readonly intent?: string
  readonly createTime?: string
  readonly purchaseUnits?: readonly {
    readonly customId?: string
    readonly amount?: { readonly currencyCode?: string; readonly value?: string }
    readonly payments?: {
      readonly authorizations?: readonly PaypalTransaction[]
      readonly captures?: readonly PaypalTransaction[]
      readonly refunds?: readonly PaypalTransaction[]
    }
  }[]
  readonly links?: readonly { readonly href: string; readonly rel: string }[]
}

/** An authorization, capture or refund inside an order. */
export interface PaypalTransaction {
  readonly id?: string
  readonly status?: string
  readonly amount?: { readonly currencyCode?: string; readonly value?: string }
  readonly statusDetails?: { readonly reason?: string }
  readonly processorResponse?: { readonly responseCode?: string }
  readonly createTime?: string
}

const AUTHORIZED = new Set(['CREATED'])
const CAPTURED = new Set(['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'])
const AWAITING_PAYER = new Set(['CREATED', 'SAVED', 'PAYER_ACTION_REQUIRED'])

/** The order's purchase unit: Souk creates orders with exactly one. */
export function purchaseUnit(order: OrderSnapshot): NonNullable<OrderSnapshot['purchaseUnits']>[number] {
  const unit = order.purchaseUnits?.[0]
  if (unit === undefined || order.id === undefined) {
    throw new PaymentError('payment.failed', 'PayPal answered with an order without purchase units', {
      paypalOrderId: order.id ?? null,
    })
  }
  return unit
}

/** The order's latest authorization, if PayPal made one. */
export function latestAuthorization(order: OrderSnapshot): PaypalTransaction | undefined {
  return purchaseUnit(order).payments?.authorizations?.at(-1)
}

/** The capture a refund applies to: Souk captures once, so there is at most one that took money. */
export function refundableCapture(order: OrderSnapshot): PaypalTransaction | undefined {
  return purchaseUnit(order).payments?.captures?.find((c) => CAPTURED.has(c.status ?? ''))
}

function total(items: readonly PaypalTransaction[], currency: string): Money {
  return items.reduce((sum, item) => add(sum, fromPaypalMoney(item.amount)), none(currency))
}

function failureCode(item: PaypalTransaction, fallback: string): string {
  return item.processorResponse?.responseCode ?? item.statusDetails?.reason ?? fallback
}

/**
 * An Orders v2 order → Souk's `PaymentState`. The payment id is PayPal's order id: authorizations,
 * captures and refunds all hang off it, so one id follows the payment through its life.
 *
 * - refunds (COMPLETED) → `partially_refunded` / `refunded` against the captured total;
 * - a capture that took money → `captured`; one DECLINED or FAILED → `failed`; PENDING → `pending`;
 * - authorization CREATED → `authorized`, PENDING → `pending`, DENIED → `failed`, VOIDED or EXPIRED
 *   → `voided` (the hold is gone and nothing was charged);
 * - no authorization or capture yet: CREATED / SAVED / PAYER_ACTION_REQUIRED → `requires_action`
 *   (`action.type` `payer_action`, `clientSecret` the PayPal order id the JS SDK takes, `url` the
 *   payer-action or approve link), APPROVED → `pending`, VOIDED (the approval was reversed) →
 *   `failed`.
 */
export function paymentStateFromOrder(order: OrderSnapshot): PaymentState {
  const unit = purchaseUnit(order)
  const amount = fromPaypalMoney(unit.amount)
  const currency = amount.currency
  const payments = unit.payments ?? {}
  const captures = payments.captures ?? []
  const capturedAmount = total(
    captures.filter((c) => CAPTURED.has(c.status ?? '')),
    currency,
  )
  const refundedAmount = total(
    (payments.refunds ?? []).filter((r) => r.status === 'COMPLETED'),
    currency,
  )
  const base = {
    paymentId: order.id as string,
    orderId: unit.customId ?? null,
    amount,
    capturedAmount,
    refundedAmount,
    createdAt: new Date(order.createTime ?? 0),
  }
  const state = (status: PaymentStatus, extra: Partial<PaymentState> = {}): PaymentState => ({
    ...base,
    status,
    ...extra,
  })

  if (refundedAmount.amount > 0) {
    return state(refundedAmount.amount >= capturedAmount.amount ? 'refunded' : 'partially_refunded')
  }
  if (capturedAmount.amount > 0) return state('captured')
  const refusedCapture = captures.find((c) => c.status === 'DECLINED' || c.status === 'FAILED')
  if (refusedCapture) return state('failed', { failureCode: failureCode(refusedCapture, 'DECLINED') })
  if (captures.some((c) => c.status === 'PENDING')) return state('pending')

  const authorization = latestAuthorization(order)
  if (authorization) {
    switch (authorization.status) {
      case 'PENDING':
        return state('pending')
      case 'DENIED':
        return state('failed', { failureCode: failureCode(authorization, 'DENIED') })
      case 'VOIDED':
      case 'EXPIRED':
        return state('voided')
      default:
        if (AUTHORIZED.has(authorization.status ?? '')) return state('authorized')
        // CAPTURED / PARTIALLY_CAPTURED with no completed capture: the capture is still settling.
        return state('pending')
    }
  }
  if (AWAITING_PAYER.has(order.status ?? '')) {
    const link = order.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')
    return state('requires_action', {
      action: { type: 'payer_action', clientSecret: order.id as string, ...(link ? { url: link.href } : {}) },
    })
  }
  if (order.status === 'VOIDED') return state('failed', { failureCode: 'ORDER_VOIDED' })
  return state('pending')
}
