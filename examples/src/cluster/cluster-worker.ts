import { WORKER_HEADER } from './cluster-role.js'

/** What the primary sends a worker to make it drain and stop. */
export const SHUTDOWN_MESSAGE = 'souk:shutdown'

/**
 * Wires a worker to its primary: the primary's shutdown message, or the primary going away (its IPC
 * channel closing, e.g. it was SIGKILLed), starts the worker's graceful shutdown, so no worker
 * outlives its primary.
 */
export function followPrimary(shutDown: (reason: string) => void): void {
  process.on('message', (message: unknown) => {
    if (message === SHUTDOWN_MESSAGE) shutDown('shutdown asked by the primary')
  })
  process.once('disconnect', () => shutDown('primary gone'))
}

/** Names this worker on every response, so clients and tests can tell the workers apart. */
export function workerHeader(res: { setHeader(name: string, value: string): unknown }): void {
  res.setHeader(WORKER_HEADER, String(process.pid))
}
