export { Optimizer, Adam, SGD, type AdamOptions, type SgdOptions } from './optimizer.js';
export { StepDecay } from './schedule.js';
export { ParamArena } from './arena.js';
