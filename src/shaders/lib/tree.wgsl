// The workgroup tree sum of the kernels that give one workgroup to each output (reduce.wgsl's
// `main`, batchnorm's per-channel passes). Two sums travel together as a vec2 because
// batchnorm needs pairs (sum(d) with sum(d^2); sum(g) with sum(g * xhat)) and one tree for
// both halves the barriers; a kernel with one sum leaves .y at 0.
#include "lib/grid.wgsl"

// The tree halves WG at each level, so a kernel including this declares WG a power of two.
var<workgroup> tree: array<vec2f, WG>;

// The sum of every thread's `v`, returned to every thread of the workgroup. Call it from
// workgroup-uniform control flow (it has barriers); it may be called more than once.
fn treeSum(lid: u32, v: vec2f) -> vec2f {
  tree[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { tree[lid] += tree[lid + s]; }
    workgroupBarrier();
  }
  let total = tree[0];
  // A second call must not overwrite tree[0] before every thread has read it.
  workgroupBarrier();
  return total;
}
