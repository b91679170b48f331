import { describe, expect, it } from 'vitest'
import { isCommerceError } from '../errors/commerce-error.js'
import type { OrderStatus } from '../ports/order-store.js'
import { assertTransition, canTransition, ORDER_TRANSITIONS, PAID_STATUSES } from './order-state-machine.js'

const all = Object.keys(ORDER_TRANSITIONS) as OrderStatus[]

describe('order state machine', () => {
  it('follows the happy path from payment to refund', () => {
    const path: OrderStatus[] = [
      'pending_payment',
      'confirmed',
      'processing',
      'shipped',
      'delivered',
      'return_requested',
      'returned',
      'refunded',
    ]
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true)
  })

  it('has terminal states that allow nothing', () => {
    for (const terminal of ['cancelled', 'payment_failed', 'refunded'] as const) {
      for (const to of all) expect(canTransition(terminal, to)).toBe(false)
    }
  })

  it('refuses to cancel what has shipped and to ship what is unpaid', () => {
    expect(canTransition('shipped', 'cancelled')).toBe(false)
    expect(canTransition('pending_payment', 'shipped')).toBe(false)
  })

  it('throws order.invalid_transition with from and to', () => {
    let error: unknown
    try {
      assertTransition('ord_1', 'delivered', 'pending_payment')
    } catch (e) {
      error = e
    }
    expect(isCommerceError(error, 'order.invalid_transition')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({
      entity: 'order',
      id: 'ord_1',
      from: 'delivered',
      to: 'pending_payment',
    })
  })

  it('holds a flagged order for review until staff confirm or cancel it', () => {
    expect(canTransition('pending_payment', 'held_for_review')).toBe(true)
    expect(ORDER_TRANSITIONS.held_for_review).toEqual(['confirmed', 'cancelled'])
    // Held is not shipped, refunded or failed: nothing leaves before a decision.
    for (const to of ['processing', 'shipped', 'partially_shipped', 'payment_failed', 'refunded'] as const)
      expect(canTransition('held_for_review', to)).toBe(false)
    // Nothing goes back to review once decided or paid.
    for (const from of all.filter((s) => s !== 'pending_payment'))
      expect(canTransition(from, 'held_for_review')).toBe(false)
    expect(PAID_STATUSES).not.toContain('held_for_review')
  })

  it('only names known statuses', () => {
    for (const targets of Object.values(ORDER_TRANSITIONS)) for (const t of targets) expect(all).toContain(t)
  })
})
