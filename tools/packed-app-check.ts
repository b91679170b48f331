/**
 * `pnpm check:packed` (after `pnpm build`): packs every publishable package with `pnpm pack`, installs
 * the tarballs with npm into a fresh app in a temporary directory, as a user would, and checks that
 *
 * - the app holds exactly one copy of `@souk/core` (the adapters take it as a peer dependency: a
 *   second copy would make `error instanceof CommerceError` false for every error an adapter throws);
 * - an error each adapter throws is `instanceof CommerceError` of the app's `@souk/core`;
 * - the app type-checks against the published declarations (`nodenext` resolution, libraries checked
 *   too) and `@souk/core/testing` resolves;
 * - every tarball holds its LICENSE.
 *
 * Needs the npm registry for the adapters' third-party dependencies. KEEP_PACKED_APP=1 keeps the
 * temporary directory for a look inside.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = [
  'core',
  'adapters-postgres',
  'adapters-redis',
  'adapters-search',
  'payments-stripe',
  'payments-paypal',
]
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

/** One error per adapter, each thrown by the adapter's own code, checked against the app's core. */
const APP_SOURCE = `import { CommerceError, isCommerceError } from '@souk/core'
import { expectCommerceError } from '@souk/core/testing'
import { postgresStorage } from '@souk/adapters-postgres'
import { redisCache } from '@souk/adapters-redis'
import { typesenseSearch } from '@souk/adapters-search'
import { stripePayments } from '@souk/payments-stripe'
import { paypalClient, paypalPayments } from '@souk/payments-paypal'
import { CLIENT_ID, CLIENT_SECRET, startPaypalMockServer, VAULT, WEBHOOK_ID } from '@souk/payments-paypal/testing'

const attempts: Record<string, () => Promise<unknown>> = {
  'postgresStorage({})': async () => postgresStorage({} as never),
  'postgresStorage on a closed port, migrate()': async () => {
    const storage = postgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
    try {
      await storage.migrate()
    } finally {
      await storage.close()
    }
  },
  'redisCache({})': async () => redisCache({} as never),
  'typesenseSearch({})': async () => typesenseSearch({} as never),
  'stripePayments({})': async () => stripePayments({} as never),
  'paypalPayments({})': async () => paypalPayments({} as never),
  // The packed SDK interop, end to end: a decline from the packed PayPal test server.
  'paypalPayments on @souk/payments-paypal/testing, a declined card': async () => {
    const server = await startPaypalMockServer()
    try {
      const client = paypalClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: server.origin })
      await paypalPayments({ client, webhookId: WEBHOOK_ID }).authorize({
        amount: { amount: 100, currency: 'EUR' },
        orderId: 'ord_packed',
        idempotencyKey: 'ord_packed:authorize',
        paymentMethod: VAULT.decline,
      })
    } finally {
      await server.close()
    }
  },
}

const results: { attempt: string; code: string | null; instanceOfCommerceError: boolean }[] = []
for (const [attempt, run] of Object.entries(attempts)) {
  try {
    await run()
    results.push({ attempt, code: null, instanceOfCommerceError: false })
  } catch (error) {
    const code = isCommerceError(error) ? error.code : String(error)
    results.push({ attempt, code, instanceOfCommerceError: error instanceof CommerceError })
  }
}
console.log(JSON.stringify({ results, testingHelper: typeof expectCommerceError }))
`

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    // Check the published declarations too, not only the app.
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    outDir: 'dist',
  },
  include: ['app.ts'],
}

interface AppReport {
  readonly results: { attempt: string; code: string | null; instanceOfCommerceError: boolean }[]
  readonly testingHelper: string
}

function run(command: string, args: readonly string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function step<T>(label: string, work: () => T): T {
  const started = performance.now()
  const result = work()
  console.log(`packed-app: ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  return result
}

/**
 * Compiles the app and returns the errors in it and in Souk's declarations. Errors in other
 * libraries' declarations (ioredis imports an untyped module) are not Souk's to fix.
 */
function typeErrors(app: string): string[] {
  try {
    run('node', [TSC, '-p', 'tsconfig.json'], app)
    return []
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error)
    return output.split('\n').filter((line) => /^(app\.ts|node_modules\/@souk\/)/.test(line))
  }
}

function fail(message: string): never {
  throw new Error(`packed-app: ${message}`)
}

function main(): void {
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'souk-packed-app-'))
  const tarballs = join(dir, 'tarballs')
  const app = join(dir, 'app')
  mkdirSync(tarballs)
  mkdirSync(app)
  try {
    step('packed the packages with pnpm pack', () => {
      for (const name of PACKAGES) {
        const packed = run('pnpm', ['pack', '--pack-destination', tarballs], join(ROOT, 'packages', name))
        if (!/^LICENSE$/m.test(packed)) fail(`the ${name} tarball has no LICENSE:\n${packed}`)
      }
    })
    const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'))
    if (files.length !== PACKAGES.length) fail(`expected ${PACKAGES.length} tarballs, found ${files}`)

    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'souk-packed-app', private: true, type: 'module' }, null, 2)}\n`,
    )
    writeFileSync(join(app, 'app.ts'), APP_SOURCE)
    writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`)
    step('installed the tarballs with npm (peer dependencies installed by npm)', () =>
      run('npm', ['install', '--no-audit', '--no-fund', ...files.map((file) => join(tarballs, file))], app),
    )

    for (const name of PACKAGES.filter((name) => name !== 'core')) {
      const manifest = JSON.parse(
        readFileSync(join(app, 'node_modules/@souk', name, 'package.json'), 'utf8'),
      ) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> }
      if (manifest.dependencies?.['@souk/core'] !== undefined || !manifest.peerDependencies?.['@souk/core'])
        fail(`@souk/${name} must take @souk/core as a peer dependency only`)
    }
    const copies = run('find', ['node_modules', '-path', '*/@souk/core/package.json'], app)
      .split('\n')
      .filter(Boolean)
    if (copies.length !== 1) fail(`expected one copy of @souk/core, found ${copies.length}: ${copies}`)
    console.log(`packed-app: one copy of @souk/core (${copies[0]})`)

    step('type-checked and compiled the app against the published declarations', () => {
      const errors = typeErrors(app)
      if (errors.length > 0) fail(`the app or Souk's declarations do not type-check:\n${errors.join('\n')}`)
    })
    const report = step('ran the app', () => JSON.parse(run('node', ['dist/app.js'], app)) as AppReport)
    for (const { attempt, code, instanceOfCommerceError } of report.results) {
      console.log(
        `packed-app: ${attempt} threw ${code}; instanceof CommerceError: ${instanceOfCommerceError}`,
      )
      if (!instanceOfCommerceError) fail(`${attempt}: the error is no CommerceError of the app's @souk/core`)
    }
    if (report.testingHelper !== 'function') fail('@souk/core/testing has no expectCommerceError')
    console.log(`packed-app: ok in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    if (process.env.KEEP_PACKED_APP === '1') console.log(`packed-app: kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

main()
