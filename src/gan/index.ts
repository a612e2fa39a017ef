// `shadergrad/gan`: GAN models, the trainer and training runs, checkpoints (save, read,
// resume, load the generator), and the picture encoders (image grids, PNG, GIF, SVG line
// plots). Browser-safe; it shares the core's modules, so `init()` from `shadergrad`
// is the backend these use. `export *` lets new exports of these files flow through.
export * from './models.js';
export * from './trainer.js';
export * from './run.js';
export * from './checkpoint.js';
export * from './monitor.js';
export * from './grid.js';
export * from './png.js';
export * from './gif.js';
export * from './plot.js';
