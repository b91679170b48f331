import type { PostgresStorage } from '@souk/adapters-postgres'
import { sql } from 'kysely'

/** A dependency slower than this is down as far as a load balancer is concerned. */
const CHECK_TIMEOUT_MS = 1_500

/** The subset of an ioredis client that readiness needs. */
interface Pingable {
  ping(): Promise<string>
}

/**
 * The checks behind /readyz: `select 1` through the storage's own pool (so a pool that cannot get
 * a connection is "down", not just a server that is up) and, when Redis is wired, a PING. Each
 * check answers a boolean and never throws; the reason goes nowhere near the response.
 */
export function readinessChecks(deps: {
  readonly storage: Pick<PostgresStorage, 'db'>
  readonly redis: Pingable | null
}): () => Promise<Record<string, boolean>> {
  const passes = async (check: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS)
    })
    try {
      return await Promise.race([
        check().then(
          () => true,
          () => false,
        ),
        late,
      ])
    } finally {
      clearTimeout(timer)
    }
  }
  return async () => {
    const [database, redis] = await Promise.all([
      passes(() => sql`select 1`.execute(deps.storage.db)),
      deps.redis ? passes(() => deps.redis!.ping()) : Promise.resolve(undefined),
    ])
    const checks: Record<string, boolean> = { database }
    if (redis !== undefined) checks.redis = redis
    return checks
  }
}
