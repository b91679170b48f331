import type { Server } from 'node:http'

export interface ShutdownStep {
  readonly name: string
  run(): Promise<unknown>
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let requests in flight finish (idle
 * keep-alive connections are closed at once, busy ones after `graceMs`), then run the steps in
 * order (background jobs, commerce.close(), clients) and exit. A second signal exits at once.
 */
export function installGracefulShutdown(
  server: Server,
  steps: readonly ShutdownStep[],
  options: { graceMs?: number; print?: (line: string) => void } = {},
): void {
  const graceMs = options.graceMs ?? 10_000
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      print(`${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    print(`${signal}: no new connections; finishing requests in flight`)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const force = setTimeout(() => server.closeAllConnections(), graceMs)
    force.unref()
    await closed
    clearTimeout(force)
    let failed = false
    for (const step of steps) {
      try {
        await step.run()
      } catch (error) {
        failed = true
        print(`shutdown step ${step.name} failed: ${String(error)}`)
      }
    }
    print('stopped')
    process.exit(failed ? 1 : 0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}
