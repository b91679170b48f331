import type { BenchSettings } from './bench-settings.js'
import type { LatencySummary } from './percentile.js'
import type { ProgressLine } from './progress-line.js'

/** What `run.ts` hands every benchmark. */
export interface BenchmarkContext {
  /** The run's own database, migrated to Souk's latest schema. */
  readonly databaseUrl: string
  readonly settings: BenchSettings
  /** pgbench's path, or null when it is not on PATH. */
  readonly pgbench: string | null
  readonly progress: ProgressLine
  /** Aborted on Ctrl-C; pass it to child processes. */
  readonly signal: AbortSignal
  /** Prints a finished case or a remark while the benchmark runs. */
  log(line: string): void
}

/** One measured case: callers looping one operation for a fixed time. */
export interface CaseResult {
  readonly name: string
  readonly callers: number
  readonly ops: number
  readonly seconds: number
  readonly opsPerSecond: number
  readonly latencyMs: LatencySummary
  /** Transactions per second of the same shape in bare SQL; null when unknown. */
  readonly ceilingTps: number | null
  readonly ceilingSource: 'pgbench' | 'redis-benchmark' | 'STACK.md' | 'none'
  /** `opsPerSecond / ceilingTps`. */
  readonly ratio: number | null
  /** 1-minute load average when the case ended: other work on the machine skews the numbers. */
  readonly loadAverage: number
}

/** A correctness check run alongside the measurements; a failed one fails the run. */
export interface CheckResult {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

export interface BenchmarkReport {
  readonly cases: readonly CaseResult[]
  readonly checks: readonly CheckResult[]
  /** Lines printed above the table: setup, how the ceilings were obtained. */
  readonly notes: readonly string[]
}

/** A named benchmark `bench/run.ts <name>` can run. */
export interface Benchmark {
  /** CLI name; results go to `bench/results/latest-<name>.json`. */
  readonly name: string
  readonly title: string
  run(context: BenchmarkContext): Promise<BenchmarkReport>
}
