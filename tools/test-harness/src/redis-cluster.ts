import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, type ClusterOptions, Redis } from 'ioredis'

/**
 * A real Redis Cluster of one test file's own: six `redis-server --cluster-enabled yes` child
 * processes on free loopback ports (3 masters, 3 replicas, joined by `redis-cli --cluster create
 * ... --cluster-replicas 1`), nothing persisted, everything under one temp dir. Never the shared
 * server.
 *
 * ```ts
 * const cluster = await startRedisCluster()      // resolves when every node says cluster_state:ok
 * const redis = cluster.client()                  // an ioredis Cluster; the caller quits it
 * await cluster.failover({ kind: 'kill' })        // SIGKILL a master; its replica takes over
 * await cluster.failover({ kind: 'manual' })      // CLUSTER FAILOVER on a replica (no data loss)
 * await cluster.stop()                            // afterAll: kills all six, deletes the temp dir
 * ```
 *
 * Nodes run with `--cluster-node-timeout` 1000 ms (option `nodeTimeoutMs`), so a killed master is
 * replaced in about two seconds instead of Redis's default fifteen. A killed node stays down until
 * {@link RedisCluster.restart} starts it again (empty, on its old port and config: it rejoins as a
 * replica of whichever node took its slots).
 */
export interface RedisCluster {
  /** Every node this cluster started, masters and replicas, in start order (down ones included). */
  readonly nodes: readonly RedisNodeAddress[]
  /** The masters that serve slots now (asked of a live node), ordered by their first slot. */
  masters(): Promise<RedisNodeAddress[]>
  /**
   * A new ioredis `Cluster` on all seed nodes. The caller closes it (`quit()` or `disconnect()`).
   * Defaults suited to failover tests (`retryDelayOnFailover` 200 ms, `retryDelayOnClusterDown`
   * 200 ms, `slotsRefreshTimeout` 2000 ms); `options` override them.
   */
  client(options?: ClusterOptions): Cluster
  /**
   * Moves a master's slots to one of its replicas and resolves once the cluster is `ok` again with
   * the replica as master. `kind` `'manual'` (default) runs `CLUSTER FAILOVER` on the replica: the
   * master hands over after the replica caught up, so no acknowledged write is lost. `'kill'`
   * SIGKILLs the master: its replica is elected after `nodeTimeoutMs`, and writes the replica had
   * not yet received are lost, as in a real crash. `masterPort` picks the master (default: the one
   * serving slot 0). A number is short for `{ masterPort }`.
   */
  failover(options?: number | RedisFailoverOptions): Promise<RedisFailover>
  /** Starts a killed node again (empty) on its old port; resolves once it is a synced replica. */
  restart(port: number): Promise<void>
  /** Kills every node and deletes the temp dir. Call it in `afterAll`; safe to call twice. */
  stop(): Promise<void>
}

export interface RedisNodeAddress {
  readonly host: string
  readonly port: number
}

export interface RedisFailoverOptions {
  /** The master to fail over. Default: the master serving slot 0. */
  readonly masterPort?: number
  /** `'manual'` (CLUSTER FAILOVER on its replica, default) or `'kill'` (SIGKILL the master). */
  readonly kind?: 'manual' | 'kill'
}

/** What a failover did: the old master and the replica that serves its slots now. */
export interface RedisFailover {
  readonly from: RedisNodeAddress
  readonly to: RedisNodeAddress
}

export interface RedisClusterOptions {
  /** The redis-server binary. Default `redis-server` on the PATH. */
  readonly serverBinary?: string
  /** The redis-cli binary. Default `redis-cli` on the PATH. */
  readonly cliBinary?: string
  /** `cluster-node-timeout` of every node, in ms: how soon a dead master is replaced. Default 1000. */
  readonly nodeTimeoutMs?: number
  /** How long start, failover and restart may wait for the cluster to settle, in ms. Default 30000. */
  readonly settleTimeoutMs?: number
}

const HOST = '127.0.0.1'
const NODE_COUNT = 6
/** Redis's cluster bus listens on the client port + 10000. */
const BUS_OFFSET = 10_000

interface ClusterNodeLine {
  readonly id: string
  readonly port: number
  readonly flags: readonly string[]
  readonly masterId: string | null
  readonly connected: boolean
  /** The first slot it serves, or null (a replica, or a master without slots). */
  readonly firstSlot: number | null
  readonly slots: readonly [number, number][]
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })
}

/**
 * Free ports p whose cluster bus port p+10000 is free too. Picked at random in 20000..55000 (clear
 * of Linux's ephemeral range start and of each other's bus ports) so that concurrent test files
 * rarely race for the same port.
 */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = []
  const taken = new Set<number>()
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 1000) throw new Error('no free Redis Cluster ports (port and port+10000) found')
    const port = 20_000 + Math.floor(Math.random() * 35_000)
    if ([port, port + BUS_OFFSET].some((p) => taken.has(p) || taken.has(p - BUS_OFFSET))) continue
    if (!(await portIsFree(port)) || !(await portIsFree(port + BUS_OFFSET))) continue
    ports.push(port)
    taken.add(port)
    taken.add(port + BUS_OFFSET)
  }
  return ports
}

function run(binary: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , link = '', ...slotFields] =
        line.split(' ')
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field): [number, number] => {
          const [from, to] = field.split('-').map(Number) as [number, number | undefined]
          return [from, to ?? from]
        })
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').pop()),
        flags: flags.split(','),
        masterId: master === '-' ? null : master,
        connected: link === 'connected',
        firstSlot: slots.length === 0 ? null : Math.min(...slots.map(([from]) => from)),
        slots,
      }
    })
}

/** Starts the six nodes, creates the cluster, and waits until it is `ok` with synced replicas. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const serverBinary = options.serverBinary ?? 'redis-server'
  const cliBinary = options.cliBinary ?? 'redis-cli'
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000
  /**
   * A manual failover whose election found no majority (masters refuse to vote twice for one
   * shard within 2 node timeouts) is not retried by Redis: past this, it is asked for again.
   */
  const manualRetryMs = Math.max(2 * nodeTimeoutMs, 1000) + 500
  const dir = await mkdtemp(join(tmpdir(), 'souk-redis-cluster-'))
  const ports = await freeClusterPorts(NODE_COUNT)
  const nodes: RedisNodeAddress[] = ports.map((port) => ({ host: HOST, port }))
  const children = new Map<number, ChildProcess>()
  /** One standalone admin connection per node (no cluster redirects), made on first use. */
  const admins = new Map<number, Redis>()
  let stopped = false

  function dropAdmin(port: number): void {
    admins.get(port)?.disconnect()
    admins.delete(port)
  }

  async function nodeCommand(port: number, args: readonly string[]): Promise<unknown> {
    let admin = admins.get(port)
    if (!admin) {
      admin = new Redis({
        host: HOST,
        port,
        lazyConnect: true,
        connectTimeout: 1000,
        commandTimeout: 5000,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      })
      admin.on('error', () => {})
      admins.set(port, admin)
    }
    try {
      if (admin.status === 'wait') await admin.connect()
      const [command, ...rest] = args as [string, ...string[]]
      return await admin.call(command, ...rest)
    } catch (error) {
      // A node that went away (or is starting): the next call connects afresh.
      dropAdmin(port)
      throw error
    }
  }

  async function nodeText(port: number, args: readonly string[]): Promise<string> {
    const reply = await nodeCommand(port, args)
    return Buffer.isBuffer(reply) ? reply.toString() : String(reply)
  }

  // A test process that dies without its afterAll must not leave the nodes or their files behind.
  const onExit = () => {
    for (const child of children.values()) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)

  async function ping(port: number): Promise<boolean> {
    try {
      return (await nodeText(port, ['PING'])) === 'PONG'
    } catch {
      return false
    }
  }

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + settleTimeoutMs
    for (;;) {
      if (stopped) throw new Error('redis cluster was stopped')
      if (await check().catch(() => false)) return
      if (Date.now() > deadline)
        throw new Error(`redis cluster: ${what} not reached in ${settleTimeoutMs} ms`)
      await sleep(50)
    }
  }

  async function spawnNode(port: number): Promise<void> {
    const child = spawn(
      serverBinary,
      [
        '--port',
        String(port),
        '--bind',
        HOST,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // Redis waits 5 s for more replicas before a full sync; a test has none to wait for.
        '--repl-diskless-sync-delay',
        '0',
        '--dir',
        dir,
        '--logfile',
        join(dir, `redis-${port}.log`),
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    )
    children.set(port, child)
    child.once('exit', () => {
      if (children.get(port) === child) children.delete(port)
    })
    await until(`node ${port} answering PING`, async () => {
      if (children.get(port) !== child) throw new Error(`redis-server on port ${port} exited at start`)
      return ping(port)
    })
  }

  async function killNode(port: number): Promise<void> {
    dropAdmin(port)
    const child = children.get(port)
    if (!child) return
    const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null
    child.kill('SIGKILL')
    await exited
    children.delete(port)
  }

  const livePorts = () => ports.filter((port) => children.has(port))

  async function view(): Promise<ClusterNodeLine[]> {
    for (const port of livePorts()) {
      try {
        return parseClusterNodes(await nodeText(port, ['CLUSTER', 'NODES']))
      } catch {
        // That node is going down; ask the next.
      }
    }
    throw new Error('no live redis cluster node answered CLUSTER NODES')
  }

  /** Every live node says cluster_state:ok and agrees on the masters; every live replica is synced. */
  async function settled(): Promise<boolean> {
    let masters: string | undefined
    for (const port of livePorts()) {
      if (!(await nodeText(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) return false
      const lines = parseClusterNodes(await nodeText(port, ['CLUSTER', 'NODES']))
      const seen = lines
        .filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0)
        .map((n) => `${n.port}:${n.slots.map((s) => s.join('-')).join(',')}`)
        .sort()
        .join(' ')
      if (masters !== undefined && seen !== masters) return false
      masters = seen
      const replication = await nodeText(port, ['INFO', 'replication'])
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false
    }
    return true
  }

  async function masters(): Promise<RedisNodeAddress[]> {
    return (await view())
      .filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.firstSlot !== null)
      .sort((a, b) => (a.firstSlot ?? 0) - (b.firstSlot ?? 0))
      .map((n) => ({ host: HOST, port: n.port }))
  }

  async function stop(): Promise<void> {
    stopped = true
    process.off('exit', onExit)
    await Promise.all([...children.keys()].map(killNode))
    for (const port of [...admins.keys()]) dropAdmin(port)
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await Promise.all(ports.map(spawnNode))
    await run(
      cliBinary,
      [
        '--cluster',
        'create',
        ...ports.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      settleTimeoutMs,
    )
    await until('cluster_state:ok on every node', settled)
  } catch (error) {
    await stop()
    throw error
  }

  return {
    nodes,
    masters,

    client(clientOptions: ClusterOptions = {}): Cluster {
      return new Cluster(nodes, {
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: 2000,
        ...clientOptions,
      })
    },

    async failover(failoverOptions: number | RedisFailoverOptions = {}): Promise<RedisFailover> {
      const { masterPort, kind = 'manual' } =
        typeof failoverOptions === 'number' ? { masterPort: failoverOptions } : failoverOptions
      const lines = await view()
      const live = lines.filter((n) => n.flags.includes('master') && n.firstSlot !== null)
      const master =
        masterPort === undefined
          ? live.find((n) => n.slots.some(([from]) => from === 0))
          : live.find((n) => n.port === masterPort)
      if (!master)
        throw new Error(`redis cluster: no master serving slots on port ${masterPort ?? '(slot 0)'}`)
      // Asked of each node itself: another node's view of who replicates whom may lag behind.
      let replica: ClusterNodeLine | undefined
      await until(`a live replica of master ${master.port}`, async () => {
        for (const port of livePorts()) {
          const self = parseClusterNodes(await nodeText(port, ['CLUSTER', 'NODES'])).find((n) =>
            n.flags.includes('myself'),
          )
          if (self?.masterId === master.id) replica = self
        }
        return replica !== undefined
      }).catch(() => {
        throw new Error(`redis cluster: master ${master.port} has no live replica`)
      })
      if (!replica) throw new Error(`redis cluster: master ${master.port} has no live replica`)
      const promotedId = replica.id
      if (kind === 'kill') await killNode(master.port)
      // A manual failover that has not happened after manualRetryMs is asked for again.
      let askedAt = 0
      const target = replica.port
      await until(`replica ${target} promoted in place of ${master.port}`, async () => {
        const now = parseClusterNodes(await nodeText(target, ['CLUSTER', 'NODES']))
        const promoted = now.find((n) => n.id === promotedId)
        if (promoted?.flags.includes('master') && promoted.slots.length > 0) return settled()
        if (kind === 'manual' && Date.now() - askedAt > manualRetryMs) {
          askedAt = Date.now()
          await nodeCommand(target, ['CLUSTER', 'FAILOVER'])
        }
        return false
      })
      return { from: { host: HOST, port: master.port }, to: { host: HOST, port: target } }
    },

    async restart(port: number): Promise<void> {
      if (!ports.includes(port)) throw new Error(`redis cluster: ${port} is not one of its nodes`)
      if (children.has(port)) throw new Error(`redis cluster: node ${port} is running`)
      await spawnNode(port)
      await until(`node ${port} rejoined`, settled)
    },

    stop,
  }
}
