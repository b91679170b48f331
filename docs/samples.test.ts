/**
 * Proves the docs true (see samples.ts for the fence rules): every relative link resolves, every
 * fence is well-formed, every sample type-checks, and this file's shard of the samples runs
 * (samples-2.test.ts runs the other, in a second worker).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { runShard } from './run-samples.js'
import { docs, docsDir, fenceProblems, root, samples } from './samples.js'

/** Type errors of every sample, located in the markdown they came from. */
function typeErrors(): string[] {
  const configPath = join(docsDir, 'tsconfig.json')
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      },
    },
  )
  if (!config) throw new Error(`cannot read ${configPath}`)
  const program = ts.createProgram(
    samples.map((s) => s.file),
    config.options,
  )
  const byFile = new Map(samples.map((s) => [s.file, s]))
  // Errors inside the packages' own sources are their typecheck's business (and may be work in
  // progress); only what the samples themselves get wrong fails the docs.
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (!d.file) return [`TS${d.code}: ${message}`]
    const sample = byFile.get(d.file.fileName)
    if (!sample) return []
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0)
    return [`${sample.doc}:${sample.firstLine + line}:${character + 1} TS${d.code}: ${message}`]
  })
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const [, text] of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*$/gm)) {
    const base = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '')
}

/** Relative links (and their #anchors) in the docs and package READMEs that lead nowhere. */
function brokenLinks(): string[] {
  const broken: string[] = []
  for (const doc of docs) {
    const text = withoutFences(readFileSync(doc, 'utf8'))
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue
      const [path = '', anchor] = target!.split('#')
      const file = path === '' ? doc : join(dirname(doc), path)
      const where = `${relative(root, doc)} → ${target}`
      if (!existsSync(file)) broken.push(`${where}: no such file`)
      else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${where}: no such heading`)
    }
  }
  return broken
}

describe('docs', () => {
  it('every relative link and #anchor in the docs and READMEs resolves', () => {
    expect(brokenLinks()).toEqual([])
  })

  it('every fence is a well-formed ts, ts vitest or ts fragment block', () => {
    expect(fenceProblems).toEqual([])
  })

  it(`all ${samples.length} samples type-check (strict, against the sources)`, () => {
    expect(typeErrors()).toEqual([])
  })
})

await runShard(0)
