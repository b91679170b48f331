import { EventEmitter } from 'eventemitter3'
import type { Logger } from '../logger/logger.js'
import type { CommerceEvent, CommerceEventType, EventOf } from './commerce-event.js'

/** A listener's return value is ignored, except that a rejected promise is logged. */
export type EventListener<T extends CommerceEventType> = (event: EventOf<T>) => unknown

/**
 * In-process, typed event bus. Services publish after their transaction commits, so a listener
 * never sees an event for a change that was rolled back. Listeners run in process and are not
 * durable: anything that must not be lost goes through the storage outbox.
 */
export interface EventBus {
  /** Subscribes; returns a function that unsubscribes. */
  on<T extends CommerceEventType>(type: T, listener: EventListener<T>): () => void
  /** Subscribes to every event. Returns a function that unsubscribes. */
  onAny(listener: (event: CommerceEvent) => unknown): () => void
  once<T extends CommerceEventType>(type: T, listener: EventListener<T>): void
  off<T extends CommerceEventType>(type: T, listener: EventListener<T>): void
  /** Delivers to the listeners. A listener that throws or rejects is logged, never thrown to the publisher. */
  emit(event: CommerceEvent): void
  removeAllListeners(): void
}

const ANY = '*'

export function createEventBus(logger: Logger): EventBus {
  const emitter = new EventEmitter()
  const guard = (listener: (event: CommerceEvent) => unknown) => (event: CommerceEvent) => {
    const report = (error: unknown) =>
      logger.error('event listener failed', { eventType: event.type, error: String(error) })
    try {
      const result = listener(event)
      if (result instanceof Promise) result.then(undefined, report)
    } catch (error) {
      report(error)
    }
  }
  const wrapped = new WeakMap<object, (event: CommerceEvent) => void>()
  const wrap = (listener: object) => {
    let w = wrapped.get(listener)
    if (!w) {
      w = guard(listener as (event: CommerceEvent) => unknown)
      wrapped.set(listener, w)
    }
    return w
  }

  return {
    on(type, listener) {
      const w = wrap(listener)
      emitter.on(type, w)
      return () => emitter.off(type, w)
    },
    onAny(listener) {
      const w = wrap(listener)
      emitter.on(ANY, w)
      return () => emitter.off(ANY, w)
    },
    once(type, listener) {
      emitter.once(type, wrap(listener))
    },
    off(type, listener) {
      emitter.off(type, wrap(listener))
    },
    emit(event) {
      emitter.emit(event.type, event)
      emitter.emit(ANY, event)
    },
    removeAllListeners() {
      emitter.removeAllListeners()
    },
  }
}
