import { cpus, loadavg } from 'node:os'
import { type FlashSaleKeys, type FlashSales, redisFlashSales } from '@souk/adapters-redis'
import { isCommerceError } from '@souk/core'
import { startRedisCluster } from '@souk/test-harness'
import type { Cluster } from 'ioredis'
import { BenchError } from './lib/bench-error.js'
import { benchKeyPrefix } from './lib/bench-redis.js'
import type { Benchmark, BenchmarkContext, CaseResult, CheckResult } from './lib/benchmark.js'
import { caseResult, describeCase } from './lib/case-result.js'
import { captureScriptCall, keyOn, masterOf, scriptDelta, scriptStats } from './lib/cluster-nodes.js'
import {
  type LoadProcess,
  runLoad,
  startLoadProcess,
  stopLoadProcesses,
} from './lib/flash-sale-cluster-load.js'
import {
  CLUSTER_CHECK_AND_DECREMENT_LUA,
  REDIS_BENCHMARK_CLIENTS,
  REDIS_BENCHMARK_REQUESTS,
  type RedisBenchmarkRow,
  redisBenchmark,
} from './lib/redis-benchmark.js'
import type { Ceiling } from './lib/stock-ceilings.js'

/** Slots of the split sales: one per master of the harness's cluster. */
const SLOTS = 3
/** Concurrent `admit` callers in each load process. */
const CALLERS = 64
/** Units of the admissions sales: never sold out in a case. */
const THROUGHPUT_QUANTITY = 1_000_000_000
/** Units of the sold-out sales (SPEC.md's drop: 100 items). */
const DROP_QUANTITY = 100
/** STACK.md: redis-benchmark's Lua check-and-decrement on one idle node, 50 clients. */
const STACK_NODE_LUA = 156_000
/** The request rate SPEC.md sets for one drop. */
const TARGET = 1_000_000

const count = (n: number) => Math.round(n).toLocaleString('en-US')
const plural = (slots: number) => `${slots} slot${slots > 1 ? 's' : ''}`
const usec = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(1))

/** Load processes: BENCH_FLASH_WORKERS, default 2. */
function loadProcessCount(): number {
  const raw = process.env.BENCH_FLASH_WORKERS
  if (raw === undefined || raw.trim() === '') return 2
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 32) {
    throw new BenchError(`BENCH_FLASH_WORKERS must be a whole number from 1 to 32; got "${raw}"`)
  }
  return value
}

const keyList = (k: FlashSaleKeys) => [k.sale, k.customers, k.tickets, k.claims, k.holders]

/** `redis-benchmark` arguments replaying a captured gate call with a random customer id each time. */
function replayArgs(port: number, captured: readonly string[], keys: readonly string[]): string[] {
  // evalsha <sha> 5 <5 keys> <slots> <now> <customer> <ticket>
  const args = [...captured]
  args.splice(3, keys.length, ...keys)
  args[10] = 'bench-__rand_int__'
  return ['-h', '127.0.0.1', '-p', String(port), '-r', '1000000000', ...args]
}

/** A table row for redis-benchmark runs (several at once: their rates summed). */
function replayCase(name: string, rows: readonly RedisBenchmarkRow[], ceiling: Ceiling): CaseResult {
  const rps = rows.reduce((sum, r) => sum + r.rps, 0)
  const worst = (pick: (r: RedisBenchmarkRow) => number) => Math.max(...rows.map(pick))
  return {
    name,
    callers: rows.length * REDIS_BENCHMARK_CLIENTS,
    ops: rows.length * REDIS_BENCHMARK_REQUESTS,
    seconds: (rows.length * REDIS_BENCHMARK_REQUESTS) / rps,
    opsPerSecond: rps,
    latencyMs: {
      p50: worst((r) => r.p50),
      p95: worst((r) => r.p95),
      p99: worst((r) => r.p99),
      max: worst((r) => r.max),
    },
    ceilingTps: ceiling.tps,
    ceilingSource: ceiling.source,
    ratio: ceiling.tps === null ? null : rps / ceiling.tps,
    loadAverage: loadavg()[0] ?? Number.NaN,
  }
}

interface Ceilings {
  readonly set: number
  readonly get: number
  /** The Lua check-and-decrement on the one-slot sales' master alone. */
  readonly node: Ceiling
  /** The same on one key per master at once (`--cluster`). */
  readonly cluster: Ceiling
  /** Server µs per call of the check-and-decrement on that master. */
  readonly usecPerCall: number
}

/** redis-benchmark on the cluster: SET/GET, and the Lua check-and-decrement on all masters and on one. */
async function measureCeilings(
  context: BenchmarkContext,
  redis: Cluster,
  seedPort: number,
  soloMaster: number,
): Promise<Ceilings> {
  const { progress, signal } = context
  const rb = `redis-benchmark -n ${count(REDIS_BENCHMARK_REQUESTS)} -c ${REDIS_BENCHMARK_CLIENTS} --csv`
  const cluster = ['--cluster', '-h', '127.0.0.1', '-p', String(seedPort)]
  progress.update(`flash-sale-cluster · ${rb} --cluster -t set,get`)
  const setGet = await redisBenchmark([...cluster, '-t', 'set,get'], { signal })
  progress.update(`flash-sale-cluster · ${rb} --cluster eval <check-and-decrement> 1 souk-ceiling:{tag}`)
  const all = await redisBenchmark(
    [...cluster, 'eval', CLUSTER_CHECK_AND_DECREMENT_LUA, '1', 'souk-ceiling:{tag}'],
    {
      signal,
    },
  )
  const key = await keyOn(redis, soloMaster)
  progress.update(`flash-sale-cluster · ${rb} -p ${soloMaster} eval <check-and-decrement> 1 ${key}`)
  const before = await scriptStats([soloMaster])
  const one = await redisBenchmark(
    ['-h', '127.0.0.1', '-p', String(soloMaster), 'eval', CLUSTER_CHECK_AND_DECREMENT_LUA, '1', key],
    { signal },
  )
  const usecPerCall = scriptDelta(before, await scriptStats([soloMaster])).usecPerCall
  progress.clear()
  const ceiling = (rows: Map<string, RedisBenchmarkRow>): Ceiling => ({
    tps: rows.get('EVAL')?.rps ?? null,
    source: 'redis-benchmark',
  })
  return {
    set: setGet.get('SET')?.rps ?? Number.NaN,
    get: setGet.get('GET')?.rps ?? Number.NaN,
    node: ceiling(one),
    cluster: ceiling(all),
    usecPerCall,
  }
}

/** Admits `early-0`, `early-1`, ... until the sale is sold out; returns how many got in. */
async function sellOut(sales: FlashSales, saleId: string): Promise<number> {
  let admitted = 0
  for (let i = 0; i <= DROP_QUANTITY; i++) {
    try {
      await sales.admit({ saleId, customerId: `early-${i}` })
      admitted++
    } catch (error) {
      if (!isCommerceError(error, 'flash_sale.sold_out')) throw error
      break
    }
  }
  return admitted
}

export const flashSaleCluster: Benchmark = {
  name: 'flash-sale-cluster',
  title: `Flash-sale gate on a real Redis Cluster: 1 slot vs ${SLOTS} slots, against redis-benchmark`,
  async run(context) {
    const { settings, progress, signal } = context
    const loadAtStart = loadavg()
    progress.update('flash-sale-cluster · starting a Redis Cluster (3 masters, 3 replicas) on loopback ports')
    const cluster = await startRedisCluster()
    const redis = cluster.client()
    const loads: LoadProcess[] = []
    try {
      const masters = (await cluster.masters()).map((m) => m.port)
      const prefix = benchKeyPrefix()
      const sales = redisFlashSales({ redis, prefix })
      const endsAt = new Date(Date.now() + 3_600_000)
      for (const slots of [1, SLOTS]) {
        await sales.createSale({
          saleId: `adm-${slots}`,
          sku: `fs-c${slots}`,
          quantity: THROUGHPUT_QUANTITY,
          slots,
          endsAt,
        })
        await sales.createSale({
          saleId: `drop-${slots}`,
          sku: `fs-d${slots}`,
          quantity: DROP_QUANTITY,
          slots,
          endsAt,
        })
      }
      // The one-slot sale's slot lives on one master: that master's own Lua ceiling is its ceiling.
      const soloMaster = await masterOf(redis, sales.keysOf({ saleId: 'adm-1' }).sale)
      context.log(
        `Redis Cluster up: masters on ports ${masters.join(', ')}, one replica each; ${cpus().length} CPUs, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
      )
      const ceilings = await measureCeilings(context, redis, masters[0]!, soloMaster)
      context.log(
        `redis-benchmark on the cluster: SET ${count(ceilings.set)}/s, GET ${count(ceilings.get)}/s, Lua check-and-decrement ${count(ceilings.cluster.tps ?? 0)}/s over ${masters.length} masters; on master ${soloMaster} alone ${count(ceilings.node.tps ?? 0)}/s`,
      )

      progress.update(`flash-sale-cluster · starting ${loadProcessCount()} load processes`)
      for (let worker = 0; worker < loadProcessCount(); worker++) {
        loads.push(await startLoadProcess({ worker, nodes: cluster.nodes, prefix }))
      }
      const cases: CaseResult[] = []
      const checks: CheckResult[] = []
      /** Server µs per script by case, from INFO commandstats. */
      const serverUsec: Record<string, number> = {}
      /** Scripts the masters ran per `admit` called, by case. */
      const scriptsPerCall: Record<string, number> = {}
      /** One case: every load process loops `admit` on the sale; what the masters ran, too. */
      const measure = async (
        name: string,
        saleId: string,
        expect: 'admitted' | 'sold_out',
        slots: number,
      ) => {
        const before = await scriptStats(masters)
        const run = await runLoad(context, loads, name, {
          type: 'run',
          saleId,
          expect,
          callers: CALLERS,
          seconds: settings.seconds,
          warmupSeconds: settings.warmupSeconds,
        })
        const ran = scriptDelta(before, await scriptStats(masters))
        serverUsec[`${expect}-${slots}`] = ran.usecPerCall
        scriptsPerCall[`${expect}-${slots}`] = ran.total / run.calls
        const result = caseResult(
          `${name}, ${plural(slots)}`,
          CALLERS * loads.length,
          run,
          slots > 1 ? ceilings.cluster : ceilings.node,
        )
        cases.push(result)
        context.log(describeCase(result))
        return { run, ran, stats: await sales.stats({ saleId }) }
      }

      // Admissions: distinct customers on a sale that never sells out (every call writes).
      let spread: number[] = []
      for (const slots of [1, SLOTS]) {
        const { run, ran, stats } = await measure('`admit` admissions', `adm-${slots}`, 'admitted', slots)
        if (slots > 1) spread = ran.calls.map((calls) => calls / ran.total)
        checks.push({
          name: `no unit lost, admissions on ${plural(slots)}`,
          ok:
            stats.remaining + stats.held === stats.quantity &&
            stats.inTransit === 0 &&
            stats.admitted >= run.ops,
          detail: `${count(stats.admitted)} admitted (${count(run.ops)} in the measured window), remaining ${count(stats.remaining)} + held ${count(stats.held)} = ${count(stats.remaining + stats.held)} of ${count(stats.quantity)}, in transit ${stats.inTransit}`,
        })
      }
      const shares = spread.map((s) => `${(100 * s).toFixed(1)}%`).join(', ')
      checks.push({
        name: `a ${SLOTS}-slot sale's admissions ran on every master`,
        ok: spread.length === masters.length && spread.every((share) => share > 0.2),
        detail: `share of the scripts per master: ${shares}`,
      })

      // Sold-out answers: a drop of 100 sold out first, then every call is refused: a flash
      // sale's steady state (at 1M requests/s for 100 items, nearly every request is one of these).
      for (const slots of [1, SLOTS]) {
        const saleId = `drop-${slots}`
        const admitted = await sellOut(sales, saleId)
        const { run, stats } = await measure(
          `\`admit\` sold-out answers, drop of ${DROP_QUANTITY}`,
          saleId,
          'sold_out',
          slots,
        )
        checks.push({
          name: `exactly ${DROP_QUANTITY} admitted, drop on ${plural(slots)}`,
          ok: admitted === DROP_QUANTITY && stats.admitted === DROP_QUANTITY && stats.remaining === 0,
          detail: `${admitted} admitted before the sell-out, then ${count(run.ops)} refusals in the window; stats: admitted ${stats.admitted}, remaining ${stats.remaining}`,
        })
      }
      // A sold-out slot answers alone (it is marked dry); the others are asked about once a second.
      const perRefusal = scriptsPerCall[`sold_out-${SLOTS}`] ?? Number.NaN
      checks.push({
        name: `a sold-out ${SLOTS}-slot drop costs about one script per refusal`,
        ok: perRefusal <= 1.2,
        detail: `${perRefusal.toFixed(3)} scripts per \`admit\` (1 slot: ${(scriptsPerCall['sold_out-1'] ?? Number.NaN).toFixed(3)})`,
      })

      // The gate's own script, replayed by redis-benchmark (a C client, 50 connections a master),
      // so that the masters, not the Node load processes, run out: what one master can serve.
      // One `admit` of a one-slot sale, seen by its master, gives the script's SHA and arguments;
      // for a sale with slots, each slot's keys and the slot count go in their place.
      const capture = async (saleId: string) => {
        const key = sales.keysOf({ saleId }).sale
        return captureScriptCall(await masterOf(redis, key), key, () =>
          sales.admit({ saleId, customerId: `replay-${saleId}` }),
        )
      }
      const replay = async (label: string, saleId: string, slots: number, captured: readonly string[]) => {
        progress.update(
          `flash-sale-cluster · redis-benchmark replaying the gate's ${label} on ${plural(slots)}`,
        )
        const args = [...captured]
        args[8] = String(slots)
        if (slots > 1) {
          // Refusals of a sale with slots come from slots marked dry (else the caller searches the
          // others first): refuse a few buyers so every slot is marked, and replay at that instant.
          const markedAt = Date.now()
          for (let i = 0; i < 10 * slots; i++)
            await sales.admit({ saleId, customerId: `dry-${i}` }).catch(() => 0)
          args[9] = String(markedAt)
        }
        return Promise.all(
          sales.slotKeysOf({ saleId, slots }).map(async (k) => {
            const port = await masterOf(redis, k.sale)
            const rows = await redisBenchmark(replayArgs(port, args, keyList(k)), { signal })
            const row = rows.get('EVALSHA')
            if (!row) throw new BenchError(`redis-benchmark reported no EVALSHA figure for ${label}`)
            return row
          }),
        )
      }
      const admitReplay = await replay('admission', 'adm-1', 1, await capture('adm-1'))
      const soldOutCall = await capture('drop-1')
      const soldOutReplay = await replay('sold-out answer', 'drop-1', 1, soldOutCall)
      const slotsReplay = await replay('sold-out answer', `drop-${SLOTS}`, SLOTS, soldOutCall)
      progress.clear()
      cases.push(
        replayCase('redis-benchmark replaying the gate: admission, 1 slot', admitReplay, ceilings.node),
        replayCase(
          'redis-benchmark replaying the gate: sold-out answer, 1 slot',
          soldOutReplay,
          ceilings.node,
        ),
        replayCase(
          `redis-benchmark replaying the gate: sold-out answer, ${SLOTS} slots at once`,
          slotsReplay,
          ceilings.cluster,
        ),
      )
      for (const c of cases.slice(-3)) context.log(describeCase(c))

      const [adm1, admN, out1, outN, , soldOut, spreadOut] = cases as CaseResult[] as [
        CaseResult,
        CaseResult,
        CaseResult,
        CaseResult,
        CaseResult,
        CaseResult,
        CaseResult,
      ]
      const m = masters.length
      const nodes = (rate: number) => Math.ceil(TARGET / rate)
      const soldOutRps = soldOut.opsPerSecond
      const nodeLuaRps = ceilings.node.tps ?? Number.NaN
      const idle = soldOutRps * (STACK_NODE_LUA / nodeLuaRps)
      const perProcess = outN.opsPerSecond / loads.length
      const arithmetic = [
        `Per master, from the gate's own sold-out script replayed by redis-benchmark on one master here: ${count(soldOutRps)}/s → ${count(TARGET)} / ${count(soldOutRps)} = ${(TARGET / soldOutRps).toFixed(1)} → **${nodes(soldOutRps)} masters** (plus a replica each) on cores as busy as these (load ${(loadavg()[0] ?? 0).toFixed(1)}).`,
        `On idle cores: the same master ran redis-benchmark's check-and-decrement at ${count(nodeLuaRps)}/s here against STACK.md's ${count(STACK_NODE_LUA)}/s on an idle core; scaled alike, ${count(soldOutRps)} × ${count(STACK_NODE_LUA)} / ${count(nodeLuaRps)} = ${count(idle)} sold-out answers/s per master → ${count(TARGET)} / ${count(idle)} = ${(TARGET / idle).toFixed(1)} → **${nodes(idle)} masters**, ${2 * nodes(idle)} nodes with their replicas (an estimate: re-run on an idle machine to measure it).`,
        `Through Souk's Node client as measured here: ${count(outN.opsPerSecond)} sold-out answers/s from ${loads.length} load processes = ${count(perProcess)} per process → ${nodes(perProcess)} app processes for ${count(TARGET)}/s (here the load processes ran out of CPU before the masters did).`,
      ]
      for (const line of arithmetic) context.log(line)
      return {
        cases,
        checks,
        notes: [
          `A real Redis Cluster on loopback (\`startRedisCluster\` from the test harness: 6 \`redis-server --cluster-enabled yes\`, 3 masters with 1 replica each, \`cluster-node-timeout\` 1000 ms), started by the benchmark and stopped after it. ${cpus().length} CPUs; load average when it started: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (per case in the table). Other work on the same cores lowers every figure; compare the ratios.`,
          `\`admit\` rows: ${loads.length} Node processes (BENCH_FLASH_WORKERS), each an ioredis \`Cluster\` client with a \`redisFlashSales\` gate and ${CALLERS} concurrent callers looping \`admit\` with distinct customer ids, ${settings.warmupSeconds} s warm-up then ${settings.seconds} s measured.`,
          `Ceilings measured live on the same cluster with \`redis-benchmark -n ${REDIS_BENCHMARK_REQUESTS} -c ${REDIS_BENCHMARK_CLIENTS} --csv\`: \`--cluster -t set,get\`: SET ${count(ceilings.set)}/s, GET ${count(ceilings.get)}/s; \`--cluster eval "<check-and-decrement>" 1 souk-ceiling:{tag}\` (one key per master): ${count(ceilings.cluster.tps ?? 0)}/s, the ceiling of the ${SLOTS}-slot rows; the same script on the one-slot sales' master (port ${soloMaster}) alone: ${count(nodeLuaRps)}/s, the ceiling of the 1-slot rows. The script: \`${CLUSTER_CHECK_AND_DECREMENT_LUA}\`.`,
          `1 slot → ${SLOTS} slots: admissions ×${(admN.opsPerSecond / adm1.opsPerSecond).toFixed(2)} (${count(adm1.opsPerSecond)} → ${count(admN.opsPerSecond)}/s), sold-out answers ×${(outN.opsPerSecond / out1.opsPerSecond).toFixed(2)} (${count(out1.opsPerSecond)} → ${count(outN.opsPerSecond)}/s); redis-benchmark's Lua, 1 master → ${m} masters: ×${((ceilings.cluster.tps ?? 0) / nodeLuaRps).toFixed(2)}. Share of the ${SLOTS}-slot sale's scripts per master: ${shares}.`,
          `Replay rows: MONITOR captured one EVALSHA of \`admit\`, and redis-benchmark resent it with a random customer id each time, ${REDIS_BENCHMARK_CLIENTS} clients per master (for ${SLOTS} slots, one redis-benchmark per slot's master at once: ${slotsReplay.map((r) => count(r.rps)).join(' + ')} = ${count(spreadOut.opsPerSecond)}/s, ×${(spreadOut.opsPerSecond / soldOutRps).toFixed(2)} of one master).`,
          `Server time per script (INFO commandstats, µs per call; wall time, so inflated when the cores are busy): admission ${usec(serverUsec['admitted-1'])} (1 slot) / ${usec(serverUsec[`admitted-${SLOTS}`])} (${SLOTS} slots), sold-out answer ${usec(serverUsec['sold_out-1'])} / ${usec(serverUsec[`sold_out-${SLOTS}`])}, redis-benchmark's check-and-decrement ${usec(ceilings.usecPerCall)}.`,
          `Nodes for ${count(TARGET)} requests/s on one drop (after the first units sell, each request is one sold-out answer on its home slot's master):`,
          ...arithmetic.map((line) => `- ${line}`),
          `Redis keys under a random prefix (${prefix}) on a cluster that is deleted afterwards.`,
        ],
      }
    } finally {
      progress.clear()
      stopLoadProcesses(loads)
      redis.disconnect()
      await cluster.stop()
    }
  },
}
