import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo page (npm run demo / npm run demo:build). It imports the library by its public
// names, as an app would; here those names mean the sources, like tsconfig.json's paths.
// Exact matches only: a deep import (`shadergrad/src/...`) or `shadergrad/node` fails to
// resolve, as it would for an app that installed the package.
const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Cross-origin isolation, so the page may share memory with workers: the wasm backend then
// trains on every core. A static host of the build must send the same two headers.
const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: path('.'),
  // Relative asset and data URLs, so the build works from any folder of a static host.
  base: './',
  resolve: {
    alias: [
      { find: /^shadergrad$/, replacement: path('../src/index.ts') },
      { find: /^shadergrad\/gan$/, replacement: path('../src/gan/index.ts') },
      { find: /^shadergrad\/data$/, replacement: path('../src/data/index.ts') },
    ],
  },
  server: { fs: { allow: [path('..')] }, headers: isolated },
  preview: { headers: isolated },
  build: { outDir: path('../dist-web'), emptyOutDir: true, target: 'es2022' },
});
