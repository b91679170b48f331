import { systemClock } from '../clock/clock.js'
import { ConfigError } from '../errors/error-classes.js'
import { createEventBus, type EventBus } from '../events/event-bus.js'
import { createIdGenerator } from '../ids/id-generator.js'
import { defaultAllocationStrategy } from '../inventory/default-allocation-strategy.js'
import { createInventoryService, type InventoryService } from '../inventory/inventory-service.js'
import { consoleLogger } from '../logger/logger.js'
import { toValidationIssues } from '../validation/parse-input.js'
import { type CommerceConfig, commerceConfigSchema } from './commerce-config.js'

/** The wired SDK: one object per app, shared by every request. */
export interface Commerce {
  readonly inventory: InventoryService
  readonly events: EventBus
  /** Brings storage up to date. Idempotent; safe from several processes at once. */
  migrate(): Promise<void>
  /** Releases what Souk opened (pools it created, listeners). Injected clients stay open. */
  close(): Promise<void>
}

/**
 * Wires Souk's services over the given adapters. Validates the configuration and throws
 * `ConfigError` (code `config.invalid`) naming every bad field.
 */
export function createCommerce(config: CommerceConfig): Commerce {
  const parsed = commerceConfigSchema.safeParse(config)
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error)
    throw new ConfigError(
      `Invalid Souk configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    )
  }
  const { storage } = parsed.data
  const clock = parsed.data.clock ?? systemClock
  const logger = parsed.data.logger ?? consoleLogger()
  const ids = parsed.data.ids ?? createIdGenerator(() => clock.now().getTime())
  const events = createEventBus(logger)

  const inventory = createInventoryService({
    store: storage.inventory,
    clock,
    ids,
    events,
    allocation: parsed.data.allocation ?? defaultAllocationStrategy,
    reservationTtlMs: parsed.data.reservationTtlMs,
  })

  let closed = false
  return {
    inventory,
    events,
    migrate: () => storage.migrate(),
    async close() {
      if (closed) return
      closed = true
      events.removeAllListeners()
      await storage.close()
    },
  }
}
