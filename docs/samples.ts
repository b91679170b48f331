/**
 * Finds every code sample in the docs. Every ```ts block in docs/**\/*.md, in the package READMEs
 * and in the root README becomes docs/.samples/<doc>-<n>.ts (written once per run by
 * samples-setup.ts), is type-checked against docs/tsconfig.json (strict, `@souk/*` resolved to
 * source) and is then imported and run as a program by one of the samples*.test.ts shards.
 *
 * Fence info strings:
 * - ```ts            a complete top-level-await program; it runs. When it mentions DATABASE_URL it
 *                    gets a fresh, empty database on the test Postgres server in that variable;
 *                    when it mentions REDIS_URL it gets the test Redis server's URL there.
 * - ```ts vitest     a complete vitest test file (e.g. an adapter's contract-suite run); it is
 *                    imported while its shard is collected, so its tests run nested below.
 * - ```ts fragment   type-checked like the others, never run; the skipped test names the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Kind = 'run' | 'vitest' | 'fragment'

export interface Sample {
  /** Where the block is, for test names and type errors: `docs/inventory.md:120`. */
  readonly source: string
  /** Markdown file relative to the repository root. */
  readonly doc: string
  /** 1-based line of the block's first code line in `doc`. */
  readonly firstLine: number
  readonly kind: Kind
  readonly file: string
  readonly code: string
}

export const docsDir = dirname(fileURLToPath(import.meta.url))
export const root = dirname(docsDir)
export const samplesDir = join(docsDir, '.samples')

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return markdownFiles(path)
    return entry.name.endsWith('.md') ? [path] : []
  })
}

/** Every markdown file whose samples are checked: docs/, each package's README, the root README. */
export const docs = [
  ...markdownFiles(docsDir).sort(),
  ...readdirSync(join(root, 'packages'))
    .sort()
    .map((name) => join(root, 'packages', name, 'README.md')),
  join(root, 'README.md'),
].filter((path) => existsSync(path))

/** `docs/inventory.md` → `inventory`; `packages/core/README.md` → `core-README`. */
export function sampleName(doc: string): string {
  const rel = relative(root, doc)
  if (rel.startsWith('docs/')) return rel.slice('docs/'.length, -'.md'.length).replaceAll('/', '-')
  if (rel === 'README.md') return 'root-README'
  return rel
    .replace(/^packages\//, '')
    .slice(0, -'.md'.length)
    .replaceAll('/', '-')
}

const OPEN = /^```ts(?:[ \t]+(.*))?$/
const INDENTED_OPEN = /^\s+```ts\b/
const CLOSE = /^```\s*$/

function extract(doc: string): { samples: Sample[]; problems: string[] } {
  const lines = readFileSync(doc, 'utf8').split('\n')
  const rel = relative(root, doc)
  const samples: Sample[] = []
  const problems: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (INDENTED_OPEN.test(line))
      problems.push(`${rel}:${i + 1}: indented \`\`\`ts fence; start it at column 0`)
    const open = OPEN.exec(line)
    if (!open) continue
    const info = (open[1] ?? '').trim()
    const kind: Kind | undefined =
      info === '' ? 'run' : info === 'vitest' ? 'vitest' : info === 'fragment' ? 'fragment' : undefined
    if (!kind)
      problems.push(`${rel}:${i + 1}: unknown fence info "${info}" (use ts, ts vitest or ts fragment)`)
    const end = lines.findIndex((l, j) => j > i && CLOSE.test(l))
    if (end === -1) {
      problems.push(`${rel}:${i + 1}: unclosed fence`)
      break
    }
    const n = samples.length + 1
    samples.push({
      source: `${rel}:${i + 1}`,
      doc: rel,
      firstLine: i + 2,
      kind: kind ?? 'fragment',
      file: join(samplesDir, `${sampleName(doc)}-${n}.ts`),
      code: `${lines.slice(i + 1, end).join('\n')}\n`,
    })
    i = end
  }
  return { samples, problems }
}

const extracted = docs.map(extract)
/** Every sample of every doc, in doc order. Pure: reading this module writes nothing. */
export const samples: readonly Sample[] = extracted.flatMap((e) => e.samples)
/** Fences that are malformed (indented, unknown info string, unclosed). */
export const fenceProblems: readonly string[] = extracted.flatMap((e) => e.problems)

/** How many test files share the running samples (samples.test.ts is shard 0). */
export const SHARDS = 2
/** What the checks in shard 0 (links, fences, one TypeScript program over every sample) cost, in samples. */
const CHECKS_COST = 14
/** A contract suite run as a vitest sample costs about this many plain samples. */
const VITEST_COST = 6

/**
 * The samples a shard runs: each sample goes, in doc order, to the shard with the least work so far,
 * so the shards finish at about the same time on a machine with as many cores as shards.
 */
export function shardOf(shard: number): Sample[] {
  const load: number[] = Array.from({ length: SHARDS }, (_, i) => (i === 0 ? CHECKS_COST : 0))
  const mine: Sample[] = []
  for (const sample of samples) {
    if (sample.kind === 'fragment') {
      if (shard === 0) mine.push(sample)
      continue
    }
    const target = load.indexOf(Math.min(...load))
    load[target]! += sample.kind === 'vitest' ? VITEST_COST : 1
    if (target === shard) mine.push(sample)
  }
  return mine
}
