import { idempotencyStoreSuite } from '@souk/core/testing'
import { describe, it } from 'vitest'
import { describeOnDrivers } from './support.js'

describeOnDrivers('idempotency_contract', (fixture) => {
  idempotencyStoreSuite({ describe, it }, async () => fixture().storage.idempotency)
})
