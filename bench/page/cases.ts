/**
 * The benchmark's rows: shapes and models, with the work each run does (FLOPs or bytes),
 * written once for every library. Shapes are the MLP GAN's and the DCGAN's (src/gan/).
 */

/** C = op(A) · op(B) with op(A) [m, k] and op(B) [k, n]; `transA` stores A as [k, m], `transB` stores B as [n, k]. */
/** `calls` products back to back in one timed run (each library the same), then one wait for the device. */
export interface MatmulSpec { kind: 'matmul'; m: number; k: number; n: number; transA: boolean; transB: boolean; calls: number }

/**
 * A convolution layer in conv2d's terms: input [N, C, H, H], weight [O, C, k, k], output
 * [N, O, OH, OH], padding `pad` before and after (stride `stride`). A transposed layer is
 * the same geometry run backwards: its input is the conv's output and its output the conv's input.
 */
export interface ConvLayer {
  name: string;
  transposed: boolean;
  C: number;
  H: number;
  O: number;
  OH: number;
  k: number;
  stride: number;
  pad: [number, number];
}
export type ConvPass = 'forward' | 'input grad' | 'weight grad';
export interface ConvSpec { kind: 'conv'; layer: ConvLayer; pass: ConvPass; batch: number }
/** Training-mode batchnorm forward and backward over x [N, C, H, W] (gradients of x, gamma and beta). */
export interface BatchNormSpec { kind: 'batchnorm'; shape: [number, number, number, number] }
/** One fused Adam step over G's and D's parameters of an MLP GAN preset. */
export interface AdamSpec { kind: 'adam'; model: 'mlp-small' }
export type ModelName = 'mlp-small' | 'mlp-large' | 'dcgan';
/**
 * Training iterations (a D step and a G step each) queued back to back, then awaited: one
 * shows an iteration's latency, several the throughput of a training loop, which awaits
 * the GPU only when it reads losses back (src/gan/run.ts).
 */
export interface TrainSpec { kind: 'train'; model: ModelName; batch: number; iterations: number }
export type Spec = MatmulSpec | ConvSpec | BatchNormSpec | AdamSpec | TrainSpec;

export interface Case {
  id: string;
  group: Spec['kind'];
  name: string;
  spec: Spec;
  unit: 'GFLOP/s' | 'GB/s' | null;
  work: number;
}

/**
 * The DCGAN's convolutions (src/gan/dcgan.ts with DCGAN_MNIST): D's 5x5 'same' convs and
 * G's stride-2 transposed convs 2 -> 3 -> 6 -> 12 -> 28, PyTorch's paddings (before, after).
 * The page checks this table against the preset before it runs.
 */
export const CONV_LAYERS: ConvLayer[] = [
  { name: 'D conv 1→8 28x28', transposed: false, C: 1, H: 28, O: 8, OH: 28, k: 5, stride: 1, pad: [2, 2] },
  { name: 'D conv 8→16 14x14', transposed: false, C: 8, H: 14, O: 16, OH: 14, k: 5, stride: 1, pad: [2, 2] },
  { name: 'G convT 25→256 2→3', transposed: true, C: 256, H: 3, O: 25, OH: 2, k: 5, stride: 2, pad: [2, 2] },
  { name: 'G convT 256→128 3→6', transposed: true, C: 128, H: 6, O: 256, OH: 3, k: 5, stride: 2, pad: [2, 1] },
  { name: 'G convT 128→64 6→12', transposed: true, C: 64, H: 12, O: 128, OH: 6, k: 5, stride: 2, pad: [2, 1] },
  { name: 'G convT 64→1 12→28 (6x6)', transposed: true, C: 1, H: 28, O: 64, OH: 12, k: 6, stride: 2, pad: [0, 0] },
];

/** The batchnorms of the DCGAN's G: after each transposed conv but the last. */
export const BN_SHAPES = (batch: number): [number, number, number, number][] => [[batch, 256, 3, 3], [batch, 128, 6, 6], [batch, 64, 12, 12]];

/** Parameters of G and D of mlp-small (G 100-128-784, D 784-128-1). */
export const MLP_SMALL_PARAMS = 100 * 128 + 128 + 128 * 784 + 784 + 784 * 128 + 128 + 128 + 1;

const fmtMatmul = (s: MatmulSpec): string => `${s.m}x${s.k}x${s.n}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`;
/**
 * Floating-point work a matmul row's run holds at least: a product smaller than this runs
 * several times back to back, as in training, so the row measures throughput and not the
 * start of a lone call (on the wasm backend the threads' wake-up and caches the other
 * libraries emptied; measured: 64x784x128 on two threads, 27-33 GFLOP/s as a lone call
 * against 58-69 back to back).
 */
export const MATMUL_RUN_FLOP = 50e6;

const mm = (m: number, k: number, n: number, transA: boolean, transB: boolean, what: string): Case => {
  const calls = Math.max(1, Math.round(MATMUL_RUN_FLOP / (2 * m * k * n)));
  const spec: MatmulSpec = { kind: 'matmul', m, k, n, transA, transB, calls };
  const name = `matmul ${fmtMatmul(spec)}${what ? ` (${what})` : ''}${calls > 1 ? `, ${calls} calls per run` : ''}`;
  return { id: `matmul-${m}x${k}x${n}${transA ? 'tA' : ''}${transB ? 'tB' : ''}`, group: 'matmul', name, spec, unit: 'GFLOP/s', work: calls * 2 * m * k * n };
};

/** The multiply-adds of a pass, 2·N·O·OH·OW·C·KH·KW (bench/conv.ts's count: padding taps included, stride zeros not). */
export const convFlops = (l: ConvLayer, batch: number): number => 2 * batch * l.O * l.OH * l.OH * l.C * l.k * l.k;

const conv = (l: ConvLayer, pass: ConvPass, batch: number): Case => ({
  id: `conv-b${batch}-${l.name.replace(/[^A-Za-z0-9]+/g, '-')}-${pass.replace(' ', '-')}`,
  group: 'conv', name: `${l.name} ${pass}, batch ${batch}`, spec: { kind: 'conv', layer: l, pass, batch }, unit: 'GFLOP/s', work: convFlops(l, batch),
});

// Nominal traffic: forward reads x and writes y; backward reads x and dy and writes dx (float32).
const bn = (shape: [number, number, number, number]): Case => ({
  id: `batchnorm-${shape.join('x')}`, group: 'batchnorm', name: `batchnorm fwd+bwd ${shape.join('x')}`,
  spec: { kind: 'batchnorm', shape }, unit: 'GB/s', work: 5 * 4 * shape.reduce((a, b) => a * b, 1),
});

// Adam reads the weight, gradient and both moments and writes the weight and both moments.
const adam: Case = {
  id: 'adam-mlp-small', group: 'adam', name: `Adam step, mlp-small G+D (${MLP_SMALL_PARAMS.toLocaleString('en-US')} params)`,
  spec: { kind: 'adam', model: 'mlp-small' }, unit: 'GB/s', work: 7 * 4 * MLP_SMALL_PARAMS,
};

const train = (model: ModelName, batch: number, iterations = 1): Case => ({
  id: `train-${model}-b${batch}${iterations > 1 ? `-x${iterations}` : ''}`, group: 'train',
  name: `train ${model}, batch ${batch}${iterations > 1 ? `, ${iterations} iterations per run` : ''} (D step + G step)`,
  spec: { kind: 'train', model, batch, iterations }, unit: null, work: 0,
});

/** The rows of a run: `quick` is a small subset for the e2e test. */
export function cases(quick: boolean): Case[] {
  if (quick) {
    return [
      mm(64, 784, 128, false, true, 'D fc1 forward'),
      mm(256, 256, 256, false, false, ''),
      ...(['forward', 'input grad', 'weight grad'] as const).map((p) => conv(CONV_LAYERS[1]!, p, 16)),
      bn(BN_SHAPES(16)[2]!),
      adam,
      train('mlp-small', 64),
    ];
  }
  const passes = ['forward', 'input grad', 'weight grad'] as const;
  return [
    // The MLP GAN's linears at batch 64 (Linear stores W as [out, in]: forward x·Wᵀ,
    // input grad dy·W, weight grad dyᵀ·x).
    mm(64, 784, 128, false, true, 'D fc1 forward'),
    mm(64, 128, 784, false, true, 'G fc2 forward'),
    mm(64, 128, 784, false, false, 'D fc1 input grad'),
    mm(64, 784, 128, false, false, 'G fc2 input grad'),
    mm(128, 64, 784, true, false, 'D fc1 weight grad'),
    mm(784, 64, 128, true, false, 'G fc2 weight grad'),
    mm(256, 256, 256, false, false, ''),
    mm(1024, 1024, 1024, false, false, ''),
    ...[16, 64].flatMap((b) => CONV_LAYERS.flatMap((l) => passes.map((p) => conv(l, p, b)))),
    ...[16, 64].flatMap((b) => BN_SHAPES(b).map(bn)),
    adam,
    train('mlp-small', 64),
    train('mlp-small', 64, 4),
    train('mlp-large', 64),
    train('dcgan', 16),
    train('dcgan', 64),
  ];
}
