// C[M,N] = act(op(A)[M,K] * op(B)[K,N] + bias[N]): the tiled loop of lib/gemm.wgsl with
// accessors that transpose on read (TRANS_A: A is stored [K,M]; TRANS_B: B is stored
// [N,K]), so no transposed copy is ever made, and bias + activation fused into the write.
//
// Backward fusions. One operand may be an incoming gradient g (GRAD_B: B, else A) of a
// layer whose activation GRAD_ACT (a position in ACTIVATIONS; 0: none) is undone as it is
// read: the operand is g * act'(y), y being the layer's output stored like g (binding y),
// with params.alpha as leakyRelu's slope; the product never lands in memory. With SUM_A
// (SUM_B), lib/gemm.wgsl's sums over k of op(A)'s rows (op(B)'s columns) go to `sums`:
// a layer's bias gradient, from the same pass as its weight gradient.
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"

struct Params {
  M: u32,
  N: u32,
  K: u32,
  alpha: f32,
}

override GRAD_ACT: u32 = 0u;
override GRAD_B: bool = false;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;

// g[i] times the activation's derivative at y[i] (the same product as unary.wgsl's grad).
fn undo(g: f32, i: u32) -> f32 {
  return g * activateGrad(GRAD_ACT, y[i], params.alpha);
}

// A's k, and B's rows and columns, are plain indices.
alias KA = u32;
fn kA(k: u32) -> u32 { return k; }

fn readA(row: u32, k: u32) -> f32 {
  if (row >= params.M || k >= params.K) { return 0.0; }
  var i = row * params.K + k;
  if (TRANS_A) { i = k * params.M + row; }
  if (GRAD_ACT != 0u && !GRAD_B) { return undo(a[i], i); }
  return a[i];
}

alias KB = u32;
alias ColB = u32;
fn kB(k: u32) -> u32 { return k; }
fn nextKB(k: u32) -> u32 { return k + 1u; }
fn colB(col: u32) -> u32 { return col; }

fn readB(k: u32, col: u32) -> f32 {
  if (k >= params.K || col >= params.N) { return 0.0; }
  var i = k * params.N + col;
  if (TRANS_B) { i = col * params.K + k; }
  if (GRAD_ACT != 0u && GRAD_B) { return undo(b[i], i); }
  return b[i];
}

fn writeC(row: u32, col: u32, v: f32) {
  c[row * params.N + col] = epilogue(v, col, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  gemm(vec3u(params.M, params.N, params.K), wg.xy, lid.xy, li);
  // The tile's row sums (SUM_A, on the first tile column) or column sums (SUM_B, first row).
  if ((SUM_A && wg.x == 0u) || (SUM_B && wg.y == 0u)) {
    let span = select(BN, BM, SUM_A);
    let first = select(wg.x, wg.y, SUM_A) * span;
    let count = select(params.N, params.M, SUM_A);
    for (var r = li; r < span; r += TX * TY) {
      if (first + r < count) { sums[first + r] = tileSums[r / (TX * TY)]; }
    }
  }
}
