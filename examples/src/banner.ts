import type { StorefrontConfig } from './wiring/storefront-config.js'

/** What the start-up banner reports. */
export interface BannerFacts {
  readonly port: number
  readonly config: StorefrontConfig
  /** One line per part, from `openCommerce`. */
  readonly description: readonly string[]
  readonly webhookEndpoints: number
  /** The process that a signal stops: the server itself, or the cluster's primary. */
  readonly pid: number
  /** With WEB_CONCURRENCY > 1: the workers' pids. */
  readonly workerPids?: readonly number[]
}

/**
 * Prints where the storefront listens, what each part runs on and how to stop it. The last line
 * ("Ctrl-C stops it gracefully") is what scripts and tests wait for.
 */
export function printBanner(facts: BannerFacts, print: (line: string) => void): void {
  const { port, config } = facts
  print('')
  print(
    // From process start, so loading the modules counts too.
    `Souk storefront on http://localhost:${port}  (started in ${process.uptime().toFixed(1)} s)`,
  )
  for (const line of facts.description) print(`  ${line}`)
  if (facts.workerPids) {
    print(
      `  workers: ${facts.workerPids.length} (node:cluster, pids ${facts.workerPids.join(', ')}); the x-souk-worker header names the one that answered`,
    )
  }
  print(`  API: http://localhost:${port}/api  health: /healthz /readyz  metrics: /metrics`)
  print(
    `  staff/seller routes: Authorization: Bearer ${config.adminToken}${process.env.ADMIN_TOKEN ? '' : '  (random; set ADMIN_TOKEN)'}`,
  )
  const sellers = Object.keys(config.security.sellerTokens ?? {}).length
  print(
    `  sellers: ${sellers ? `${sellers} seller token(s) from SELLER_TOKENS` : 'staff token only (set SELLER_TOKENS)'}; metrics: ${config.security.metricsToken ? 'METRICS_TOKEN' : 'the staff token'}; CORS: ${config.security.corsOrigins?.length ? config.security.corsOrigins.join(', ') : 'same-origin only (set CORS_ORIGINS)'}`,
  )
  print(
    `  webhooks: ${facts.webhookEndpoints} endpoint(s), managed at /api/admin/webhooks${config.webhooks.allowPrivateUrls ? '; http and private addresses allowed (WEBHOOK_ALLOW_PRIVATE_URLS)' : ''}`,
  )
  if (config.sessionSecretGenerated)
    print('  sessions: random SESSION_SECRET, so sign-ins end on restart (set SESSION_SECRET)')
  print(`  Ctrl-C stops it gracefully, and so does \`kill ${facts.pid}\` (or a kill of pnpm start)`)
}
