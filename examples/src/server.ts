/**
 * The example storefront's entry point (`pnpm start` at the repository root): reads the
 * environment, opens storage and the optional services, migrates, seeds the demo catalog on first
 * run, serves the API and the browser shop, and shuts down gracefully. With WEB_CONCURRENCY=N on
 * PostgreSQL it is a node:cluster primary that does the one-time work and forks N workers.
 */
import { createServer } from 'node:http'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { consoleLogger, type Logger } from '@souk/core'
import { sql } from 'kysely'
import { createApp } from './app/create-app.js'
import { startBackgroundJobs } from './background-jobs.js'
import { printBanner } from './banner.js'
import { runClusterPrimary } from './cluster/cluster-primary.js'
import { clusterRole } from './cluster/cluster-role.js'
import { followPrimary, workerHeader } from './cluster/cluster-worker.js'
import { installGracefulShutdown, trackRequests } from './graceful-shutdown.js'
import { seedDemo } from './seed/seed-demo.js'
import { progressPrinter } from './seed-progress.js'
import { startOutgoingWebhooks } from './webhooks/outgoing-webhooks.js'
import { webhookEndpointStore } from './webhooks/webhook-endpoint-store.js'
import { type OpenedCommerce, openCommerce } from './wiring/open-commerce.js'
import { postgresStats } from './wiring/postgres-stats.js'
import { readinessChecks } from './wiring/readiness.js'
import {
  loadStorefrontConfig,
  type StorefrontConfig,
  StorefrontConfigError,
} from './wiring/storefront-config.js'

const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public')
const print = (line: string) => process.stdout.write(`${line}\n`)

/** The one-time work before any request is served: migrations, and the demo catalog on an empty database. */
async function prepareDatabase(opened: OpenedCommerce, config: StorefrontConfig): Promise<void> {
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
}

/** WEB_CONCURRENCY=N: prepare the database once here, then let N workers serve. */
async function runPrimary(
  config: StorefrontConfig,
  logger: Logger,
  workers: number,
  notes: readonly string[],
) {
  const opened = await openCommerce(config, logger)
  let webhookEndpoints: number
  try {
    await prepareDatabase(opened, config)
    const endpoints = webhookEndpointStore(opened.storage.db, opened.storage.schema)
    await endpoints.ensureTable()
    webhookEndpoints = (await endpoints.list()).length
  } finally {
    await opened.close()
  }
  await runClusterPrimary({
    workers,
    // Random per process unless set: every worker must sign and accept the same sessions and token.
    env: { SESSION_SECRET: config.sessionSecret, ADMIN_TOKEN: config.adminToken },
    print,
    onListening: (port, workerPids) =>
      printBanner(
        {
          port,
          config,
          description: [...opened.description, ...notes],
          webhookEndpoints,
          pid: process.pid,
          workerPids,
        },
        print,
      ),
  })
}

async function main(): Promise<void> {
  const config = loadStorefrontConfig()
  const logger = consoleLogger('warn')
  const role = clusterRole(config)
  if (role.kind === 'primary') return runPrimary(config, logger, role.workers, role.notes)
  const worker = role.kind === 'worker' ? role : null
  // A worker's lines carry its pid: N workers write to one terminal.
  const say = worker ? (line: string) => print(`[worker ${worker.slot}, pid ${process.pid}] ${line}`) : print
  const opened = await openCommerce(config, logger)
  const { commerce, storage } = opened
  if (!worker) await prepareDatabase(opened, config)

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
  const server = createServer((req, res) => {
    if (worker) workerHeader(res)
    requests.handle(req, res, () => app(req, res))
  })
  server.listen(config.port, config.host)
  await new Promise<void>((resolveListen, reject) => {
    server.once('listening', resolveListen)
    server.once('error', reject)
  })
  server.keepAliveTimeout = 65_000

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  if (!worker) {
    const webhookEndpoints = (await webhooks.list()).length
    const description = role.kind === 'single' ? [...opened.description, ...role.notes] : opened.description
    printBanner({ port, config, description, webhookEndpoints, pid: process.pid }, print)
  }

  const shutDown = installGracefulShutdown(
    {
      server,
      requests,
      stopFirst: [{ name: 'background jobs', run: () => jobs.stop() }],
      // Deliveries in flight are cut short (and retried by the next process), so the relay's last
      // round does not hold commerce.close() for a slow receiver's timeout.
      closeAfter: [
        { name: 'webhook deliveries', run: () => webhooks.stop() },
        { name: 'commerce', run: () => opened.close() },
      ],
    },
    { print: say },
  )
  if (worker) followPrimary(shutDown)
}

main().catch((error: unknown) => {
  if (error instanceof StorefrontConfigError) print(error.message)
  else console.error(error)
  process.exit(1)
})
