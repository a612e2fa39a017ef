/**
 * In-place update ops: the fused optimizer steps (adam.wgsl, sgd.wgsl) over flat arena
 * tensors, and `assign`, the in-place copy that module buffers (batchnorm's running
 * statistics) are updated with. None of them records on the tape.
 */
import * as cpu from '../cpu/optim.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, gs, isGpu, isWasm, sameShape, ws } from './util.js';
import * as wasm from '../wasm/ops.js';

const adamK = kernel({ shader: 'adam' });
const sgdK = kernel({ shader: 'sgd' });

export type AdamArgs = cpu.AdamArgs;
export type SgdArgs = cpu.SgdArgs;

function sameSizes(op: string, ts: (Tensor | null)[]): number {
  const n = ts[0]!.size;
  for (const t of ts) if (t && t.size !== n) throw new ShapeError(`${op}: every buffer must have ${n} elements, got ${fmtShape(t.shape)}`);
  return n;
}

/**
 * One Adam step over `p` with gradient `g` and moments `m`, `v`, all in place:
 * g' = g + wd p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2; p -= lr (m/bc1) / (sqrt(v/bc2) + eps).
 */
export function adamUpdate(p: Tensor, g: Tensor, m: Tensor, v: Tensor, args: AdamArgs): void {
  const b = backendOf('adam', p, g, m, v);
  const n = sameSizes('adam', [p, g, m, v]);
  if (isGpu(b)) {
    b.dispatch(adamK, {
      bindings: { p: gs(p), grad: gs(g), m: gs(m), v: gs(v) },
      params: { n, ...args },
      threads: n,
    });
  } else if (isWasm(b)) {
    wasm.adam(b, ws(p), ws(g), ws(m), ws(v), n, args);
  } else {
    cpu.adam(arr(p), arr(g), arr(m), arr(v), n, args);
  }
}

/** One SGD step in place: g' = g + wd p; buf = mu buf + g' (buf = g' at first); p -= lr buf. */
export function sgdUpdate(p: Tensor, g: Tensor, buf: Tensor | null, args: SgdArgs): void {
  const b = backendOf('sgd', p, g, ...(buf ? [buf] : []));
  const n = sameSizes('sgd', [p, g, buf]);
  if (isGpu(b)) {
    b.dispatch(sgdK, {
      bindings: { p: gs(p), grad: gs(g), buf: buf && gs(buf) },
      params: { n, lr: args.lr, momentum: args.momentum, wd: args.wd, first: args.first ? 1 : 0 },
      constants: { MOMENTUM: buf !== null },
      threads: n,
    });
  } else if (isWasm(b)) {
    wasm.sgd(b, ws(p), ws(g), buf && ws(buf), n, args);
  } else {
    cpu.sgd(arr(p), arr(g), buf && arr(buf), n, args);
  }
}

/** dst <- src in place (same shape), outside the tape: for module buffers and arenas. */
export function assign(dst: Tensor, src: Tensor): void {
  const b = backendOf('assign', dst, src);
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError(`assign: shapes differ: ${fmtShape(dst.shape)} and ${fmtShape(src.shape)}`);
  if (dst.storage === src.storage) return;
  b.copy(src.storage, dst.storage, dst.size);
}
