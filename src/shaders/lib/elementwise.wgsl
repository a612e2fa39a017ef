// The bindings of the elementwise kernels, unary.wgsl and binary.wgsl: inputs a and b (for
// a unary op, its input x and its forward output y), the incoming gradient g of the `grad`
// entries, and the output. An entry that does not read one gets a dummy buffer there.
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
