import { NO_STOCK_VIOLATIONS, stockInvariantViolations } from '@souk/test-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ClusterSaleFixture,
  runFailoverSale,
  startClusterSaleFixture,
} from './flash-sale-cluster-support.js'

// A master SIGKILLed in the middle of a flash sale split over a real Redis Cluster (3 masters, 3
// replicas, started by this file), with every admitted buyer reserving in Postgres: the database,
// the truth, is never oversold. What the gate itself may do depends on `waitForReplicas`:
// - 0 (the default): Redis replicates asynchronously, so the killed master may take its last
//   writes with it. An admission it acknowledged and lost frees its unit again on the promoted
//   replica, so the gate may admit more than the quantity, by at most the writes the replica had
//   not received (on loopback usually none); the database turns the surplus away.
// - 1: every admission (and every unit lent between slots) counts only once a replica holds it,
//   so the gate never admits more than the quantity.
// Both runs also count buyers whose admission went through while its reply was lost ("stranded":
// the unit stays with them at the gate, unsold).

let fixture: ClusterSaleFixture
beforeAll(async () => {
  fixture = await startClusterSaleFixture('flash_failover')
})
afterAll(() => fixture?.close())

describe('a master killed in the middle of a flash sale on a real Redis Cluster', () => {
  for (const waitForReplicas of [0, 1]) {
    it(`0 oversold in the database (waitForReplicas ${waitForReplicas})`, async () => {
      const sale = await runFailoverSale(fixture, {
        kind: 'kill',
        waitForReplicas,
        slot: 1 + waitForReplicas,
      })
      console.info(sale.summary)
      const { counts, events, stats, stock, buyers } = sale
      expect(sale.moved.from.port).toBe(sale.masterPort)
      expect(sale.moved.to.port).not.toBe(sale.masterPort)
      // Mid-sale: buyers got units before the master died and after.
      expect(events.ticketsBefore).toBeGreaterThan(0)
      expect(events.ticketsAfter).toBeGreaterThan(0)
      expect(await stockInvariantViolations(fixture.database.url)).toEqual(NO_STOCK_VIOLATIONS)
      expect(sale.reservedInDatabase).toBe(counts.reserved)
      expect(counts.reserved).toBeLessThanOrEqual(stock)
      expect(counts.reserved + counts.lostAtDatabase).toBe(counts.tickets)
      expect(counts.tickets + counts.turnedAway + counts.stranded).toBe(buyers)
      expect(stats.inTransit).toBe(0)
      if (waitForReplicas > 0) {
        // Nothing a replica did not hold was ever counted: never more admitted than the quantity.
        expect(counts.tickets).toBeLessThanOrEqual(stock)
        expect(stats.held).toBeLessThanOrEqual(stock)
      }
    })
  }
})
