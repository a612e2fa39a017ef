// The device check behind lib/gemm-rows.subgroups.wgsl (src/gpu/quads.ts): each invocation
// writes the local indices of its quad's four lanes, at the workgroup shapes the GEMM uses
// with TX a multiple of 4 (TX = 4, 8, 16). The quads are what the GEMM assumes when, in
// each workgroup, invocation i's quad holds i - i % 4 .. i - i % 4 + 3 in order.
#include "lib/quad-lanes.wgsl"

// Entry e writes from offset 128 * e.
@group(0) @binding(0) var<storage, read_write> out: array<vec4u>;

@compute @workgroup_size(4u, 4u, 1u)
fn tx4(@builtin(local_invocation_index) li: u32) {
  out[li] = quadValues(li);
}

@compute @workgroup_size(8u, 4u, 1u)
fn tx8(@builtin(local_invocation_index) li: u32) {
  out[128u + li] = quadValues(li);
}

@compute @workgroup_size(16u, 8u, 1u)
fn tx16(@builtin(local_invocation_index) li: u32) {
  out[256u + li] = quadValues(li);
}
