import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { BenchError } from './bench-error.js'

/** The pgbench executable on PATH, or null when there is none. */
export function findPgbench(path: string = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, 'pgbench')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return null
}

export interface PgbenchOptions {
  readonly binary: string
  readonly url: string
  /** A custom script (pgbench's `-f`): statements and `\set` meta-commands. */
  readonly script: string
  readonly clients: number
  /** Whole seconds (`-T`); fractions are rounded, at least 1. */
  readonly seconds: number
  /** Kills pgbench when aborted. */
  readonly signal?: AbortSignal
}

export interface PgbenchResult {
  /** Script executions per second, without connection time. */
  readonly tps: number
  readonly latencyAverageMs: number
  readonly seconds: number
}

/** Runs the script with `-n -M prepared -T <seconds>` and parses pgbench's summary. */
export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'souk-pgbench-'))
  try {
    const file = join(dir, 'script.sql')
    await writeFile(file, options.script)
    const seconds = Math.max(1, Math.round(options.seconds))
    const threads = Math.min(options.clients, availableParallelism())
    const args = ['-n', '-M', 'prepared', '-T', String(seconds), '-c', String(options.clients)]
    args.push('-j', String(threads), '-f', file, options.url)
    const { code, stdout, stderr } = await run(options.binary, args, options.signal)
    const tps = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(stdout)?.[1]
    const latency = /^latency average = ([\d.]+) ms/m.exec(stdout)?.[1]
    if (code !== 0 || tps === undefined || latency === undefined) {
      throw new BenchError(`pgbench exited with ${code}: ${stderr.trim() || stdout.trim()}`)
    }
    return { tps: Number(tps), latencyAverageMs: Number(latency), seconds }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function run(
  binary: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
