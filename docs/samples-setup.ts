import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { samples, samplesDir } from './samples.js'

/** Vitest globalSetup: writes every sample to docs/.samples once, before any shard imports them. */
export default function setup(): void {
  rmSync(samplesDir, { recursive: true, force: true })
  mkdirSync(samplesDir, { recursive: true })
  for (const sample of samples) writeFileSync(sample.file, sample.code)
}
