/**
 * One load process of the flash-sale cluster benchmark (a child of bench/run.ts, forked with its
 * `--import tsx --conditions=@souk/source`): an ioredis `Cluster` and a `redisFlashSales` gate, as
 * in one app process, looping `admit` with `callers` concurrent callers for each job the parent
 * sends. Several of these stand in for several app servers, so the client side is not one Node
 * thread.
 */
import { redisFlashSales } from '@souk/adapters-redis'
import { isCommerceError } from '@souk/core'
import { Cluster } from 'ioredis'
import { runTimed } from './timed-run.js'

/** What the parent asks for. */
export type WorkerRequest =
  | {
      readonly type: 'run'
      readonly saleId: string
      /** `admitted`: every call must admit (distinct customers); `sold_out`: every call must be refused. */
      readonly expect: 'admitted' | 'sold_out'
      readonly callers: number
      readonly seconds: number
      readonly warmupSeconds: number
    }
  | { readonly type: 'exit' }

/** What a worker reports. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'status'; readonly phase: string; readonly elapsedSeconds: number; readonly ops: number }
  | {
      readonly type: 'done'
      readonly ops: number
      /** Every `admit` this job called, warm-up included. */
      readonly calls: number
      readonly seconds: number
      readonly latenciesMs: number[]
    }
  | { readonly type: 'failed'; readonly error: string }

/** What the parent passes on the command line, as JSON. */
export interface WorkerConfig {
  readonly worker: number
  readonly nodes: readonly { host: string; port: number }[]
  readonly prefix: string
}

const send = (reply: WorkerReply) => process.send?.(reply)

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig
  const redis = new Cluster([...config.nodes], { scaleReads: 'master' })
  const sales = redisFlashSales({ redis, prefix: config.prefix })
  let customer = 0
  await redis.ping()
  send({ type: 'ready' })
  process.on('message', (request: WorkerRequest) => {
    if (request.type === 'exit') {
      redis.disconnect()
      process.exit(0)
    }
    const { saleId, expect } = request
    const first = customer
    runTimed({
      callers: request.callers,
      seconds: request.seconds,
      warmupSeconds: request.warmupSeconds,
      async op() {
        const customerId = `w${config.worker}-${customer++}`
        try {
          await sales.admit({ saleId, customerId })
          if (expect === 'sold_out') throw new Error(`admitted ${customerId} to a sold-out sale`)
        } catch (error) {
          if (expect === 'admitted' || !isCommerceError(error, 'flash_sale.sold_out')) throw error
        }
      },
      onStatus: (status) => send({ type: 'status', ...status }),
    }).then(
      (run) =>
        send({
          type: 'done',
          ops: run.ops,
          calls: customer - first,
          seconds: run.seconds,
          latenciesMs: [...run.latenciesMs],
        }),
      (error: unknown) =>
        send({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
    )
  })
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? error.message : String(error) })
  process.exit(1)
})
