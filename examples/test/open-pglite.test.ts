import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openPglite } from '../src/wiring/open-pglite.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'souk-pglite-'))
  dirs.push(dir)
  return dir
}

describe('the example opening its embedded database', () => {
  it('creates a fresh data directory and reopens it', async () => {
    const dir = join(tempDir(), 'pglite')
    const first = await openPglite(dir)
    await first.exec('create table kept (id int); insert into kept values (7)')
    await first.close()
    const again = await openPglite(dir)
    const { rows } = await again.query<{ id: number }>('select id from kept')
    await again.close()
    expect(rows).toEqual([{ id: 7 }])
  }, 120_000)

  it('says which PostgreSQL wrote a directory it cannot open, and what to do', async () => {
    const dir = tempDir()
    // What a data directory of another PGlite release looks like to this one: another major.
    writeFileSync(join(dir, 'PG_VERSION'), '18\n')
    await expect(openPglite(dir)).rejects.toThrow(
      /written by PostgreSQL 18 .*cannot open it\. Delete that folder to start over/,
    )
  }, 120_000)
})
