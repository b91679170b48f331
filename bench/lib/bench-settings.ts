import { BenchError } from './bench-error.js'

/** What every benchmark reads from the environment. */
export interface BenchSettings {
  /** Server to create the run's database on: BENCH_DATABASE_URL, else DATABASE_URL, else local. */
  readonly adminUrl: string
  /** Measured seconds per case: BENCH_SECONDS, default 5. */
  readonly seconds: number
  /** Unmeasured seconds before each case: BENCH_WARMUP_SECONDS, default 1. */
  readonly warmupSeconds: number
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

function seconds(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) {
    throw new BenchError(`${name} must be a number of seconds, at least ${min}; got "${raw}"`)
  }
  return value
}

export function readBenchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  return {
    adminUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || DEFAULT_ADMIN_URL,
    seconds: seconds('BENCH_SECONDS', 5, 0.5),
    warmupSeconds: seconds('BENCH_WARMUP_SECONDS', 1, 0),
  }
}
