import { defineConfig } from 'vitest/config';

// Dawn (the `webgpu` package) runs fine in vitest's default pool. SwiftShader is slow,
// so GPU suites get generous timeouts; speed is judged by bench/, never by a test.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
