// The browser-safe data layer. `loadIdxFiles` (Node's fs) is imported from './files.js' directly.
export type { Batch, Digits } from './types.js';
export type { IdxArray, IdxDtype } from './idx.js';
export { MAX_IDX_BYTES, readIdx, readIdxDataset } from './idx.js';
export { mnist } from './mnist.js';
export { batches, filterDigits, shuffle, split, toSigned } from './dataset.js';
export { permutation, pcgHash, randomU32, randomUnit } from './random.js';
