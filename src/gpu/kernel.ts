/**
 * Kernels declared as data. A kernel is a WGSL file, an entry point and a workgroup
 * layout; its bindings and the byte layout of its `params` uniform are reflected from the
 * WGSL with wgsl_reflect, so no binding table or uniform offset is written by hand.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { WGSL, WGSL_LINES, WGSL_SUBGROUPS_LINES, WGSL_SUBGROUPS_SWAPS, type ShaderName } from '../shaders/wgsl.gen.js';

/** Threads per workgroup of a 1-D kernel unless its declaration says otherwise. */
const DEFAULT_WORKGROUP_SIZE = 256;

export interface KernelDecl {
  /** The WGSL file in src/shaders, without `.wgsl`. */
  shader: ShaderName;
  /** The compute entry point; `main` when omitted. */
  entry?: string;
  /**
   * Threads per workgroup of a 1-D kernel, one whose WGSL declares `override WG` (by
   * including lib/grid.wgsl): the runtime sets WG to it and divides `threads` by it.
   * 256 when omitted; only 1-D kernels take one.
   */
  workgroupSize?: number;
}

export interface BindingInfo {
  name: string;
  binding: number;
  kind: 'storage' | 'read-only-storage' | 'uniform';
}

export interface UniformMember {
  name: string;
  offset: number;
  /** Scalar kind of every component: f32, u32 or i32. */
  scalar: 'f32' | 'u32' | 'i32';
  /** Number of 4-byte components (1 for a scalar, 8 for array<vec4<u32>,2>). */
  count: number;
  /** Byte distance between consecutive vec4 rows of an array, 0 for plain members. */
  stride: number;
  /** Components per array element (4 for vec4), 0 for non-arrays. */
  perElement: number;
}

export interface Reflected {
  bindings: BindingInfo[];
  /** The members of the `params` uniform struct, if the shader has one. */
  uniform?: { name: string; binding: number; size: number; members: Map<string, UniformMember> };
  overrides: Set<string>;
}

export interface Kernel {
  shader: ShaderName;
  entry: string;
  /** WG of a 1-D kernel; null for a kernel with its own layout (matmul's TX x TY). */
  workgroupSize: number | null;
  /** `shader:entry`, the label given to every pipeline and bind group of the kernel. */
  label: string;
  /** The WGSL with its includes expanded, as compiled. */
  source: string;
  info: Reflected;
}

const reflectCache = new Map<ShaderName, Reflected>();

/** Declares a kernel; reflection happens once per WGSL file. */
export function kernel(decl: KernelDecl): Kernel {
  const entry = decl.entry ?? 'main';
  const source = WGSL[decl.shader];
  let info = reflectCache.get(decl.shader);
  if (!info) {
    info = reflect(source);
    reflectCache.set(decl.shader, info);
  }
  const label = `${decl.shader}:${entry}`;
  const oneD = info.overrides.has('WG');
  if (!oneD && decl.workgroupSize !== undefined) throw new Error(`${label}: workgroupSize is for 1-D kernels (override WG); this one has its own layout`);
  const wg = oneD ? decl.workgroupSize ?? DEFAULT_WORKGROUP_SIZE : null;
  if (wg !== null && !(Number.isInteger(wg) && wg >= 1 && wg <= 256)) throw new Error(`${label}: workgroupSize must be an integer in [1, 256], got ${wg}`);
  return { shader: decl.shader, entry, workgroupSize: wg, label, source, info };
}

/**
 * The op codes of a table of rows: each name's position in it (an array of names, or an
 * object's keys in order), the value an `OP`-style override selects its WGSL switch arm
 * by. Computed, never written down, so the table's order is the only numbering; the switch
 * arms carry their row's name and test/shaders.test.ts checks both agree.
 */
export function opCodes<K extends string>(table: readonly K[] | { readonly [P in K]: unknown }): { readonly [P in K]: number } {
  const names = (Array.isArray(table) ? table : Object.keys(table)) as K[];
  return Object.fromEntries(names.map((n, i) => [n, i])) as { [P in K]: number };
}

const twins = new Map<ShaderName, string>();

/**
 * The subgroups twin of a kernel (scripts/embed-shaders.mjs): `enable subgroups;`, then its
 * source with each library file that has a twin replaced by the twin; undefined for a
 * kernel that includes no such file.
 */
export function subgroupsSource(shader: ShaderName): string | undefined {
  const swaps = WGSL_SUBGROUPS_SWAPS[shader];
  if (!swaps) return undefined;
  let src = twins.get(shader);
  if (src === undefined) {
    src = `enable subgroups;\n${swaps.reduce((acc, [plain, twin]) => acc.replace(plain, () => twin), WGSL[shader] as string)}`;
    twins.set(shader, src);
  }
  return src;
}

/**
 * Where line `line` (1-based) of a kernel's expanded source came from (of its subgroups
 * twin with `twin`): the file under src/shaders/ and its line there, so compile errors
 * point into includes too. The twin's line 1, its `enable`, maps to the kernel's file.
 */
export function sourceLine(shader: ShaderName, line: number, twin = false): { file: string; line: number } {
  let seg: readonly [number, string, number] | undefined;
  const map = twin ? WGSL_SUBGROUPS_LINES[shader] ?? [] : WGSL_LINES[shader];
  for (const s of map) {
    if (s[0] > line) break;
    seg = s;
  }
  return seg ? { file: seg[1], line: seg[2] + (line - seg[0]) } : { file: `${shader}.wgsl`, line };
}

interface TypeLike {
  name: string;
  format?: TypeLike;
  count?: number;
  stride?: number;
}

/** The scalar kind and component count of f32, vec4u, vec4<f32> and the like. */
function scalarOf(t: TypeLike): { scalar: 'f32' | 'u32' | 'i32'; per: number } {
  if (t.name === 'f32' || t.name === 'u32' || t.name === 'i32') return { scalar: t.name, per: 1 };
  const short = /^vec(\d)([fiu])$/.exec(t.name);
  if (short) return { scalar: (`${short[2]}32`) as 'f32' | 'u32' | 'i32', per: Number(short[1]) };
  const long = /^vec(\d)$/.exec(t.name);
  if (long && t.format) return { scalar: scalarOf(t.format).scalar, per: Number(long[1]) };
  throw new Error(`kernel uniform: unsupported member type ${t.name}`);
}

function reflect(source: string): Reflected {
  const r = new WgslReflect(source);
  const bindings: BindingInfo[] = [];
  let uniform: Reflected['uniform'];
  for (const group of r.getBindGroups()) {
    for (const b of group) {
      if (!b) continue;
      if (b.group !== 0) throw new Error(`kernel: only @group(0) is supported, got ${b.name} in group ${b.group}`);
      if (b.resourceType === 0) {
        const members = new Map<string, UniformMember>();
        for (const m of (b.type as unknown as { members?: { name: string; offset: number; type: unknown }[] }).members ?? []) {
          const t = m.type as TypeLike;
          if (t.name === 'array' && t.format) {
            const { scalar, per } = scalarOf(t.format);
            members.set(m.name, { name: m.name, offset: m.offset, scalar, count: (t.count ?? 0) * per, stride: t.stride ?? 16, perElement: per });
          } else {
            const { scalar, per } = scalarOf(t);
            members.set(m.name, { name: m.name, offset: m.offset, scalar, count: per, stride: 0, perElement: 0 });
          }
        }
        uniform = { name: b.name, binding: b.binding, size: b.type.size, members };
        bindings.push({ name: b.name, binding: b.binding, kind: 'uniform' });
      } else {
        bindings.push({ name: b.name, binding: b.binding, kind: b.access === 'read' ? 'read-only-storage' : 'storage' });
      }
    }
  }
  bindings.sort((a, b) => a.binding - b.binding);
  return { bindings, uniform, overrides: new Set(r.overrides.map((o) => o.name)) };
}

/** Writes `params` into `view` at the reflected offsets; unknown or missing names throw. */
export function writeUniform(k: Kernel, params: Record<string, number | readonly number[]>, view: DataView, base: number): void {
  const u = k.info.uniform;
  if (!u) throw new Error(`${k.label}: kernel has no uniform but params were given`);
  for (const [name, value] of Object.entries(params)) {
    const m = u.members.get(name);
    if (!m) throw new Error(`${k.label}: uniform has no member "${name}"`);
    const values = typeof value === 'number' ? [value] : value;
    if (values.length > m.count) throw new Error(`${k.label}: uniform member "${name}" holds ${m.count} values, got ${values.length}`);
    for (let i = 0; i < values.length; i++) {
      const off = base + m.offset + (m.perElement ? Math.floor(i / m.perElement) * m.stride + (i % m.perElement) * 4 : i * 4);
      const v = values[i]!;
      if (m.scalar === 'f32') view.setFloat32(off, v, true);
      else if (m.scalar === 'u32') view.setUint32(off, v >>> 0, true);
      else view.setInt32(off, v | 0, true);
    }
  }
}
