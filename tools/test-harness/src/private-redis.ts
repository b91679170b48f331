import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { freePort } from './free-port.js'

/**
 * A redis-server of one test file's own (a child process, nothing on disk), for fault tests that
 * kill it and start it again empty. Never the shared server.
 */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** SIGKILLs the server (no shutdown, no save): clients see the connection drop. */
  kill(): Promise<void>
  /** Starts a fresh, empty server on the same port and waits until it answers PING. */
  start(): Promise<void>
  /** Kills it if running. Call it in `afterAll`. */
  destroy(): Promise<void>
}

export interface PrivateRedisOptions {
  /** The redis-server binary. Default `redis-server` on the PATH. */
  readonly binary?: string
}

/** One PING over a raw socket: true when the server answered +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/** Spawns `redis-server --port P --save "" --appendonly no --daemonize no` on a free port. */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const binary = options.binary ?? 'redis-server'
  const port = await freePort()
  let child: ChildProcess | null = null

  async function start(): Promise<void> {
    if (child) throw new Error(`private redis on port ${port} is already running`)
    const spawned = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    )
    child = spawned
    spawned.once('exit', () => {
      if (child === spawned) child = null
    })
    const deadline = Date.now() + 10_000
    while (!(await ping(port))) {
      if (child !== spawned) throw new Error(`redis-server on port ${port} exited at start`)
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING in 10 s`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async function kill(): Promise<void> {
    const running = child
    if (!running) return
    const exited = running.exitCode === null && running.signalCode === null ? once(running, 'exit') : null
    running.kill('SIGKILL')
    await exited
    child = null
  }

  // A test process that dies without its afterAll must not leave the server behind.
  const onExit = () => child?.kill('SIGKILL')
  process.once('exit', onExit)
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async destroy() {
      process.off('exit', onExit)
      await kill()
    },
  }
}
