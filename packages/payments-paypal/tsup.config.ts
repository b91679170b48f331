import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  // Declarations come from tsc (tsconfig.build.json): one .d.ts and .d.ts.map per source module.
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
