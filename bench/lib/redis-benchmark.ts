/**
 * Running `redis-benchmark` (Debian's redis-tools) from the benchmarks: the live Redis ceilings
 * (bench-redis.ts, flash-sale-cluster.ts) and replays of Souk's own scripts.
 */
import { spawn } from 'node:child_process'
import { BenchError } from './bench-error.js'

/**
 * The redis engineer's check-and-decrement for a Cluster run: a missing key counts as 1e9 units, so
 * `redis-benchmark --cluster` can run it on keys it names itself (`{tag}`, one per master) without
 * a SET first. Every call reads and writes, as a gate admission does, minus its bookkeeping.
 */
export const CLUSTER_CHECK_AND_DECREMENT_LUA =
  "local r = tonumber(redis.call('GET', KEYS[1]) or '1000000000') if r <= 0 then return -1 end redis.call('SET', KEYS[1], r - 1) return r - 1"

/** Requests per redis-benchmark run. */
export const REDIS_BENCHMARK_REQUESTS = 200_000
/** Clients per redis-benchmark run (spread over the masters in `--cluster` mode). */
export const REDIS_BENCHMARK_CLIENTS = 50

/** One redis-benchmark result line: requests per second and latencies in ms. */
export interface RedisBenchmarkRow {
  readonly rps: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/**
 * Runs redis-benchmark with `--csv` (plus `-n` and `-c`) and returns its result rows by test name
 * (the command's first word, upper-cased).
 */
export async function redisBenchmark(
  args: readonly string[],
  options: { readonly signal: AbortSignal; readonly binary?: string },
): Promise<Map<string, RedisBenchmarkRow>> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      options.binary ?? 'redis-benchmark',
      ['--csv', '-n', String(REDIS_BENCHMARK_REQUESTS), '-c', String(REDIS_BENCHMARK_CLIENTS), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal },
    )
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk
    })
    child.on('error', (error) =>
      reject(
        new BenchError(`cannot run redis-benchmark (Debian: apt-get install redis-tools): ${error.message}`),
      ),
    )
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new BenchError(`redis-benchmark exited with ${code}: ${err || out}`)),
    )
  })
  // --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  // "p99_latency_ms","max_latency_ms"; a script's text holds commas but no double quotes.
  const rows = new Map<string, RedisBenchmarkRow>()
  for (const line of stdout.split('\n')) {
    const fields = line.match(/"[^"]*"/g)?.map((f) => f.slice(1, -1))
    if (!fields || fields[0] === 'test' || fields.length < 8) continue
    const [rps, , , p50, p95, p99, max] = fields.slice(1).map(Number) as number[]
    if (Number.isFinite(rps)) {
      rows.set(fields[0]!.split(' ')[0]!.toUpperCase(), {
        rps: rps!,
        p50: p50!,
        p95: p95!,
        p99: p99!,
        max: max!,
      })
    }
  }
  if (rows.size === 0) throw new BenchError(`cannot read redis-benchmark's output: ${stdout.trim()}`)
  return rows
}
