/**
 * The WGSL side of the kernels: op-code switches against their TypeScript tables, NaN for
 * a code no row has, the #include expansion of scripts/embed-shaders.mjs (include-once,
 * missing files, cycles, subgroups twins, the line map behind compile-error locations), the shared GEMM
 * loop as an include of its own, and 1-D dispatch by thread count.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuStorage } from '../src/backend.js';
import { ACTIVATIONS } from '../src/cpu/activations.js';
import { kernel, sourceLine, subgroupsSource } from '../src/gpu/kernel.js';
import { gpu, tensor, type Tensor } from '../src/index.js';
import { BINARY } from '../src/ops/broadcast.js';
import { UNARY } from '../src/ops/unary.js';
import { empty } from '../src/ops/util.js';
import { WGSL, WGSL_LINES, WGSL_SUBGROUPS_SWAPS, type ShaderName } from '../src/shaders/wgsl.gen.js';
import { run, skipReason } from './helpers.js';

const SHADERS = join(import.meta.dirname, '..', 'src', 'shaders');
const read = (file: string): string => readFileSync(join(SHADERS, file), 'utf8');

/** The arms of the switch in function `fn` of `file`: [code, the row name in its comment]. */
function arms(file: string, fn: string): { codes: number[]; names: string[]; fallback: string } {
  const src = read(file);
  const body = new RegExp(`fn ${fn}\\([^)]*\\)[^{]*\\{\\s*switch [A-Za-z_]+ \\{([\\s\\S]*?)\\n  \\}`).exec(src);
  if (!body) throw new Error(`no switch in fn ${fn} of ${file}`);
  const codes: number[] = [];
  const names: string[] = [];
  for (const m of body[1]!.matchAll(/case ([^:]+):.*?\/\/ (\w+)$/gm)) {
    codes.push(...m[1]!.split(',').map((c) => Number.parseInt(c, 10)));
    names.push(m[2]!);
  }
  const fallback = /default: \{ (.*) \}/.exec(body[1]!)?.[1] ?? '';
  return { codes, names, fallback };
}

// Every switch over an op code, with the table whose positions are its codes.
const SWITCHES: [string, string, readonly string[]][] = [
  ['unary.wgsl', 'f', Object.keys(UNARY)],
  ['unary.wgsl', 'df', Object.keys(UNARY)],
  ['binary.wgsl', 'f', Object.keys(BINARY)],
  ['binary.wgsl', 'dfa', Object.keys(BINARY)],
  ['binary.wgsl', 'dfb', Object.keys(BINARY)],
  ['lib/activations.wgsl', 'activate', ACTIVATIONS],
  ['lib/activations.wgsl', 'activateGrad', ACTIVATIONS],
];

describe('op-code switches', () => {
  it.each(SWITCHES)('%s fn %s has one arm per table row, in table order, and NaN otherwise', (file, fn, table) => {
    const { codes, names, fallback } = arms(file, fn);
    expect(codes.length).toBe(table.length);
    expect(codes).toEqual(table.map((_, i) => i));
    expect(names).toEqual([...table]);
    expect(fallback).toBe('return nan();');
  });

  it('covers every switch in every shader', () => {
    let count = 0;
    const files = new Set(Object.values(WGSL_LINES).flatMap((segs) => segs.map(([, file]) => file)));
    for (const f of files) count += (read(f).match(/\bswitch\s+\w+\s*\{/g) ?? []).length;
    expect(count).toBe(SWITCHES.length);
  });
});

describe('#include expansion', () => {
  /** Runs the embed script on a folder of shader files; returns its exit code, stderr and output. */
  function embed(files: Record<string, string>): { status: number | null; stderr: string; out: string } {
    const dir = mkdtempSync(join(tmpdir(), 'shadergrad-embed-'));
    try {
      mkdirSync(join(dir, 'lib'));
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
      const out = join(dir, 'out.ts');
      const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'embed-shaders.mjs'), dir, out], { encoding: 'utf8' });
      let text = '';
      try { text = readFileSync(out, 'utf8'); } catch { /* failed runs write nothing */ }
      return { status: r.status, stderr: r.stderr, out: text };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('includes each file once per kernel, however many times it is named', () => {
    const r = embed({
      'k.wgsl': '#include "lib/a.wgsl"\n#include "lib/b.wgsl"\nfn main() {}\n',
      'lib/a.wgsl': 'fn a() {}\n',
      'lib/b.wgsl': '#include "lib/a.wgsl"\nfn b() {}\n',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('"k": "fn a() {}\\nfn b() {}\\nfn main() {}\\n"');
    expect(r.out).not.toContain('"a"'); // lib/ files are not kernels
    expect(r.out).toContain('"k": [[1,"lib/a.wgsl",1],[2,"lib/b.wgsl",2],[3,"k.wgsl",3]]');
  });

  it('drops comments and keeps every line in its place', () => {
    const r = embed({
      'k.wgsl': '// A kernel.\n#include "lib/a.wgsl"\nfn main() {} // trailing\n',
      'lib/a.wgsl': '// A library.\nfn a() -> f32 { return 6.0 / 2.0; }\n',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('"k": "\\n\\nfn a() -> f32 { return 6.0 / 2.0; }\\nfn main() {}\\n"');
    expect(r.out).toContain('"k": [[1,"k.wgsl",1],[2,"lib/a.wgsl",1],[4,"k.wgsl",3]]');
  });

  it('names the file and line of a missing include', () => {
    const r = embed({ 'k.wgsl': '// x\n#include "lib/nope.wgsl"\n' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/k\.wgsl:2: included file .*lib\/nope\.wgsl does not exist/);
  });

  it('reports a cycle with its chain', () => {
    const r = embed({
      'k.wgsl': '#include "lib/a.wgsl"\n',
      'lib/a.wgsl': '#include "lib/b.wgsl"\n',
      'lib/b.wgsl': '#include "lib/a.wgsl"\n',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lib\/b\.wgsl:1: include cycle: k\.wgsl -> lib\/a\.wgsl -> lib\/b\.wgsl -> lib\/a\.wgsl/);
  });

  it('rejects any other # line', () => {
    const r = embed({ 'k.wgsl': '#include <lib/a.wgsl>\n' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/k\.wgsl:1: expected #include "lib\/name\.wgsl"/);
  });

  it('builds a subgroups twin of each kernel that includes a file with one, and only of those', () => {
    const r = embed({
      'k.wgsl': '#include "lib/b.wgsl"\nfn main() {}\n',
      'plain.wgsl': 'fn main() {}\n',
      'lib/a.wgsl': 'fn a() {}\n',
      'lib/a.subgroups.wgsl': 'fn a() { quad(); }\n',
      'lib/b.wgsl': '#include "lib/a.wgsl"\nfn b() {}\n',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toContain('"k": "fn a() {}\\nfn b() {}\\nfn main() {}\\n"');
    const twins = r.out.slice(r.out.indexOf('WGSL_SUBGROUPS'));
    expect(twins).toContain('"k": [["fn a() {}\\n","fn a() { quad(); }\\n"]]');
    expect(twins).toContain('"k": [[2,"lib/a.subgroups.wgsl",1],[3,"lib/b.wgsl",2],[4,"k.wgsl",2]]');
    expect(twins).not.toContain('"plain"');
  });

  /** Expects each of `source`'s lines from `first` (1-based) on to be the line sourceLine maps it to. */
  function expectMapped(name: ShaderName, source: string, first: number, twin: boolean): void {
    source.split('\n').slice(0, -1).forEach((text, i) => {
      if (i + 1 < first) return;
      const at = sourceLine(name, i + 1, twin);
      // The embedded text is the source line without its comment.
      const line = read(at.file).split('\n')[at.line - 1]!.replace(/\s*\/\/.*$/, '');
      expect(line, `${name}${twin ? ' twin' : ''}:${i + 1} -> ${at.file}:${at.line}`).toBe(text);
    });
  }

  it.each(Object.keys(WGSL) as ShaderName[])('maps every line of %s back to its source file and line', (name) => {
    expectMapped(name, WGSL[name], 1, false);
  });

  it('refuses a twin of a file that includes another', () => {
    const r = embed({
      'k.wgsl': '#include "lib/b.wgsl"\nfn main() {}\n',
      'lib/a.wgsl': 'fn a() {}\n',
      'lib/b.wgsl': '#include "lib/a.wgsl"\nfn b() {}\n',
      'lib/b.subgroups.wgsl': '#include "lib/a.wgsl"\nfn b() { quad(); }\n',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the subgroups twin of k\.wgsl is not its kernel with lib\/b\.wgsl swapped/);
  });

  it.each(Object.keys(WGSL_SUBGROUPS_SWAPS) as ShaderName[])('maps every line of the subgroups twin of %s back, after its enable line', (name) => {
    const src = subgroupsSource(name)!;
    expect(src.split('\n')[0]).toBe('enable subgroups;');
    expect(src.slice(src.indexOf('\n') + 1)).not.toBe(WGSL[name]); // a twin differs from its kernel
    expectMapped(name, src, 2, true);
  });
});

describe.skipIf(skipReason('webgpu'))('kernels on webgpu', () => {
  const gs = (t: Tensor): GpuStorage => t.storage as GpuStorage;

  it('lib/gemm.wgsl needs nothing from matmul: another product compiles against it', async () => {
    await run('webgpu', async () => {
      // C = A A^T of a 3 x K matrix, with accessors named only by the include's contract.
      const gemm = read('lib/gemm.wgsl').replace('#include "lib/gemm-rows.wgsl"', read('lib/gemm-rows.wgsl'));
      const code = `${gemm}
@group(0) @binding(0) var<storage, read> m: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
const R = 3u; const K = 5u;
fn readA(row: u32, k: u32) -> f32 { return select(0.0, m[row * K + k], row < R && k < K); }
alias KA = u32;
alias KB = u32;
alias ColB = u32;
fn kA(k: u32) -> u32 { return k; }
fn kB(k: u32) -> u32 { return k; }
fn nextKB(k: u32) -> u32 { return k + 1u; }
fn colB(col: u32) -> u32 { return col; }
fn readB(k: u32, col: u32) -> f32 { return readA(col, k); }
fn writeC(row: u32, col: u32, v: f32) { out[row * R + col] = v; }
@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  gemm(vec3u(R, R, K), wg.xy, lid.xy, li);
}`;
      const info = await gpu().device.createShaderModule({ code }).getCompilationInfo();
      expect(info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}: ${m.message}`)).toEqual([]);
    });
  });

  it('an op code past the end of its table gives NaN', async () => {
    await run('webgpu', async () => {
      const x = tensor([0.5, -1, 2], [3]);
      const o1 = empty([3], x.backend);
      gpu().dispatch(kernel({ shader: 'unary', entry: 'forward' }), {
        bindings: { a: gs(x), b: null, g: null, out: gs(o1) }, params: { n: 3 }, constants: { OP: Object.keys(UNARY).length }, threads: 3,
      });
      const o2 = empty([3], x.backend);
      gpu().dispatch(kernel({ shader: 'binary', entry: 'forward' }), {
        bindings: { a: gs(x), b: gs(x), g: null, out: gs(o2) }, params: { n: 3 }, constants: { OP: Object.keys(BINARY).length }, threads: 3,
      });
      const o3 = empty([1, 1], x.backend);
      gpu().dispatch(kernel({ shader: 'matmul' }), {
        bindings: { a: gs(x), b: gs(x), bias: null, c: gs(o3), y: null, sums: null }, params: { M: 1, N: 1, K: 1 }, constants: { ACT: ACTIVATIONS.length }, workgroups: [1, 1],
      });
      // The fused backward's derivative of an activation past the end of the table.
      const o4 = empty([1, 1], x.backend);
      gpu().dispatch(kernel({ shader: 'matmul' }), {
        bindings: { a: gs(x), b: gs(x), bias: null, c: gs(o4), y: gs(x), sums: null }, params: { M: 1, N: 1, K: 1 }, constants: { GRAD_ACT: ACTIVATIONS.length }, workgroups: [1, 1],
      });
      for (const o of [o1, o2, o3, o4]) expect([...(await o.data())].every(Number.isNaN)).toBe(true);
    });
  });

  it('`threads` splits a grid past 65535 workgroups and sets WG from the declaration', async () => {
    await run('webgpu', async () => {
      const n = 70_001; // 70001 workgroups of one thread: a 2-D grid
      const src = tensor(Float32Array.from({ length: n }, (_, i) => i), [n]);
      const dst = empty([n], src.backend);
      const copy1 = kernel({ shader: 'copy', workgroupSize: 1 });
      gpu().dispatch(copy1, {
        bindings: { src: gs(src), dst: gs(dst) }, params: { rows: 1, cols: n, srcStride: n, dstStride: n, srcOff: 0, dstOff: 0 }, threads: n,
      });
      expect(await dst.data()).toEqual(await src.data());
    });
  });

  it('rejects a workgroup size where the kernel has its own layout, and WG as a constant', async () => {
    await run('webgpu', () => {
      expect(() => kernel({ shader: 'matmul', workgroupSize: 64 })).toThrow(/workgroupSize is for 1-D kernels/);
      const x = tensor([1], [1]);
      const mm = kernel({ shader: 'matmul' });
      expect(() => gpu().dispatch(mm, { bindings: { a: gs(x), b: gs(x), bias: null, c: gs(x) }, threads: 1 })).toThrow(/`threads` is for 1-D kernels/);
      const cp = kernel({ shader: 'copy' });
      expect(() => gpu().dispatch(cp, { bindings: { src: gs(x), dst: gs(x) }, constants: { WG: 64 }, threads: 1 })).toThrow(/WG is the kernel's declared workgroupSize/);
    });
  });
});
