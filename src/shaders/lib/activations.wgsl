// The activations, written once for both places that apply them: the rows of unary.wgsl
// and matmul's fused epilogue. Derivatives are in terms of the output y = f(x), which is
// what backward keeps (matmul's pre-activation is never stored).
#include "lib/math.wgsl"

fn relu(v: f32) -> f32 {
  return max(v, 0.0);
}

fn leakyRelu(v: f32, alpha: f32) -> f32 {
  return select(alpha * v, v, v > 0.0);
}

fn reluGrad(y: f32) -> f32 {
  return select(0.0, 1.0, y > 0.0);
}

// Needs alpha >= 0, so that the sign of y is the sign of x.
fn leakyReluGrad(y: f32, alpha: f32) -> f32 {
  return select(alpha, 1.0, y > 0.0);
}

fn tanhGrad(y: f32) -> f32 {
  return 1.0 - y * y;
}

fn sigmoidGrad(y: f32) -> f32 {
  return y * (1.0 - y);
}

// An activation by its position in ACTIVATIONS (src/cpu/activations.ts), the codes of
// matmul's ACT override. Each arm names its row; test/shaders.test.ts checks them against the list.
fn activate(code: u32, v: f32, alpha: f32) -> f32 {
  switch code {
    case 0u: { return v; } // none
    case 1u: { return relu(v); } // relu
    case 2u: { return leakyRelu(v, alpha); } // leakyRelu
    case 3u: { return stableTanh(v); } // tanh
    case 4u: { return sigmoid(v); } // sigmoid
    default: { return nan(); }
  }
}

// The derivative of activation `code` in terms of its output y: the factor that backward
// multiplies an incoming gradient by (matmul's fused backward reads g * activateGrad(...)).
fn activateGrad(code: u32, y: f32, alpha: f32) -> f32 {
  switch code {
    case 0u: { return 1.0; } // none
    case 1u: { return reluGrad(y); } // relu
    case 2u: { return leakyReluGrad(y, alpha); } // leakyRelu
    case 3u: { return tanhGrad(y); } // tanh
    case 4u: { return sigmoidGrad(y); } // sigmoid
    default: { return nan(); }
  }
}
