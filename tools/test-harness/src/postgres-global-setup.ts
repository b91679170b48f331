import type { TestProject } from 'vitest/node'
import { findPostgres, redact } from './find-postgres.js'

import './provided-context.js'

/** Vitest globalSetup: finds Postgres once per run and hands its URL to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findPostgres()
  console.log(`[souk tests] PostgreSQL from ${server.source}: ${redact(server.url)}`)
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}
