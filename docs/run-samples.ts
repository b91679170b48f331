import { join, relative } from 'node:path'
import { createTestDatabase } from '@souk/test-harness'
import { describe, inject, it } from 'vitest'
import { docsDir, root, type Sample, sampleName, shardOf } from './samples.js'

/** Runs `work` with DATABASE_URL set to a fresh database, dropped afterwards. */
async function withDatabase(label: string, work: () => Promise<unknown>): Promise<void> {
  const database = await createTestDatabase(label)
  const previous = process.env.DATABASE_URL
  process.env.DATABASE_URL = database.url
  try {
    await work()
  } finally {
    if (previous === undefined) delete process.env.DATABASE_URL
    else process.env.DATABASE_URL = previous
    await database.drop()
  }
}

/** Runs `work` with REDIS_URL set to the test Redis server (samples use prefixes of their own). */
async function withRedis(work: () => Promise<unknown>): Promise<void> {
  const previous = process.env.REDIS_URL
  process.env.REDIS_URL = inject('redisUrl')
  try {
    await work()
  } finally {
    if (previous === undefined) delete process.env.REDIS_URL
    else process.env.REDIS_URL = previous
  }
}

const runnable = (sample: Sample) => () => {
  const run = () => import(sample.file)
  const withServer = sample.code.includes('REDIS_URL') ? () => withRedis(run) : run
  return sample.code.includes('DATABASE_URL')
    ? withDatabase(`docs_${sampleName(join(root, sample.doc))}`, withServer)
    : withServer()
}

/**
 * Registers this shard's samples: a test per runnable sample, a skipped test per fragment, and the
 * nested tests of each vitest sample (imported now, while the file is collected).
 */
export async function runShard(shard: number): Promise<void> {
  const mine = shardOf(shard)
  describe(`docs samples, shard ${shard}`, () => {
    for (const sample of mine) {
      const name = `${sample.source} (${relative(docsDir, sample.file)})`
      if (sample.kind === 'run') it(`runs ${name}`, runnable(sample))
      else if (sample.kind === 'fragment')
        it.skip(`${name}: a fragment, type-checked only, not run`, () => {})
    }
  })
  for (const sample of mine.filter((s) => s.kind === 'vitest')) {
    describe(`vitest sample ${sample.source}`, async () => {
      await import(sample.file)
    })
  }
}
