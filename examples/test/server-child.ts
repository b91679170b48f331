import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The example server (what `pnpm start` runs) as a child process, listening. */
export interface ServerChild {
  readonly process: ChildProcess
  /** Everything it printed so far, stdout and stderr. */
  readonly output: { text: string }
  readonly port: number
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>
}

/** Resolves once `pattern` appears in the output; rejects if the process exits first or time runs out. */
export function waitForOutput(
  proc: ChildProcess,
  output: { text: string },
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; output:\n${output.text}`)),
      timeoutMs,
    )
    const check = () => {
      const match = pattern.exec(output.text)
      if (!match) return
      clearTimeout(timer)
      proc.stdout?.off('data', check)
      resolvePromise(match)
    }
    proc.stdout?.on('data', check)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}; output:\n${output.text}`))
    })
    check()
  })
}

/**
 * Spawns `src/server.ts` through tsx on port 0 with `env` on top of this process's environment and
 * waits (up to `readyTimeoutMs`) until it prints that it is serving.
 */
export async function startServerChild(
  env: Readonly<Record<string, string>>,
  readyTimeoutMs: number,
): Promise<ServerChild> {
  const output = { text: '' }
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@souk/source', 'src/server.ts'], {
    cwd: EXAMPLES,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  for (const stream of [proc.stdout!, proc.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output.text += chunk
    })
  }
  try {
    await waitForOutput(proc, output, /Ctrl-C stops it gracefully/, readyTimeoutMs)
  } catch (error) {
    if (proc.exitCode === null) proc.kill('SIGKILL')
    throw error
  }
  const port = Number(/Souk storefront on http:\/\/localhost:(\d+)/.exec(output.text)![1])
  return { process: proc, output, port, exited }
}
