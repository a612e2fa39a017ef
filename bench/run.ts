/**
 * `npm run bench`: the benchmark page (bench/index.html) in headless Chromium. Prints a
 * markdown table and writes bench/results/<date>-<adapter>.json and .md (quick and
 * profiled runs add -quick, -profile; `--rows <regex>`, which runs only the rows whose id
 * or name matches, adds -rows). Speed is never asserted; the numbers depend on the
 * adapter and on whatever else the machine is doing.
 *
 *   npm run bench -- [--quick] [--profile] [--rows dcgan] [--timeout-s 1800] [--out bench/results]
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdown } from './page/report.js';
import { runBenchPage } from './runner.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    rows: { type: 'string' },
    'timeout-s': { type: 'string', default: '1800' },
    out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
  },
});

/** Writes `text` to `path` through a temporary file in the same folder, so a reader never sees half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown';

const outcome = await runBenchPage({
  quick: values.quick,
  profile: values.profile,
  rows: values.rows,
  timeoutMs: Number(values['timeout-s']) * 1000,
  onLog: (line) => process.stderr.write(`  ${line}\n`),
});
const r = outcome.result;
const md = `${markdown(r)}\n\nWall time: ${(outcome.wallMs / 1000).toFixed(0)} s (page phases, ms: ${JSON.stringify(r.phases)}).\n`;
console.log(md);
mkdirSync(values.out, { recursive: true });
const base = join(values.out, `${r.startedAt.slice(0, 10)}-${slug(r.adapterId)}${r.mode === 'quick' ? '-quick' : ''}${r.profile ? '-profile' : ''}${values.rows ? '-rows' : ''}`);
writeAtomic(`${base}.json`, `${JSON.stringify({ ...r, wallMs: outcome.wallMs, consoleErrors: outcome.consoleErrors, pageErrors: outcome.pageErrors }, null, 1)}\n`);
writeAtomic(`${base}.md`, md);
console.error(`wrote ${base}.json and .md`);
const problems = [...outcome.pageErrors, ...outcome.consoleErrors, ...(r.error ? [`${r.error.name}: ${r.error.message}`] : [])];
if (problems.length) {
  console.error(`problems:\n${problems.join('\n')}`);
  process.exit(1);
}
