/**
 * @souk/core/testing: the contract suites every adapter runs. Each is a plain function taking the
 * test runner's `describe`/`it` and a factory for the adapter under test.
 */
export { cartStoreSuite } from './cart-store-suite.js'
export { idempotencyStoreSuite } from './idempotency-store-suite.js'
export type { InventoryInspector, InventoryStoreHarness } from './inventory-store-suite.js'
export { inventoryStoreSuite } from './inventory-store-suite.js'
export type { OrderInspector, OrderStoreHarness } from './order-store-suite.js'
export { orderStoreSuite } from './order-store-suite.js'
export type { SuiteApi, SuiteOptions } from './suite-api.js'
