import type { Logger } from '@souk/core'
import { withRedisErrors } from '../map-redis-error.js'
import type { RedisClient } from '../redis-client.js'
import type { FlashSaleCommands } from './flash-sale-commands.js'
import type { FlashSaleKeys } from './flash-sale-types.js'

/** One sale with slots, as the borrowing steps need it. */
export interface SlottedSale {
  readonly commands: RedisClient & FlashSaleCommands
  readonly logger: Logger
  readonly saleId: string
  readonly slots: number
  readonly keys: readonly FlashSaleKeys[]
  /** Waits for the gate's `waitForReplicas` replicas to hold this client's writes to `key`'s node. */
  readonly replicated: (operation: string, key: string) => Promise<void>
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Tells every slot but `except` that units may have come back (bumps its wakes, ends its dry
 * mark), after a release or a borrow that left units over. A slot that misses the wake (Redis
 * failed) is logged, not thrown: the unit is already back, and that slot answers sold_out at most
 * until its dry mark runs out (`slotSoldOutMs`).
 */
export async function wakeSlots(sale: SlottedSale, except: number): Promise<void> {
  const outcomes = await Promise.allSettled(
    sale.keys.map((k, slot) =>
      slot === except ? Promise.resolve(0) : sale.commands.soukFlashSaleWake(k.sale),
    ),
  )
  outcomes.forEach((outcome, slot) => {
    if (outcome.status === 'rejected') {
      sale.logger.warn(
        'souk flash sale: could not wake a slot; it may answer sold_out until its dry mark ends',
        {
          saleId: sale.saleId,
          slot,
          error: describe(outcome.reason),
        },
      )
    }
  })
}

/**
 * The customer's home slot answered `{'empty', wakes, borrowed:0..n-1}`: asks the other slots in
 * ring order (home + 1, home + 2, ...) to lend, and credits what one lends to the home slot in the
 * same script that admits the customer there, so the customer's limit is still checked in one
 * place. A donor is asked again while it has units and other buyers of the home slot keep taking
 * the credited ones, up to `2 * slots + 2` lends in all. When every other slot has nothing to lend
 * (and nothing lent to the home slot is left uncredited), the home slot is marked dry until
 * `dryUntil`, so its next buyers hear sold_out from it alone, and the answer is sold_out.
 * Returns the admit script's reply (or a lend's `{'slots', n}` / `{'missing'}`).
 */
export async function borrowAndAdmit(
  sale: SlottedSale,
  home: number,
  empty: readonly unknown[],
  admitWithCredit: (donor: number, lentTotal: number) => Promise<unknown[]>,
  dryUntil: number,
): Promise<unknown[]> {
  const { commands, slots, keys } = sale
  let wakes = String(empty[1])
  let borrowed = empty.slice(2).map(Number)
  const maxSteps = 2 * slots + 2
  let steps = 0
  for (let i = 1; i < slots; i++) {
    const donor = (home + i) % slots
    const donorKey = keys[donor]!.sale
    while (steps < maxSteps) {
      steps++
      const lent = await withRedisErrors('flash sale lend', () =>
        commands.soukFlashSaleLend(donorKey, slots, home),
      )
      if (lent[0] !== 'lent') return lent
      const total = Number(lent[2])
      if (total <= (borrowed[donor] ?? 0)) {
        // Only after a failover that lost the donor's writes: units it moved out now are ones
        // the home slot already counted, so they are lost to the gate (never admitted twice).
        if (Number(lent[1]) > 0) {
          sale.logger.warn('souk flash sale: a slot lent units its borrower had counted already', {
            saleId: sale.saleId,
            donor,
            home,
            units: Number(lent[1]),
          })
        }
        break
      }
      // A lend that a failover could undo would let its units be sold twice: make it durable first.
      // If that fails, the units stay lent and uncounted until this slot's next borrower credits them.
      if (Number(lent[1]) > 0) await sale.replicated('flash sale lend', donorKey)
      const reply = await admitWithCredit(donor, total)
      if (reply[0] !== 'empty') {
        if (reply[0] === 'admitted' && Number(reply[2]) > 0) await wakeSlots(sale, home)
        return reply
      }
      // Other buyers of the home slot took what was credited: ask the same donor again.
      wakes = String(reply[1])
      borrowed = reply.slice(2).map(Number)
    }
  }
  if (steps < maxSteps) {
    try {
      await commands.soukFlashSaleMarkDry(keys[home]!.sale, slots, wakes, dryUntil)
    } catch (error) {
      // The answer stands; without the mark, the slot's next buyer searches again.
      sale.logger.warn('souk flash sale: could not mark a sold-out slot', {
        saleId: sale.saleId,
        slot: home,
        error: describe(error),
      })
    }
  }
  return ['sold_out']
}
