/**
 * Workgroup sizes of the kernels that give each output one workgroup and add its threads'
 * partial sums in a barrier tree (lib/tree.wgsl): reduce.wgsl's `main` and batchnorm's
 * per-channel statistics and gradient sums. A workgroup of WG threads pays log2(WG)
 * barriers, so each thread should first add up enough elements alone to amortise them:
 * the largest size whose threads get at least TREE_MIN_PER_THREAD elements each, else the
 * smallest. On SwiftShader, where a barrier switches between the workgroup's 4-lane
 * groups, the DCGAN's batchnorm statistics over 144 to 2304 elements per channel at 256
 * threads took 374 ms of a 2.2 s iteration (bench --profile); at 4 threads 20x less
 * (docs/DESIGN.md). A long reduction still gets 256 threads.
 */
import { kernel, type Kernel, type KernelDecl } from '../gpu/kernel.js';

/** The workgroup sizes declared, smallest first; each a power of two (the tree halves it). */
export const TREE_SIZES = [4, 16, 64, 256] as const;

/** Elements a thread adds up before the tree, at least, unless the workgroup is already at its smallest. */
export const TREE_MIN_PER_THREAD = 512;

/** The workgroup size for a tree reduction over `m` elements per output. */
export function treeSize(m: number): number {
  for (let i = TREE_SIZES.length - 1; i > 0; i--) {
    if (m >= TREE_SIZES[i]! * TREE_MIN_PER_THREAD) return TREE_SIZES[i]!;
  }
  return TREE_SIZES[0];
}

/** The kernel `decl` at each of TREE_SIZES; returns the one for reductions over `m` elements. */
export function treeKernels(decl: Omit<KernelDecl, 'workgroupSize'>): (m: number) => Kernel {
  const bySize = new Map<number, Kernel>(TREE_SIZES.map((s) => [s, kernel({ ...decl, workgroupSize: s })]));
  return (m) => bySize.get(treeSize(m))!;
}
