/**
 * Every error the CLI meets is ONE line on stderr that names the path (or the flag) and the
 * problem, with exit code 2 for the user's mistakes and 1 for the rest, and never a stack
 * trace unless asked for (--verbose, DEBUG). Each case checks the exact line and code.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeErrno, fileError } from '../src/cli/fs-errors.js';
import { checkOptions, DEFAULT_OPTIONS, OPTION_LIMITS } from '../src/gan/trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'shadergrad-cli-errors-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI from source (tsx), as test/cli.test.ts does; `prefix` runs it through another program (setpriv). */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; node?: string[]; prefix?: string[] } = {}): { code: number; out: string; err: string; ms: number } {
  const t0 = performance.now();
  const argv = [...(opts.node ?? []), '--import', 'tsx', 'src/cli.ts', ...args];
  const [exe, ...rest] = opts.prefix ? [...opts.prefix, process.execPath, ...argv] : [process.execPath, ...argv];
  const r = spawnSync(exe!, rest, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DEBUG: '', ...opts.env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, ms: performance.now() - t0 };
}

/** The run's stderr must be exactly this one line. */
function expectOneLine(r: { code: number; err: string }, line: string, code = 2): void {
  expect(r.err).toBe(`${line}\n`);
  expect(r.code).toBe(code);
}

const FAST = ['--steps', '2', '--batch', '16', '--eval-samples', '0', '--backend', 'cpu', '--quiet'];

const file = join(dir, 'a-file');
const npyFolder = join(dir, 'folder.npy');
const ck = join(dir, 'run', 'checkpoint.safetensors');

beforeAll(() => {
  writeFileSync(file, 'not a folder\n');
  mkdirSync(npyFolder);
  const r = cli(['train', ...FAST, '--out', join(dir, 'run')]);
  expect(r.code, r.err).toBe(0);
});

/** How to run a command as an unprivileged user, or null with the reason why not. */
function asNobody(): { prefix: string[] } | { skip: string } {
  if (process.getuid?.() !== 0) return { prefix: [] }; // not root: permissions already apply
  for (const prefix of [['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'], ['runuser', '-u', 'nobody', '--']]) {
    const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', "require('fs').readFileSync('package.json')"], { encoding: 'utf8' });
    if (probe.status === 0) return { prefix };
  }
  return { skip: 'running as root, and neither setpriv nor runuser could run node as nobody (is the repository readable by nobody?)' };
}

describe('paths the CLI cannot write: one line each, no stack trace', () => {
  it('--out naming an existing file', () => {
    expectOneLine(cli(['train', ...FAST, '--out', file]), `shadergrad train: cannot write ${file}: a file exists at ${file}, not a folder`);
  });

  it("--out under a file (a file path's child)", () => {
    const child = join(file, 'child', 'run');
    expectOneLine(cli(['train', ...FAST, '--out', child]), `shadergrad train: cannot write ${child}: a file exists at ${file}, not a folder`);
  });

  const nobody = asNobody();
  it.skipIf('skip' in nobody)(`--out in a read-only folder, as a non-root user${'skip' in nobody ? ` (skipped: ${nobody.skip})` : ''}`, () => {
    // A folder nobody can reach (mkdtemp makes 0700 ones) holding one nobody cannot write.
    const base = join(dir, 'shared');
    mkdirSync(base);
    chmodSync(dir, 0o755);
    chmodSync(base, 0o755);
    const ro = join(base, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    const out = join(ro, 'run');
    const r = cli(['train', ...FAST, '--out', out], { prefix: (nobody as { prefix: string[] }).prefix });
    expectOneLine(r, `shadergrad train: cannot write ${out}: permission denied: ${ro} is not writable by this user`);
    expect(existsSync(out)).toBe(false);
  });

  it('sample --out naming a .npy path that is a folder', () => {
    expectOneLine(cli(['sample', '--checkpoint', ck, '--out', npyFolder, '--backend', 'cpu']), `shadergrad sample: cannot write ${npyFolder}: ${npyFolder} is a folder, not a file`);
  });

  it('an output file of train that is a folder', () => {
    const out = join(dir, 'log-is-a-folder');
    mkdirSync(join(out, 'log.jsonl'), { recursive: true });
    const log = join(out, 'log.jsonl');
    expectOneLine(cli(['train', ...FAST, '--out', out]), `shadergrad train: cannot write ${log}: ${log} is a folder, not a file`);
  });

  it.each([
    ['/proc/shadergrad-test/run', '/proc', 'proc'],
    ['/sys/shadergrad-test', '/sys', 'sysfs'],
  ])('--out %s is refused before any work, at once (Node would hang making it)', (out, shown, fs) => {
    const r = cli(['train', ...FAST, '--out', out]);
    expectOneLine(r, `shadergrad train: cannot write ${out}: ${shown} is on a kernel file system (${fs}) that holds no files; choose a folder on disk`);
    // One line means no backend was started and no data loaded; the whole process, tsx included, is quick.
    expect(r.ms).toBeLessThan(10_000);
  });

  it('an empty --out', () => {
    expectOneLine(cli(['train', ...FAST, '--out', '']), 'shadergrad train: --out is empty; give a folder');
  });
});

describe('real file-system failures (tmpfs mounts; root only)', () => {
  /** A fresh tmpfs with these mount options, or null where mounting is not allowed. */
  function tmpfs(name: string, options: string): string | null {
    const at = join(dir, name);
    mkdirSync(at);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    mounts.push(at);
    return at;
  }
  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

  it.skipIf(!canMount)('a read-only file system: refused before training, exit 2', () => {
    const ro = tmpfs('ro-fs', 'ro,size=1m');
    if (!ro) return void console.log('skipped: mount -t tmpfs was refused');
    const out = join(ro, 'run');
    expectOneLine(cli(['train', ...FAST, '--out', out]), `shadergrad train: cannot write ${out}: ${ro} is on a read-only file system`);
  });

  it.skipIf(!canMount)('a full disk while writing the checkpoint: one line, exit 1', () => {
    // 64 KiB holds the empty log but not the ~0.9 MB checkpoint of mlp-small with Adam's moments.
    const small = tmpfs('full-fs', 'size=64k');
    if (!small) return void console.log('skipped: mount -t tmpfs was refused');
    const r = cli(['train', ...FAST, '--out', small]);
    expectOneLine({ code: r.code, err: r.err.split('\n').filter((l) => !/^shadergrad: CPU backend$|^training /.test(l)).join('\n') },
      `shadergrad train: cannot write ${join(small, 'checkpoint.safetensors')}: no space left on the device`, 1);
    // The failed write leaves no temporary file behind.
    expect(spawnSync('ls', ['-A', small], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)).toEqual(['log.jsonl']);
  });
});

describe('files the CLI cannot read', () => {
  it.each([
    [['sample', '--checkpoint', '/nonexistent.safetensors', '--out', join(dir, 'x.npy')], 'shadergrad sample: cannot read /nonexistent.safetensors: no such file'],
    [['eval', '--checkpoint', dir], `shadergrad eval: cannot read ${dir}: ${dir} is a folder, not a file`],
    [['sample', '--checkpoint', join(dir, 'run'), '--out', join(dir, 'x.npy')], `shadergrad sample: cannot read ${join(dir, 'run')}: ${join(dir, 'run')} is a folder, not a file (the checkpoint in it is ${ck})`],
    [['sample', '--checkpoint', 'package.json', '--out', join(dir, 'x.npy')], 'shadergrad sample: package.json is not a usable checkpoint: safetensors: header length 7881701915721992827 exceeds the 100000000-byte cap'],
    [['train', ...FAST, '--resume', file, '--out', join(dir, 'r')], `shadergrad train: ${file} is not a usable checkpoint: safetensors: header length 8027138987362905966 exceeds the 100000000-byte cap`],
  ])('%j', (args, line) => {
    const r = cli(args as string[]);
    expect(r.err).toBe(`${line}\n`);
    expect(r.code).toBe(2);
  });
});

describe('a checkpoint holding NaN or Infinity', () => {
  it('is refused by sample, eval and train --resume, naming the tensor and the count', () => {
    const file = decodeSafetensors(new Uint8Array(readFileSync(ck)));
    const bias = Object.keys(file.tensors).find((n) => n.startsWith('generator.') && n.endsWith('.bias'))!;
    const data = file.tensors[bias]!.data.slice();
    data[0] = NaN;
    data[1] = Infinity;
    const tensors = Object.fromEntries(Object.entries(file.tensors).map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: n === bias ? data : t.data }]));
    const poisoned = join(dir, 'poisoned.safetensors');
    writeFileSync(poisoned, encodeSafetensors(tensors, file.metadata));
    const why = `checkpoint: tensor "${bias}" holds 2 non-finite values (NaN or Infinity) of ${data.length}`;
    for (const args of [
      ['sample', '--checkpoint', poisoned, '--out', join(dir, 'p.npy')],
      ['eval', '--checkpoint', poisoned],
      ['train', ...FAST, '--steps', '4', '--resume', poisoned, '--out', join(dir, 'p')],
    ]) {
      const r = cli(args);
      expect(r.err).toMatch(new RegExp(`^shadergrad ${args[0]}: .*${why.replace(/[()[\]]/g, '\\$&')}\n$`));
      expect(r.code).toBe(2);
    }
    expect(existsSync(join(dir, 'p.npy'))).toBe(false);
  });
});

describe('flags: required ones named, limits the trainer shares', () => {
  it.each([
    [['sample', '--checkpoint', 'x.safetensors'], 'shadergrad sample: --out is required: the output file, .npy or .png; see `shadergrad sample --help`'],
    [['sample', '--out', 'x.npy'], 'shadergrad sample: --checkpoint is required: the checkpoint.safetensors that train wrote; see `shadergrad sample --help`'],
    [['eval'], 'shadergrad eval: --checkpoint is required: the checkpoint.safetensors that train wrote; see `shadergrad eval --help`'],
    [['train', '--images', 'x'], 'shadergrad train: --images needs --labels (the labels file of those images)'],
    [['train', '--labels', 'x'], 'shadergrad train: --labels needs --images (the images file of those labels)'],
    [['train', '--lr', '10'], 'shadergrad train: --lr must be a number in (0, 10), got "10"'],
    [['train', '--lr-d', '0'], 'shadergrad train: --lr-d must be a number in (0, 10), got "0"'],
    [['train', '--d-warmup', '-3'], 'shadergrad train: --d-warmup must be an integer in [0, 100000], got "-3"'],
    [['train', '--mode-seeking', '-1'], 'shadergrad train: --mode-seeking must be a number in [0, 100], got "-1"'],
    [['train', '--batch', '65537'], 'shadergrad train: --batch must be an integer in [1, 65536], got "65537"'],
    [['train', '--beta1', '1'], 'shadergrad train: --beta1 must be a number in [0, 1), got "1"'],
    [['train', '--decay', '1001'], 'shadergrad train: --decay must be a number in [0, 1000], got "1001"'],
  ])('%j', (args, line) => {
    expectOneLine(cli(args as string[]), line);
  });

  it("the CLI's ranges are the trainer's: a value just outside is refused by both with the same range", () => {
    const cases: [string, keyof typeof OPTION_LIMITS, string, Partial<typeof DEFAULT_OPTIONS>][] = [
      ['batch', 'batchSize', '65537', { batchSize: 65537 }],
      ['lr', 'lr', '10', { lr: 10 }],
      ['k', 'k', '101', { k: 101 }],
      ['momentum', 'momentum', '1', { momentum: 1 }],
      ['beta2', 'beta', '1', { betas: [0.5, 1] }],
      ['decay', 'decay', '1001', { decay: 1001 }],
    ];
    for (const [flag, , value, opt] of cases) {
      const cliMessage = cli(['train', `--${flag}`, value]).err;
      const range = /in ([[(][^\]\)]*[\])])/.exec(cliMessage)?.[1];
      let trainerMessage = '';
      try {
        checkOptions({ ...DEFAULT_OPTIONS, ...opt });
      } catch (e) {
        trainerMessage = (e as Error).message;
      }
      expect(range, cliMessage).toBeDefined();
      expect(trainerMessage, `${flag}: ${cliMessage}`).toContain(`in ${range}, got`);
    }
    // And the numbers themselves, written out: the trainer's limits of issue 10.
    expect(OPTION_LIMITS.batchSize).toEqual({ min: 1, max: 65536, integer: true });
    expect(OPTION_LIMITS.lr).toEqual({ min: 0, max: 10, minOpen: true, maxOpen: true });
  });
});

describe('IDX files of the user: each error one line naming the file', () => {
  const idx = (type: number, dims: number[], body: number[] | Uint8Array) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head[2] = type;
    head[3] = dims.length;
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, Buffer.from(body)]);
  };
  const img = (n: number, side: number) => idx(0x08, [n, side, side], new Uint8Array(n * side * side).map((_, i) => (i * 7) % 256));
  const lab = (labels: number[]) => idx(0x08, [labels.length], labels);
  const write = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const labels20 = write('labels-20', lab(Array.from({ length: 20 }, (_, i) => i % 10)));
  const images20 = write('images-20.gz', gzipSync(img(20, 28)));
  const images32 = write('images-32', img(20, 32));
  const images19 = write('images-19', img(19, 28));
  const cut = write('images-cut.gz', gzipSync(img(20, 28)).subarray(0, 200));
  const out = join(dir, 'idx-out');

  it.each([
    [[images20, '/nonexistent-labels'], 'shadergrad train: cannot read /nonexistent-labels: no such file'],
    [['package.json', labels20], 'shadergrad train: package.json: readIdx: bad magic: the first two bytes must be 0, got 0x7b 0x0a (not an IDX file)'],
    [[labels20, labels20], `shadergrad train: images file ${labels20} must be u8 [n,h,w], got u8 [20]`],
    [[images20, images20], `shadergrad train: labels file ${images20} must be u8 [n], got u8 [20,28,28]`],
    [[images19, labels20], `shadergrad train: 19 images in ${images19} but 20 labels in ${labels20}`],
    [[images32, labels20], `shadergrad train: the images of ${images32} are 32x32 but the mlp-small model makes 28x28 images (1x28x28); give images of 28x28`],
  ])('--images %j', (files, line) => {
    const [i, l] = files as string[];
    expectOneLine(cli(['train', ...FAST, '--digits', 'all', '--images', i!, '--labels', l!, '--out', out]), line);
  });

  it('a cut gzip file', () => {
    const r = cli(['train', ...FAST, '--images', cut, '--labels', labels20, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^shadergrad train: ${cut}: readIdx: `));
  });

  it('labels that --digits does not keep', () => {
    const one = write('labels-ones', lab(new Array(20).fill(1)));
    expectOneLine(cli(['train', ...FAST, '--digits', '3', '--images', images20, '--labels', one, '--out', out]), `shadergrad train: no image of ${one} has a label in 3`);
  });
});

describe('unexpected errors', () => {
  // A preloaded module makes reading a .safetensors file throw a TypeError: a stand-in for a bug.
  const crash = join(dir, 'crash.mjs');
  writeFileSync(crash, [
    "import fs from 'node:fs';",
    "import { syncBuiltinESMExports } from 'node:module';",
    'const readFile = fs.promises.readFile;',
    "fs.promises.readFile = async (p, ...rest) => { if (String(p).endsWith('.safetensors')) throw new TypeError('boom'); return readFile(p, ...rest); };",
    'syncBuiltinESMExports();',
  ].join('\n'));
  const args = ['sample', '--checkpoint', 'any.safetensors', '--out', join(dir, 'crash.npy'), '--backend', 'cpu'];
  const line = 'shadergrad sample: internal error: TypeError: boom; this is a bug, please report it at https://github.com/shadergrad/shadergrad/issues with the command you ran';

  it('say so in one line, with where to report them, and exit 1', () => {
    expectOneLine(cli(args, { node: ['--import', crash] }), `${line} (run again with --verbose for the stack trace)`, 1);
  });

  it.each([
    ['--verbose', { args: [...args, '--verbose'], env: {} }],
    ['--verbose before the command', { args: ['--verbose', ...args], env: {} }],
    ['DEBUG=1', { args, env: { DEBUG: '1' } }],
  ])('print the stack trace with %s', (_name, how) => {
    const r = cli(how.args, { node: ['--import', crash], env: how.env });
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe(line);
    expect(lines[1]).toBe('TypeError: boom');
    expect(lines.slice(2).some((l) => /^\s+at .*src\/cli\/common\.ts/.test(l))).toBe(true);
  });

  it('a known error gets its stack trace only when asked', () => {
    const quiet = cli(['train', '--steps', 'abc']);
    expectOneLine(quiet, 'shadergrad train: --steps must be an integer in [1, 10000000], got "abc"');
    const loud = cli(['train', '--steps', 'abc'], { env: { DEBUG: '1' } });
    expect(loud.err.split('\n')[0]).toBe('shadergrad train: --steps must be an integer in [1, 10000000], got "abc"');
    expect(loud.err).toMatch(/\n\s+at /);
  });
});

describe('the errno helper', () => {
  const errno = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
  it.each([
    ['ENOENT', 'read', 'shadergrad-x: cannot read /a/b: no such file', 2],
    ['ENOENT', 'write', 'shadergrad-x: cannot write /a/b: no such folder', 2],
    ['EEXIST', 'write', 'shadergrad-x: cannot write /a/b: a file exists at /a/b, not a folder', 2],
    ['EISDIR', 'write', 'shadergrad-x: cannot write /a/b: /a/b is a folder, not a file', 2],
    ['EACCES', 'write', 'shadergrad-x: cannot write /a/b: permission denied', 2],
    ['EPERM', 'write', 'shadergrad-x: cannot write /a/b: operation not permitted', 2],
    ['EROFS', 'write', 'shadergrad-x: cannot write /a/b: the file system is read-only', 2],
    ['ENOSPC', 'write', 'shadergrad-x: cannot write /a/b: no space left on the device', 1],
    ['EIO', 'read', 'shadergrad-x: cannot read /a/b: input/output error (a failing disk or a lost network share?)', 1],
    ['EWEIRD', 'read', 'shadergrad-x: cannot read /a/b: EWEIRD: something', 1],
  ] as const)('%s on %s', (code, verb, message, exitCode) => {
    const e = fileError('shadergrad-x', verb, '/a/b', errno(code, verb === 'read' ? 'open' : 'mkdir', '/a/b'));
    expect(e.message).toBe(message);
    expect(e.exitCode).toBe(exitCode);
  });

  it('ENOTDIR names the file on the way', () => {
    expect(describeErrno(errno('ENOTDIR', 'mkdir', join(file, 'x')), join(file, 'x', 'y'), true)).toBe(`a file exists at ${file}, not a folder`);
  });
});
