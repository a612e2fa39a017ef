/**
 * The system Chromium that the e2e tests and `npm run bench` drive through puppeteer-core:
 * its path, the flags for headless WebGPU (SwiftShader needs nothing beyond
 * --enable-unsafe-webgpu; the rest keep it off the network and quiet), and why browser
 * tests are skipped when it is missing.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why the browser tests are skipped here, or null when Chromium is installed. */
export const NO_CHROMIUM: string | null = existsSync(CHROMIUM) ? null : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
