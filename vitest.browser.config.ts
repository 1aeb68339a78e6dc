import { defineConfig } from 'vitest/config';

// The browser suite (`npm run test:browser`): Node-side tests that drive Debian's Chromium with
// playwright-core. Slow (bundling, a browser, training), so kept out of `vitest run`, and run one
// file at a time: a browser and a two-thread timing share the machine's two cores.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
