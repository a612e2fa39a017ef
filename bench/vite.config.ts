import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The benchmark page (bench/run.ts serves it; `npx vite --config bench/vite.config.ts` to open
// it by hand). It imports the library by its public names, as an app would; here those names
// mean the sources, like tsconfig.json's paths. Exact matches only, as for an installed package.
const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Cross-origin isolated, so both wasm libraries may share memory with workers and run on
// every core, as they would in an app that sends these headers.
const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: path('.'),
  resolve: {
    alias: [
      { find: /^shadergrad$/, replacement: path('../src/index.ts') },
      { find: /^shadergrad\/gan$/, replacement: path('../src/gan/index.ts') },
    ],
  },
  server: { fs: { allow: [path('..')] }, headers: isolated },
  // TF.js is hundreds of modules: bundle it once, up front, into a cache of the page's own
  // (its backends with it, so they share the bundle's one tfjs-core and register with its
  // engine). No discovery, so no dependency found mid-run reloads the page. The WASM
  // backend's .wasm files are imported with `?url` (bench/page/tf.ts) and served from
  // node_modules as they are.
  cacheDir: path('../node_modules/.vite-bench'),
  optimizeDeps: { noDiscovery: true, include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  logLevel: 'warn',
  clearScreen: false,
});
