import { ValidationError } from '../errors/error-classes.js'
import type {
  InvalidationBus,
  InvalidationListener,
  InvalidationSubscription,
} from '../ports/invalidation-bus.js'

/**
 * An in-process stand-in for a pub/sub channel: each `connect()` is a bus as one process would
 * open it. For tests of code that takes an `InvalidationBus`, and the reference the contract suite
 * runs against; processes cannot share it.
 */
export interface MemoryInvalidationChannel {
  /** A new bus on this channel. */
  connect(): InvalidationBus
  /**
   * Cuts every subscription off, as a dropped connection would: each goes not live
   * (`live(false)`), and publications are lost to it until `restore()`.
   */
  interrupt(): void
  /** Ends `interrupt()`: every subscription goes live again (`live(true)`, asynchronously). */
  restore(): void
}

interface Member {
  readonly bus: InvalidationBus
  readonly listener: InvalidationListener
  live: boolean
  closed: boolean
}

function checkKeys(keys: readonly string[]): void {
  if (!Array.isArray(keys)) {
    throw new ValidationError('Invalid invalidation: keys must be an array', [
      { path: 'keys', message: 'must be an array of strings' },
    ])
  }
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'string' || key.length === 0) {
      throw new ValidationError(`Invalid invalidation: keys.${i} must be a non-empty string`, [
        { path: `keys.${i}`, message: 'must be a non-empty string' },
      ])
    }
  }
}

/**
 * Creates an in-process channel. Delivery is synchronous: when `publish` resolves, every live
 * subscription of every other bus has been called.
 */
export function createMemoryInvalidationChannel(): MemoryInvalidationChannel {
  const members = new Set<Member>()
  let interrupted = false

  function goLive(member: Member): void {
    // Asynchronously, as a real transport confirms a subscription after a round trip.
    queueMicrotask(() => {
      if (member.closed || member.live || interrupted) return
      member.live = true
      member.listener.live(true)
    })
  }

  return {
    connect() {
      const own = new Set<Member>()
      let closed = false
      const bus: InvalidationBus = {
        // Delivery is synchronous, so both waits are met when this resolves.
        async publish(keys, options) {
          checkKeys(keys)
          if (options?.wait !== undefined && options.wait !== 'applied' && options.wait !== 'sent') {
            throw new ValidationError('Invalid invalidation: wait must be applied or sent', [
              { path: 'wait', message: "must be 'applied' or 'sent'" },
            ])
          }
          if (keys.length === 0) return
          const copy = [...keys]
          for (const member of members) {
            if (member.bus !== bus && member.live) member.listener.invalidated(copy)
          }
        },
        subscribe(listener): InvalidationSubscription {
          const member: Member = { bus, listener, live: false, closed: false }
          if (!closed) {
            members.add(member)
            own.add(member)
            goLive(member)
          }
          return {
            get live() {
              return member.live
            },
            async close() {
              member.closed = true
              member.live = false
              members.delete(member)
              own.delete(member)
            },
          }
        },
        async close() {
          closed = true
          for (const member of own) {
            member.closed = true
            member.live = false
            members.delete(member)
          }
          own.clear()
        },
      }
      return bus
    },
    interrupt() {
      interrupted = true
      for (const member of members) {
        if (!member.live) continue
        member.live = false
        member.listener.live(false)
      }
    },
    restore() {
      interrupted = false
      for (const member of members) goLive(member)
    },
  }
}
