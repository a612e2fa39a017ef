import { defineConfig } from 'vite';

// The demo and benchmark pages. `webgpu` (Dawn) is Node-only: the browser uses navigator.gpu.
export default defineConfig({
  root: '.',
  build: { outDir: 'dist-web', target: 'es2022' },
  optimizeDeps: { exclude: ['webgpu'] },
});
