import { describe, it } from 'vitest'
import { invalidationBusSuite } from '../testing/invalidation-bus-suite.js'
import { createMemoryInvalidationChannel } from './memory-invalidation-bus.js'

describe('createMemoryInvalidationChannel', () => {
  invalidationBusSuite({ describe, it }, async () => {
    const channel = createMemoryInvalidationChannel()
    return {
      open: () => channel.connect(),
      async dropConnections() {
        channel.interrupt()
        channel.restore()
      },
    }
  })
})
