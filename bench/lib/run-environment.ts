import { availableParallelism, loadavg } from 'node:os'
import { withPgClient } from './pg-client.js'

/** Where and when a run measured, so numbers from different machines are not compared blindly. */
export interface RunEnvironment {
  readonly startedAt: string
  readonly node: string
  readonly cpus: number
  /** 1, 5 and 15-minute load averages when the run started (what `uptime` prints). */
  readonly loadAverage: readonly number[]
  readonly postgres: string
  readonly synchronousCommit: string
}

export async function describeEnvironment(databaseUrl: string): Promise<RunEnvironment> {
  const settings = await withPgClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ version: string; synchronous_commit: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS synchronous_commit`,
    )
    return rows[0]
  })
  return {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    postgres: settings?.version ?? 'unknown',
    synchronousCommit: settings?.synchronous_commit ?? 'unknown',
  }
}
