// Shapes and strides of up to 8 dims travel in a uniform as array<vec4u, 2>: uniform
// arrays need a 16-byte element stride, so 8 u32 are packed four to a vec4.
fn dim(v: array<vec4u, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}
