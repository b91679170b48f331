/**
 * The example storefront's entry point (`pnpm start` at the repository root): reads the
 * environment, opens storage and the optional services, migrates, seeds the demo catalog on first
 * run, serves the API and the browser shop, and shuts down gracefully.
 */
import { createServer } from 'node:http'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { consoleLogger } from '@souk/core'
import { sql } from 'kysely'
import { createApp } from './app/create-app.js'
import { startBackgroundJobs } from './background-jobs.js'
import { installGracefulShutdown, trackRequests } from './graceful-shutdown.js'
import { seedDemo } from './seed/seed-demo.js'
import { progressPrinter } from './seed-progress.js'
import { startOutgoingWebhooks } from './webhooks/outgoing-webhooks.js'
import { openCommerce } from './wiring/open-commerce.js'
import { postgresStats } from './wiring/postgres-stats.js'
import { readinessChecks } from './wiring/readiness.js'
import { loadStorefrontConfig, StorefrontConfigError } from './wiring/storefront-config.js'

const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public')
const print = (line: string) => process.stdout.write(`${line}\n`)

async function main(): Promise<void> {
  const config = loadStorefrontConfig()
  const logger = consoleLogger('warn')
  const opened = await openCommerce(config, logger)
  const { commerce, storage } = opened
  await commerce.migrate()

  const { rows } = await sql<{
    n: number
  }>`select count(*)::int as n from ${sql.id(storage.schema, 'products')}`.execute(storage.db)
  if ((rows[0]?.n ?? 0) === 0 && config.seed.onFirstRun) {
    print(
      `First run: seeding the demo catalog (${config.seed.products.toLocaleString('en-US')} products, seed "${config.seed.seed}")`,
    )
    const report = await seedDemo(commerce, storage, { ...config.seed, onProgress: progressPrinter() })
    print(`  seeded in ${(report.ms / 1000).toFixed(1)} s; promo codes: ${report.promoCodes.join(', ')}`)
  }

  const webhooks = await startOutgoingWebhooks({ commerce, storage, settings: config.webhooks, logger })
  const { app } = createApp(commerce, {
    sessionSecret: config.sessionSecret,
    adminToken: config.adminToken,
    stats: postgresStats(storage),
    publicDir: PUBLIC_DIR,
    stripePublishableKey: config.stripe?.publishableKey ?? null,
    testPayments: opened.testPayments !== null,
    ready: readinessChecks(opened),
    secureCookies: config.secureCookies,
    security: { ...config.security, rateLimitRedis: opened.redis },
    webhooks,
    paypal: opened.paypal,
  })
  const jobs = startBackgroundJobs(commerce, logger)
  // The tracker sits in front of the app: it counts requests for the drain and answers 503 once
  // shutdown began (see graceful-shutdown.ts).
  const requests = trackRequests()
  const server = createServer((req, res) => requests.handle(req, res, () => app(req, res)))
  server.listen(config.port, config.host)
  await new Promise<void>((resolveListen, reject) => {
    server.once('listening', resolveListen)
    server.once('error', reject)
  })
  server.keepAliveTimeout = 65_000

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  print('')
  print(
    // From process start, so loading the modules counts too.
    `Souk storefront on http://localhost:${port}  (started in ${process.uptime().toFixed(1)} s)`,
  )
  for (const line of opened.description) print(`  ${line}`)
  print(`  API: http://localhost:${port}/api  health: /healthz /readyz  metrics: /metrics`)
  print(
    `  staff/seller routes: Authorization: Bearer ${config.adminToken}${process.env.ADMIN_TOKEN ? '' : '  (random; set ADMIN_TOKEN)'}`,
  )
  const sellers = Object.keys(config.security.sellerTokens ?? {}).length
  print(
    `  sellers: ${sellers ? `${sellers} seller token(s) from SELLER_TOKENS` : 'staff token only (set SELLER_TOKENS)'}; metrics: ${config.security.metricsToken ? 'METRICS_TOKEN' : 'the staff token'}; CORS: ${config.security.corsOrigins?.length ? config.security.corsOrigins.join(', ') : 'same-origin only (set CORS_ORIGINS)'}`,
  )
  const endpoints = (await webhooks.list()).length
  print(
    `  webhooks: ${endpoints} endpoint(s), managed at /api/admin/webhooks${config.webhooks.allowPrivateUrls ? '; http and private addresses allowed (WEBHOOK_ALLOW_PRIVATE_URLS)' : ''}`,
  )
  if (config.sessionSecretGenerated)
    print('  sessions: random SESSION_SECRET, so sign-ins end on restart (set SESSION_SECRET)')
  print(`  Ctrl-C stops it gracefully, and so does \`kill ${process.pid}\` (or a kill of pnpm start)`)

  installGracefulShutdown({
    server,
    requests,
    stopFirst: [{ name: 'background jobs', run: () => jobs.stop() }],
    // Deliveries in flight are cut short (and retried by the next process), so the relay's last
    // round does not hold commerce.close() for a slow receiver's timeout.
    closeAfter: [
      { name: 'webhook deliveries', run: () => webhooks.stop() },
      { name: 'commerce', run: () => opened.close() },
    ],
  })
}

main().catch((error: unknown) => {
  if (error instanceof StorefrontConfigError) print(error.message)
  else console.error(error)
  process.exit(1)
})
