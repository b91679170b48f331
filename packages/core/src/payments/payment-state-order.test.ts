import { describe, expect, it } from 'vitest'
import { money } from '../money/money.js'
import type { PaymentState, PaymentStatus } from '../ports/payment-provider.js'
import { paymentStateSupersedes } from './payment-state-order.js'

const state = (status: PaymentStatus, captured = 0, refunded = 0, paymentId = 'pi_1'): PaymentState => ({
  paymentId,
  orderId: 'ord_1',
  status,
  amount: money(1000, 'EUR'),
  capturedAmount: money(captured, 'EUR'),
  refundedAmount: money(refunded, 'EUR'),
  createdAt: new Date(0),
})

describe('paymentStateSupersedes', () => {
  it('moves forward through the life of a payment and never back', () => {
    const life = [
      state('pending'),
      state('requires_action'),
      state('authorized'),
      state('captured', 1000),
      state('partially_refunded', 1000, 200),
      state('partially_refunded', 1000, 500),
      state('refunded', 1000, 1000),
    ]
    for (let i = 0; i < life.length; i++) {
      for (let j = 0; j < life.length; j++) {
        expect(paymentStateSupersedes(life[i]!, life[j]!), `${i} -> ${j}`).toBe(j > i)
      }
    }
  })

  it('treats failed and voided as ends, stored-nothing as always superseded, other payments as never', () => {
    expect(paymentStateSupersedes(state('requires_action'), state('failed'))).toBe(true)
    expect(paymentStateSupersedes(state('failed'), state('requires_action'))).toBe(false)
    expect(paymentStateSupersedes(state('authorized'), state('voided'))).toBe(true)
    expect(paymentStateSupersedes(state('voided'), state('authorized'))).toBe(false)
    expect(paymentStateSupersedes(state('captured', 1000), state('voided'))).toBe(false)
    expect(paymentStateSupersedes(null, state('pending'))).toBe(true)
    expect(paymentStateSupersedes(state('pending'), state('captured', 1000, 0, 'pi_2'))).toBe(false)
  })
})
