import cluster from 'node:cluster'
import { z } from 'zod'
import { type StorefrontConfig, StorefrontConfigError } from '../wiring/storefront-config.js'

/** Most workers `WEB_CONCURRENCY` may ask for. */
export const MAX_WORKERS = 64

/** Set by the primary on each worker it forks: the worker's place, 1 to N, kept by its replacements. */
export const WORKER_SLOT_ENV = 'SOUK_WORKER_SLOT'

/** The response header that names the worker process that answered. */
export const WORKER_HEADER = 'x-souk-worker'

/** What this process is in a `WEB_CONCURRENCY` deployment. */
export type ClusterRole =
  /** One process does everything (`WEB_CONCURRENCY` unset or 1, or PGlite). `notes` say why, if asked for more. */
  | { readonly kind: 'single'; readonly notes: readonly string[] }
  /** Migrates, seeds, forks `workers` workers, restarts the ones that die, stops them all on a signal. */
  | { readonly kind: 'primary'; readonly workers: number; readonly notes: readonly string[] }
  /** Serves requests, runs the background jobs; its primary did the one-time work. */
  | { readonly kind: 'worker'; readonly slot: number }

const workersSchema = z.coerce
  .number<string>()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_WORKERS, `must be at most ${MAX_WORKERS}`)

/**
 * Reads `WEB_CONCURRENCY` (the variable Heroku, Render and others set to the number of processes
 * a machine should run) and decides this process's role. More than one worker needs PostgreSQL:
 * PGlite is an embedded database that only the process that opened it can use, so with it the
 * storefront runs as one process and says so.
 */
export function clusterRole(config: StorefrontConfig, env: NodeJS.ProcessEnv = process.env): ClusterRole {
  if (cluster.isWorker) {
    const slot = Number(env[WORKER_SLOT_ENV] ?? cluster.worker?.id ?? 1)
    return { kind: 'worker', slot }
  }
  const raw = env.WEB_CONCURRENCY?.trim()
  if (!raw) return { kind: 'single', notes: [] }
  const parsed = workersSchema.safeParse(raw)
  if (!parsed.success) {
    throw new StorefrontConfigError(
      `Invalid storefront configuration:\n  WEB_CONCURRENCY: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    )
  }
  const workers = parsed.data
  if (workers === 1) return { kind: 'single', notes: [] }
  if (!config.databaseUrl) {
    return {
      kind: 'single',
      notes: [
        `WEB_CONCURRENCY=${workers} ignored: the embedded PGlite database belongs to one process; set DATABASE_URL (PostgreSQL) to run ${workers} workers`,
      ],
    }
  }
  const notes = config.redisUrl
    ? []
    : [
        'cache: each worker keeps its own: a catalog change made through one worker shows in the others within the cache TTLs (set REDIS_URL to invalidate across workers at once)',
      ]
  return { kind: 'primary', workers, notes }
}
