import { Router } from 'express'
import type { StorefrontOptions } from '../create-app.js'
import { errorBody } from '../http-error.js'

/** How long /readyz waits for the checks before it calls them down. */
const READY_TIMEOUT_MS = 2_000

/**
 * `/healthz` (liveness: the process answers; a draining server answers 503 before this router,
 * see graceful-shutdown.ts) and `/readyz` (readiness: every dependency in `options.ready` answers).
 * A 503 names the dependencies that are down and nothing more: no driver text, no host.
 */
export function healthRoutes(options: Pick<StorefrontOptions, 'ready'>): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', async (_req, res) => {
    const checks = options.ready ? await withTimeout(options.ready()) : {}
    const down = Object.keys(checks).filter((name) => !checks[name])
    if (down.length === 0) {
      res.json({ status: 'ready', checks })
      return
    }
    res.setHeader('retry-after', '5')
    res.status(503).json(
      errorBody('service.not_ready', `Not ready: ${down.join(', ')} down`, String(res.locals.requestId), {
        checks,
      }),
    )
  })
  return router
}

/** The checks, or `{ checks: false }` when they throw or take longer than READY_TIMEOUT_MS. */
async function withTimeout(
  checks: Promise<Readonly<Record<string, boolean>>>,
): Promise<Readonly<Record<string, boolean>>> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Record<string, boolean>>((resolve) => {
    timer = setTimeout(() => resolve({ checks: false }), READY_TIMEOUT_MS)
  })
  try {
    return await Promise.race([checks.catch(() => ({ checks: false })), late])
  } finally {
    clearTimeout(timer)
  }
}
