// Imported first by main.ts: ES modules run in import order, so the WebGPU prototypes are
// wrapped before either library's module runs (and long before either creates a device).
import { install } from './webgpu-hooks.js';

install({ profile: new URLSearchParams(location.search).get('profile') === '1' });
