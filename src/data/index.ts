// `shadergrad/data`, browser-safe: IDX parsing (raw or gzipped), filters, splits, batches.
// Nothing here reads files or needs the `mnist` package; the Node-only loaders (`loadIdxFiles`,
// `mnist`) are exported by `shadergrad/node`.
export type { Batch, Digits } from './types.js';
export type { IdxArray, IdxDtype } from './idx.js';
export { MAX_IDX_BYTES, readIdx, readIdxDataset } from './idx.js';
export { batches, filterDigits, shuffle, split, STANDARD_SPLIT, toSigned } from './dataset.js';
export { permutation, pcgHash, randomU32, randomUnit } from './random.js';
