/**
 * The part of a test runner the contract suites need. Vitest, Jest, Mocha and node:test all fit:
 * `inventoryStoreSuite({ describe, it }, makeHarness)`.
 */
export interface SuiteApi {
  describe(name: string, body: () => void): void
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void
}

/** Options that declare real differences between backends instead of skipping tests by name. */
export interface SuiteOptions {
  /** How many concurrent callers the race tests use. Default 50; 1 for single-connection stores. */
  readonly concurrency?: number
}
