/**
 * The check behind the GEMM's subgroups twin (lib/gemm-rows.subgroups.wgsl), which shares
 * values within a quad on the assumption that, in every workgroup the GEMM launches with TX
 * a multiple of 4, invocation i's quad is the invocations i - i % 4 .. i - i % 4 + 3, in
 * lane order. WebGPU does not promise that layout, so init() runs quads.wgsl once and keeps
 * the twins only where the device shows it at each such workgroup shape.
 */
import type { GpuRuntime } from './runtime.js';
import { kernel } from './kernel.js';

const ENTRIES = [
  { entry: 'tx4', threads: 16 },
  { entry: 'tx8', threads: 32 },
  { entry: 'tx16', threads: 128 },
] as const;

/** Slots of vec4u per entry in the output (entry e writes from 128 e). */
const SLOTS = 128;

/** Whether every quad of quads.wgsl's workgroups held its four consecutive invocations, in order. */
export async function quadsAreConsecutive(rt: GpuRuntime): Promise<boolean> {
  const out = rt.alloc(ENTRIES.length * SLOTS * 4);
  try {
    rt.zero(out, ENTRIES.length * SLOTS * 4);
    for (const { entry } of ENTRIES) rt.dispatch(kernel({ shader: 'quads', entry }), { bindings: { out }, workgroups: [1, 1] });
    const bits = new Uint32Array((await rt.read(out, ENTRIES.length * SLOTS * 4)).buffer);
    return ENTRIES.every(({ threads }, e) => {
      for (let i = 0; i < threads; i++) {
        for (let lane = 0; lane < 4; lane++) {
          if (bits[(e * SLOTS + i) * 4 + lane] !== i - (i % 4) + lane) return false;
        }
      }
      return true;
    });
  } finally {
    rt.release(out);
  }
}
