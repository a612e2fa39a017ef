// lib/gemm-rows.wgsl on a device with subgroups whose quads are 4 consecutive invocations
// (checked at init, src/gpu/quads.ts). With TX a multiple of 4, the 4 threads of a quad
// lie in one row of the workgroup and so share their 16 rows of op(A): each reads one of
// the four vec4s from workgroup memory and quadBroadcast hands it to the other three, 4
// reads instead of 16. On SwiftShader every workgroup-memory read is a per-lane gather and
// a quad is one SIMD register, so this ran 10-25% faster at the MLP GAN's shapes
// (docs/DESIGN.md). The values, and so every float of C, are the same.
fn rowsA(ar: u32, li: u32) -> array<vec4f, 4> {
  if (TX % 4u != 0u) {
    return array(tileA4(ar), tileA4(ar + 4u), tileA4(ar + 8u), tileA4(ar + 12u));
  }
  let mine = tileA4(ar + 4u * (li % 4u));
  return array(quadBroadcast(mine, 0u), quadBroadcast(mine, 1u), quadBroadcast(mine, 2u), quadBroadcast(mine, 3u));
}
