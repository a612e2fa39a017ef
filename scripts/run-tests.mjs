// Runs the vitest suites and ends with one plain summary line, `tests: N passed, N failed,
// N skipped`, that CI reads; the exit code is vitest's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'shadergrad-tests-'));
const report = join(dir, 'results.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit' });
let line = 'tests: 0 passed, 1 failed (vitest wrote no report)';
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = j.numPendingTests + j.numTodoTests;
  line = `tests: ${j.numPassedTests} passed, ${j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0)} failed, ${skipped} skipped`;
} catch { /* keep the failure line */ }
rmSync(dir, { recursive: true, force: true });
console.log(`\n${line}`);
process.exit(r.status ?? 1);
