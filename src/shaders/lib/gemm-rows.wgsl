// The 16 staged values of op(A) that a thread's 16 x 8 block multiplies at one k: rows
// ar .. ar + 15 of the slice, as four vec4s. lib/gemm-rows.subgroups.wgsl replaces this
// file where the device shares values within a quad.
fn rowsA(ar: u32, li: u32) -> array<vec4f, 4> {
  return array(tileA4(ar), tileA4(ar + 4u), tileA4(ar + 8u), tileA4(ar + 12u));
}
