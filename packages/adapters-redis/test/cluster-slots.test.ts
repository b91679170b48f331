import { randomInt } from 'node:crypto'
import { redisCache, redisFlashSales } from '@souk/adapters-redis'
import { createManualClock, silentLogger } from '@souk/core'
import calculateSlot from 'cluster-key-slot'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisFixture, redisFixture } from './support.js'

let fixture: RedisFixture
let redis: Redis
beforeAll(() => {
  fixture = redisFixture()
  redis = fixture.client()
})
afterAll(() => fixture.close())

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'
const randomId = () =>
  Array.from({ length: randomInt(1, 101) }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('')

interface MonitorLine {
  readonly args: string[]
  readonly source: string
}

interface ScriptCall {
  /** The KEYS the EVAL/EVALSHA line named. */
  readonly declared: string[]
  /** Each command the script's Lua ran, as MONITOR printed it. */
  readonly inner: string[][]
}

/** Groups what MONITOR saw into script calls: an EVAL/EVALSHA line, then the commands its Lua ran. */
function scriptCalls(lines: readonly MonitorLine[], prefix: string): ScriptCall[] {
  const calls: ScriptCall[] = []
  let current: ScriptCall | undefined
  for (const line of lines) {
    const command = line.args[0]?.toLowerCase()
    if (line.source === 'lua') {
      current?.inner.push(line.args)
      continue
    }
    current = undefined
    if (command !== 'eval' && command !== 'evalsha') continue
    const declared = line.args.slice(3, 3 + Number(line.args[2]))
    if (!declared.some((key) => key.startsWith(`${prefix}:`))) continue
    current = { declared, inner: [] }
    calls.push(current)
  }
  return calls
}

describe('Redis Cluster safety', () => {
  it('every key of a sale hashes to the slot of its {sale:<id>} tag, for any valid id and prefix', () => {
    const ids = ['a', '-', '_', 'drop-1', 'x'.repeat(100), ...Array.from({ length: 500 }, randomId)]
    for (const prefix of ['souk', 'a', 'shop:eu-west.1', 'T-1_2']) {
      const sales = redisFlashSales({ redis, prefix })
      for (const id of ids) {
        const keys = sales.keysOf({ saleId: id })
        const slot = calculateSlot(`sale:${id}`)
        expect([calculateSlot(keys.sale), calculateSlot(keys.customers)], `${prefix} ${id}`).toEqual([
          slot,
          slot,
        ])
      }
    }
  })

  it('sales spread over slots rather than piling onto one node', () => {
    const sales = redisFlashSales({ redis, prefix: 'souk' })
    const slots = new Set(
      Array.from({ length: 200 }, (_, i) => calculateSlot(sales.keysOf({ saleId: `sale-${i}` }).sale)),
    )
    expect(slots.size).toBeGreaterThan(150)
  })

  it('every key a script touches, declared or used inside Lua, lies in one slot (seen by MONITOR)', async () => {
    const prefix = fixture.prefix()
    const clock = createManualClock(new Date('2030-01-01T00:00:00Z'))
    const sales = redisFlashSales({ redis, prefix, clock })
    const cache = redisCache({ redis, prefix, logger: silentLogger })
    const monitor = await fixture.client().monitor()
    const lines: MonitorLine[] = []
    const marker = `${prefix}:done`
    const seenMarker = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        lines.push({ args, source })
        if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve()
      })
    })

    await sales.createSale({
      saleId: 'slot-check',
      sku: 'SKU-1',
      quantity: 1,
      endsAt: new Date('2030-01-02'),
    })
    await sales.admit({ saleId: 'slot-check', customerId: 'a' })
    await sales.admit({ saleId: 'slot-check', customerId: 'a' }).catch(() => undefined)
    await sales.admit({ saleId: 'slot-check', customerId: 'b' }).catch(() => undefined)
    await sales.release({ saleId: 'slot-check', customerId: 'a' })
    await sales.release({ saleId: 'slot-check', customerId: 'a' })
    await cache.increment('version:products')
    await cache.increment('version:products')
    await redis.echo(marker)
    await seenMarker
    monitor.disconnect()

    const calls = scriptCalls(lines, prefix)
    // create, 3 admits, 2 releases, 2 increments (a NOSCRIPT retry may add an EVAL that runs no Lua).
    expect(calls.filter((c) => c.inner.length > 0).length).toBeGreaterThanOrEqual(8)
    const keysOf = new Map<string, string[]>()
    for (const call of calls) {
      const touched: string[] = []
      // Ask Redis which arguments of each inner command are keys (TIME has none).
      for (const args of call.inner) {
        const signature = JSON.stringify(args)
        if (!keysOf.has(signature)) keysOf.set(signature, await commandKeys(args))
        touched.push(...keysOf.get(signature)!)
      }
      const slots = new Set([...call.declared, ...touched].map((key) => calculateSlot(key)))
      expect(slots.size, `one slot for ${JSON.stringify(call)}`).toBe(1)
      for (const key of touched) expect(call.declared, 'Lua touches only keys it declares').toContain(key)
    }
  })
})

async function commandKeys(args: readonly string[]): Promise<string[]> {
  try {
    return (await redis.call('COMMAND', 'GETKEYS', ...args)) as string[]
  } catch {
    return []
  }
}
