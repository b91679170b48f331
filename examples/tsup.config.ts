import { defineConfig } from 'tsup'

// `pnpm start` runs the server from this output with plain node (scripts/build-if-stale.mjs builds
// it). Each module is transpiled on its own, not bundled: dist/ keeps src/'s layout, so the paths the
// server finds from `import.meta.url` (public/, the repository's .souk-data/) are the same from
// either, and `@souk/*` imports resolve to the packages' own build output.
export default defineConfig({
  entry: ['src/**/*.ts'],
  bundle: false,
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
})
