import { defineConfig } from 'vitest/config';

// Dawn (the `webgpu` package) runs fine in vitest's default pool. SwiftShader is slow,
// so GPU suites get generous timeouts; speed is judged by bench/, never by a test.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/e2e/page is the browser page (no tests); test/e2e/*.test.ts run here too.
    exclude: ['test/e2e/page/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
