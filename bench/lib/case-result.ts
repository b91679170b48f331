import { loadavg } from 'node:os'
import type { CaseResult } from './benchmark.js'
import { summarizeLatencies } from './percentile.js'
import type { Ceiling } from './stock-ceilings.js'

const NO_CEILING: Ceiling = { tps: null, source: 'none' }

/** A finished case as the results table wants it, with the load average taken now. */
export function caseResult(
  name: string,
  callers: number,
  run: { readonly ops: number; readonly seconds: number; readonly latenciesMs: readonly number[] },
  ceiling: Ceiling = NO_CEILING,
): CaseResult {
  const opsPerSecond = run.ops / run.seconds
  return {
    name,
    callers,
    ops: run.ops,
    seconds: run.seconds,
    opsPerSecond,
    latencyMs: summarizeLatencies(run.latenciesMs),
    ceilingTps: ceiling.tps,
    ceilingSource: ceiling.source,
    ratio: ceiling.tps === null ? null : opsPerSecond / ceiling.tps,
    loadAverage: loadavg()[0] ?? Number.NaN,
  }
}

/** One console line per finished case, like the inventory benchmark prints. */
export function describeCase(result: CaseResult): string {
  const count = (n: number) => Math.round(n).toLocaleString('en-US')
  return (
    `${result.name} ×${result.callers}: ${count(result.opsPerSecond)} ops/s, ` +
    `p50 ${result.latencyMs.p50.toFixed(2)} ms, p95 ${result.latencyMs.p95.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms` +
    (result.ratio === null ? '' : `, ${result.ratio.toFixed(2)}× of ${count(result.ceilingTps ?? 0)} tps`)
  )
}

/** Runs `work` with at most `concurrency` in flight over `items`, timing each; for fixed-size workloads. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, worker: number) => Promise<void>,
  onDone?: (done: number) => void,
): Promise<{ ops: number; seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = []
  let next = 0
  const startedAt = performance.now()
  const worker = async (id: number) => {
    while (next < items.length) {
      const item = items[next++]!
      const began = performance.now()
      await work(item, id)
      latenciesMs.push(performance.now() - began)
      onDone?.(latenciesMs.length)
    }
  }
  const outcomes = await Promise.allSettled(Array.from({ length: concurrency }, (_, i) => worker(i)))
  const failure = outcomes.find((o) => o.status === 'rejected')
  if (failure) throw failure.reason
  return { ops: latenciesMs.length, seconds: (performance.now() - startedAt) / 1000, latenciesMs }
}
