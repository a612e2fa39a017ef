// Embeds src/shaders/*.wgsl into src/shaders/wgsl.gen.ts so the same kernels load in Node
// (tsc output), in vitest and in the Vite-bundled pages without any loader plugin.
// The .wgsl files are the source of truth; the generated file is not committed.
//
// Each top-level .wgsl file is a kernel. A line `#include "lib/name.wgsl"` (the path is
// relative to src/shaders/) is replaced by that file's lines, expanded the same way; a
// file already included into the kernel is skipped (include-once), so libraries can
// include what they use. Library files live in src/shaders/lib/ and are not kernels.
// WGSL has no preprocessor, so this line syntax is the only text substitution there is:
// sizes and op codes stay `override` constants.
//
// A library file may have a subgroups twin, lib/name.subgroups.wgsl: a kernel that includes
// lib/name.wgsl (directly or not) also gets a second expansion with the twin in its place
// and `enable subgroups;` as its first line, which the runtime compiles instead on a device
// that has the feature (src/gpu/runtime.ts). Kernels including no such file get none. The
// twin is emitted as the text swaps that turn the kernel into it, with its own line map.
//
// The embedded text drops comments (see readLines); the .wgsl files are where to read them.
//
// Compile errors are reported against the expanded source, so every kernel also gets a
// line map: segments [firstExpandedLine, file, firstSourceLine], one per run of lines
// copied from one file, which src/gpu/kernel.ts `sourceLine` maps a line number back with.
//
// Usage: node scripts/embed-shaders.mjs [shaderDir [outFile]] (the arguments are for tests).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'shaders');
const target = process.argv[3] ?? join(dir, 'wgsl.gen.ts');
const INCLUDE = /^\s*#include\s+"([^"]+)"\s*$/;
/** A shader file as error messages name it: relative to the working directory. */
const shown = (file) => relative(process.cwd(), join(dir, file)).replace(/\\/g, '/');

/** The subgroups twin of library file `inc`. */
const twinOf = (inc) => inc.replace(/\.wgsl$/, '.subgroups.wgsl');

/**
 * A file's lines, without the final line break, and without their `//` comments (WGSL has
 * no strings, so `//` always starts one): an app bundles this text, and comments were
 * 44% of it. Each line keeps its place, so the line map still holds.
 */
const readLines = (file) =>
  readFileSync(join(dir, file), 'utf8').replace(/\r?\n$/, '').split(/\r?\n/).map((line) => line.replace(/\s*\/\/.*$/, ''));

/** A file's text as the expansion copies it: its lines, each ending in a newline. */
const fileText = (file) => `${readLines(file).join('\n')}\n`;

/**
 * Expands `file` into `out`, following includes; `stack` is the chain that led here. With
 * `out.subgroups`, an include whose twin exists is replaced by the twin (listed in `out.twins`).
 */
function expand(file, out, stack, done) {
  const lines = readLines(file);
  let fresh = true; // the next copied line starts a new segment of the map
  lines.forEach((line, i) => {
    const where = `${shown(file)}:${i + 1}`;
    if (!/^\s*#/.test(line)) {
      if (fresh) out.map.push([out.lines.length + 1, file, i + 1]);
      fresh = false;
      out.lines.push(line);
      return;
    }
    const m = INCLUDE.exec(line);
    if (!m) throw new Error(`${where}: expected #include "lib/name.wgsl", got ${JSON.stringify(line.trim())}`);
    const inc = normalize(m[1]).replace(/\\/g, '/');
    if (inc.startsWith('..') || !inc.endsWith('.wgsl')) throw new Error(`${where}: an include must name a .wgsl file below the shader folder, got "${m[1]}"`);
    if (!existsSync(join(dir, inc))) throw new Error(`${where}: included file ${shown(inc)} does not exist`);
    if (stack.includes(inc)) throw new Error(`${where}: include cycle: ${[...stack, inc].join(' -> ')}`);
    fresh = true;
    if (done.has(inc)) return;
    done.add(inc);
    const twin = twinOf(inc);
    if (out.subgroups && existsSync(join(dir, twin))) {
      out.twins.push(inc);
      expand(twin, out, [...stack, inc], done);
    } else {
      expand(inc, out, [...stack, inc], done);
    }
  });
}

const kernels = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).sort();
const sources = {};
const maps = {};
const sgSwaps = {};
const sgMaps = {};
for (const f of kernels) {
  const name = f.slice(0, -5);
  const out = { lines: [], map: [], subgroups: false, twins: [] };
  // The twin's expansion starts after its `enable` line.
  const sg = { lines: ['enable subgroups;'], map: [], subgroups: true, twins: [] };
  try {
    expand(f, out, [f], new Set([f]));
    expand(f, sg, [f], new Set([f]));
  } catch (e) {
    console.error(`embed-shaders: ${e.message}`);
    process.exit(1);
  }
  sources[name] = `${out.lines.join('\n')}\n`;
  maps[name] = out.map;
  if (sg.twins.length > 0) {
    // The twin ships as the text swaps that make it from the kernel (the runtime applies
    // them), not as a second copy of the whole kernel: that would double the GEMM kernels'
    // share of an app's bundle.
    const swaps = sg.twins.map((inc) => [fileText(inc), fileText(twinOf(inc))]);
    const made = `enable subgroups;\n${swaps.reduce((src, [a, b]) => src.replace(a, () => b), sources[name])}`;
    if (made !== `${sg.lines.join('\n')}\n`) {
      console.error(`embed-shaders: the subgroups twin of ${f} is not its kernel with ${sg.twins.join(', ')} swapped for the twin text: a file with a twin, and the twin, may include nothing and must occur once`);
      process.exit(1);
    }
    sgSwaps[name] = swaps;
    sgMaps[name] = sg.map;
  }
}

const LINE_MAP = 'readonly (readonly [number, string, number])[]';
/** `export const NAME: TYPE = {` one `name: value` line per entry of `record` `}`, after its doc comment. */
const table = (doc, decl, record, close = '}') =>
  `${doc.length === 1 ? `/** ${doc[0]} */\n` : `/**\n${doc.map((l) => ` * ${l}\n`).join('')} */\n`}export const ${decl} = {\n${Object.entries(record).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join('')}${close};\n`;

let out = '// Generated by scripts/embed-shaders.mjs from src/shaders/**/*.wgsl. Do not edit.\n';
out += table(["Each kernel's source with its #includes expanded."], 'WGSL', sources, '} as const');
out += '\nexport type ShaderName = keyof typeof WGSL;\n\n';
out += table(['Per kernel, [first expanded line, source file, its first line] for each run of copied lines.'], `WGSL_LINES: { readonly [K in ShaderName]: ${LINE_MAP} }`, maps);
out += '\n';
out += table([
  "The kernels that include a file with a subgroups twin: [that file's text, the twin's] for each such",
  'file. The twin is `enable subgroups;` and a line break, then the kernel with each text swapped.',
], 'WGSL_SUBGROUPS_SWAPS: { readonly [K in ShaderName]?: readonly (readonly [string, string])[] }', sgSwaps);
out += '\n';
out += table(['The line maps of the subgroups twins (line 1, the `enable`, is in none of the files).'], `WGSL_SUBGROUPS_LINES: { readonly [K in ShaderName]?: ${LINE_MAP} }`, sgMaps);
let old = '';
try { old = readFileSync(target, 'utf8'); } catch { /* first run */ }
if (old !== out) writeFileSync(target, out);
