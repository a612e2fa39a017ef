/**
 * "Nothing lost": a training run killed with SIGKILL at 5 random moments resumes from its
 * last checkpoint every time, and the resumed run's losses equal an uninterrupted run's
 * from that step on. The run is the CLI's, on the CPU backend, resumed the way a user
 * would: `--resume <out>/checkpoint.safetensors --out <out>`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/gan/checkpoint.js';
import { rng } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'shadergrad-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Steps of the run, and its checkpoint interval. */
const N = 40;
const EVERY = 3;
const FLAGS = ['--steps', String(N), '--batch', '16', '--sample-every', '1000', '--checkpoint-every', String(EVERY), '--log-every', '1', '--eval-samples', '0', '--backend', 'cpu', '--quiet'];
/** Kills aim at steps in [0, LAST_TARGET], well before the end, so that each lands mid-run. */
const LAST_TARGET = N - 12;
const SEED = 0x5eed_0010;

/** The CLI from source (tsx), as test/cli.test.ts runs it. */
const CLI = ['--import', 'tsx', 'src/cli.ts'];

/** A moment to kill at: once the log reaches `step` (0: from the start), plus `delayMs`. */
interface Moment { step: number; delayMs: number }

/** 5 moments spread over the run: sorted target steps, each with a random extra delay. */
function plan(): Moment[] {
  const r = rng(SEED);
  const steps = Array.from({ length: 5 }, () => Math.floor(r() * (LAST_TARGET + 1))).sort((a, b) => a - b);
  // Step 0 is a kill during start-up (loading, first checkpoint not yet written): its
  // delay counts from the spawn; the others count from the step's log line.
  return steps.map((step) => ({ step, delayMs: step === 0 ? 150 + Math.floor(r() * 900) : Math.floor(r() * 40) }));
}

const logText = (folder: string) => (existsSync(join(folder, 'log.jsonl')) ? readFileSync(join(folder, 'log.jsonl'), 'utf8') : '');
const logLines = (folder: string) => logText(folder).split('\n').filter(Boolean);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL at random moments', () => {
  it('resumes from the last checkpoint every time and ends with the uninterrupted run\'s log, line for line', async () => {
    const reference = join(dir, 'reference');
    const ref = spawnSync(process.execPath, [...CLI, 'train', ...FLAGS, '--out', reference], { encoding: 'utf8', timeout: 120_000 });
    expect(ref.status, ref.stderr).toBe(0);
    const refLines = logLines(reference);
    expect(refLines).toHaveLength(N);

    const out = join(dir, 'killed');
    const ckPath = join(out, 'checkpoint.safetensors');
    const moments = plan();
    console.log(`kill plan (seed 0x${SEED.toString(16)}): ${moments.map((m) => (m.step === 0 ? `${m.delayMs} ms after start` : `step ${m.step} + ${m.delayMs} ms`)).join('; ')}`);
    let lastLogged = 0;
    let kills = 0;
    for (const m of moments) {
      const resumeFrom = existsSync(ckPath) ? readCheckpoint(new Uint8Array(readFileSync(ckPath))).state.step : null;
      const args = [...CLI, 'train', ...FLAGS, ...(resumeFrom === null ? [] : ['--resume', ckPath]), '--out', out];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<string | null>((r) => child.on('exit', (_code, signal) => r(signal)));
      const t0 = performance.now();
      // Aim past what the folder's log already holds, so the kill lands in steps this process trains.
      const target = m.step === 0 ? 0 : Math.max(m.step, lastLogged + 1);
      try {
        if (target > 0) {
          while (logLines(out).length < target || !err.includes('training ')) {
            if (child.exitCode !== null) throw new Error(`the run ended before step ${target}: ${err}`);
            if (performance.now() - t0 > 60_000) throw new Error(`step ${target} not reached in 60 s: ${err}`);
            await sleep(5);
          }
        }
        await sleep(m.delayMs);
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited, `the run finished before the kill: ${err}`).toBe('SIGKILL');
      kills++;

      // The resumed run said where it resumed: at the checkpoint it was handed.
      if (resumeFrom !== null && err.includes('training ')) expect(err).toMatch(new RegExp(`for ${N - resumeFrom} steps \\(resuming at step ${resumeFrom}\\)`));
      // Every line on disk is whole and equals the uninterrupted run's line of that step.
      const lines = logLines(out);
      expect(lines).toEqual(refLines.slice(0, lines.length));
      lastLogged = lines.length;
      // The checkpoint on disk always parses, sits on the checkpoint grid, and is covered by the log.
      let at = 'none';
      if (existsSync(ckPath)) {
        const ck = readCheckpoint(new Uint8Array(readFileSync(ckPath)));
        const s = ck.state.step;
        expect(s % EVERY).toBe(0);
        expect(s).toBeGreaterThan(0);
        expect(s).toBeLessThan(N);
        expect(s).toBeLessThanOrEqual(lines.length);
        if (resumeFrom !== null) expect(s).toBeGreaterThanOrEqual(resumeFrom);
        at = String(s);
      }
      console.log(`kill ${kills}: target ${target === 0 ? `${m.delayMs} ms after start` : `step ${target} + ${m.delayMs} ms`}, after ${Math.round(performance.now() - t0)} ms; log has ${lines.length} steps, checkpoint at step ${at}`);
    }
    expect(kills).toBe(5);
    expect(existsSync(ckPath), 'no checkpoint after 5 kills: the plan kills too early').toBe(true);

    // Resume to the end, as a user would.
    const s = readCheckpoint(new Uint8Array(readFileSync(ckPath))).state.step;
    const last = spawnSync(process.execPath, [...CLI, 'train', ...FLAGS, '--resume', ckPath, '--out', out], { encoding: 'utf8', timeout: 120_000 });
    expect(last.status, last.stderr).toBe(0);
    expect(last.stderr).toContain(`for ${N - s} steps (resuming at step ${s})`);
    // Every step's line, every field, as logged: the uninterrupted run's log exactly.
    expect(logText(out)).toBe(logText(reference));
    // And the same final weights, optimizer state and counters, byte for byte.
    expect(Buffer.compare(readFileSync(ckPath), readFileSync(join(reference, 'checkpoint.safetensors')))).toBe(0);
    // Temporary files of writes cut by a kill are cleaned up by the next run.
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'log.jsonl', 'loss.svg', 'progress.gif', 'samples.png']);
  }, 180_000);
});
