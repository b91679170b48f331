/**
 * The first half of `pnpm start`: makes sure the server can run from build output with plain node.
 * Compiles a package under packages/, and the example itself, with its tsup config when one of its
 * JavaScript outputs is missing or older than the newest file it is built from; quiet when
 * everything is fresh. Exits 1 when a build fails.
 *
 * JavaScript only, over what is there: the declaration files are `pnpm build`'s (and publishing's)
 * business, a fresh clone's first start should not wait for them, and a start must not delete the
 * ones a build wrote (so neither tsup's `dts` nor its `clean`). Plain JavaScript itself, because it
 * runs before anything is compiled.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Files beside `src/` that change a build's output. */
const BUILD_INPUTS = ['package.json', 'tsup.config.ts', 'tsconfig.json']

/** Newest modification time under `path` (a file or a folder), tests left out; 0 when absent. */
function newestInput(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestInput(join(path, entry)))
  return newest
}

/** The `./dist/*.js` files a package.json points at (its exports map and main). */
function javascriptOutputs(manifest) {
  const found = new Set()
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/') && value.endsWith('.js')) found.add(value)
    } else if (value && typeof value === 'object') {
      for (const nested of Object.values(value)) walk(nested)
    }
  }
  walk([manifest.exports, manifest.main])
  return [...found]
}

/** Why the project in `dir` needs compiling, or null when its outputs are fresh. */
function staleness(dir, outputs) {
  const newest = Math.max(
    newestInput(join(dir, 'src')),
    ...BUILD_INPUTS.map((f) => newestInput(join(dir, f))),
  )
  for (const output of outputs) {
    const file = join(dir, output)
    if (!existsSync(file)) return `${output} is missing`
    if (statSync(file).mtimeMs < newest) return `${output} is older than its sources`
  }
  return null
}

function projects() {
  const found = []
  const packages = join(ROOT, 'packages')
  for (const name of readdirSync(packages).sort()) {
    const dir = join(packages, name)
    if (!existsSync(join(dir, 'tsup.config.ts'))) continue
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    found.push({ name: manifest.name, dir, outputs: javascriptOutputs(manifest) })
  }
  found.push({ name: 'the example', dir: join(ROOT, 'examples'), outputs: ['./dist/server.js'] })
  return found
}

/** tsup's API (from the workspace root's devDependencies) as a file URL. */
function tsupModule() {
  return pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsup')).href
}

/**
 * Runs tsup with `dir`'s config in a process of its own (tsup reads the config from its working
 * directory); resolves with its output when it fails, null when it succeeds.
 */
function compile(tsup, dir) {
  const script = `const { build } = await import(${JSON.stringify(tsup)})
await build({ dts: false, clean: false, silent: true })`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.once('error', (error) => resolve(String(error)))
    child.once('close', (code) => resolve(code === 0 ? null : output))
  })
}

const stale = projects()
  .map((project) => ({ ...project, reason: staleness(project.dir, project.outputs) }))
  .filter((project) => project.reason !== null)
if (stale.length > 0) {
  const started = performance.now()
  process.stdout.write(`Compiling ${stale.map((p) => `${p.name} (${p.reason})`).join(', ')}\n`)
  const tsup = tsupModule()
  // Each output imports the others' only at run time, so they compile side by side.
  const failures = await Promise.all(stale.map((project) => compile(tsup, project.dir)))
  const failed = stale.filter((_, i) => failures[i] !== null)
  for (const [i, project] of stale.entries()) {
    if (failures[i] !== null) process.stderr.write(`\n${project.name} did not compile:\n${failures[i]}\n`)
  }
  if (failed.length > 0) process.exit(1)
  process.stdout.write(`  compiled in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}
