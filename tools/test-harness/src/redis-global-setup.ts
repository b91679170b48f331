import type { TestProject } from 'vitest/node'
import { findRedis } from './find-redis.js'
import './provided-context.js'

/** Vitest globalSetup: finds Redis once per run and hands its URL to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findRedis()
  console.log(`[souk tests] Redis from ${server.source}: ${server.url}`)
  project.provide('redisUrl', server.url)
  return () => server.stop()
}
